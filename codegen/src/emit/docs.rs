//! Model documentation (HTML, as AWS writes it) turned into rustdoc Markdown.
//!
//! The conversion keeps paragraphs, code, links, lists, emphasis and
//! notes, drops tags it does not know, and escapes what rustdoc would
//! otherwise read as intra-doc links or HTML, so `cargo doc -D warnings` passes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Constraints, Deprecated};

/// `#[doc = "..."]` attributes for `text`, one per line. Each line gets the
/// leading space a hand-written `/// ` comment has, so rendered files read
/// like hand-written ones.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = "..."]` attributes: a module's own documentation.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #![doc = #lines] )* }
}

fn doc_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") }).collect()
}

/// The Markdown of optional model docs, or `fallback` when there are none.
pub fn markdown_or(docs: Option<&str>, fallback: &str) -> String {
    // Documentation that is only markup (`<p></p>`, as large models leave some members) says nothing either.
    match docs.map(html_to_markdown) {
        Some(d) if !d.trim().is_empty() => d,
        _ => fallback.to_owned(),
    }
}

/// A paragraph listing the member's constraints, or nothing.
pub fn constraint_note(c: &Constraints) -> Option<String> {
    let mut parts = Vec::new();
    match (c.length_min, c.length_max) {
        (Some(min), Some(max)) => parts.push(format!("length {min} to {max}")),
        (Some(min), None) => parts.push(format!("length at least {min}")),
        (None, Some(max)) => parts.push(format!("length at most {max}")),
        (None, None) => {}
    }
    match (&c.range_min, &c.range_max) {
        (Some(min), Some(max)) => parts.push(format!("value {min} to {max}")),
        (Some(min), None) => parts.push(format!("value at least {min}")),
        (None, Some(max)) => parts.push(format!("value at most {max}")),
        (None, None) => {}
    }
    if let Some(p) = &c.pattern {
        // Control characters (a pattern may hold a raw newline or carriage
        // return) are written as escapes: a doc comment cannot hold them.
        let shown: String = p
            .replace('`', "'")
            .chars()
            .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
            .collect();
        parts.push(format!("pattern `{shown}`"));
    }
    (!parts.is_empty()).then(|| format!("Constraints: {}.", parts.join("; ")))
}

/// `#[deprecated]` for a deprecated item.
///
/// Rust wants `since` to be a version (clippy's `deprecated_semver`), while
/// Smithy models usually give a date; a date goes into the note instead.
pub fn deprecated_attr(d: Option<&Deprecated>) -> TokenStream {
    match d {
        None => quote!(),
        Some(Deprecated { message: None, since: None }) => quote!(#[deprecated]),
        Some(Deprecated { message, since }) => {
            let semver = since.as_deref().filter(|s| {
                let parts: Vec<&str> = s.split('.').collect();
                parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            });
            let since_attr = semver.map(|s| quote!(since = #s,));
            let note = match (message.as_deref(), since.as_deref(), semver) {
                (Some(m), Some(date), None) => Some(format!("{m} (deprecated since {date})")),
                (None, Some(date), None) => Some(format!("deprecated since {date}")),
                (m, _, _) => m.map(str::to_owned),
            };
            let note = note.map(|n| quote!(note = #n));
            quote!(#[deprecated(#since_attr #note)])
        }
    }
}

/// Converts AWS documentation HTML to Markdown.
pub fn html_to_markdown(html: &str) -> String {
    let mut out = String::new();
    let mut list_depth: usize = 0;
    let mut in_code = 0usize;
    let mut in_pre = false;
    let mut link: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            if let Some(end) = after.find('>') {
                let tag = &after[..end];
                rest = &after[end + 1..];
                let closing = tag.starts_with('/');
                let name: String =
                    tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
                match (name.as_str(), closing) {
                    ("p" | "div", _) | ("br", _) => paragraph(&mut out),
                    ("note", false) => {
                        paragraph(&mut out);
                        out.push_str("**Note:** ");
                    }
                    ("important", false) => {
                        paragraph(&mut out);
                        out.push_str("**Important:** ");
                    }
                    ("note" | "important", true) => paragraph(&mut out),
                    ("ul" | "ol", false) => {
                        list_depth += 1;
                        paragraph(&mut out);
                    }
                    ("ul" | "ol", true) => {
                        list_depth = list_depth.saturating_sub(1);
                        paragraph(&mut out);
                    }
                    ("li", false) => {
                        line(&mut out);
                        out.push_str(&"  ".repeat(list_depth.saturating_sub(1)));
                        out.push_str("- ");
                    }
                    ("code", false) if !in_pre => {
                        in_code += 1;
                        out.push('`');
                    }
                    ("code", true) if !in_pre => {
                        in_code = in_code.saturating_sub(1);
                        out.push('`');
                    }
                    ("pre", false) => {
                        paragraph(&mut out);
                        out.push_str("```text\n");
                        in_pre = true;
                    }
                    ("pre", true) => {
                        line(&mut out);
                        out.push_str("```");
                        in_pre = false;
                        paragraph(&mut out);
                    }
                    ("b" | "strong", _) if in_code == 0 && !in_pre => out.push_str("**"),
                    ("i" | "em", _) if in_code == 0 && !in_pre => out.push('*'),
                    ("a", false) => {
                        link = attr(tag, "href");
                        if link.is_some() {
                            out.push('[');
                        }
                    }
                    ("a", true) => {
                        if let Some(href) = link.take() {
                            out.push_str("](");
                            out.push_str(&href.replace(' ', "%20").replace(')', "%29"));
                            out.push(')');
                        }
                    }
                    _ => {}
                }
                continue;
            }
        }
        let next = rest.find('<').unwrap_or(rest.len()).max(1);
        let (text, tail) = rest.split_at(next);
        rest = tail;
        let text = decode_entities(text);
        if in_pre {
            out.push_str(&text);
        } else if in_code > 0 {
            out.push_str(&collapse(&text).replace('`', "'"));
        } else {
            push_text(&mut out, &escape_markdown(&collapse(&text)));
        }
    }
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let mut result = String::new();
    let mut blank = true;
    for l in lines {
        if l.trim().is_empty() {
            if !blank {
                result.push('\n');
            }
            blank = true;
        } else {
            result.push_str(l);
            result.push('\n');
            blank = false;
        }
    }
    result.trim().to_owned()
}

fn paragraph(out: &mut String) {
    // A paragraph that opens a list item continues the item's line.
    if out.ends_with("- ") {
        return;
    }
    let trimmed = out.trim_end_matches([' ', '\n']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

fn line(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn push_text(out: &mut String, text: &str) {
    let text = if out.is_empty() || out.ends_with('\n') || out.ends_with(' ') { text.trim_start() } else { text };
    out.push_str(text);
}

fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(' ') {
        let bare = word.trim_end();
        if bare.starts_with("http://") || bare.starts_with("https://") {
            // Bare URLs trip rustdoc's bare_urls lint; angle brackets make them links.
            out.push('<');
            out.push_str(bare);
            out.push('>');
            out.push_str(&word[bare.len()..]);
            continue;
        }
        for c in word.chars() {
            match c {
                '[' | ']' | '*' | '_' | '`' | '\\' | '#' | '|' => {
                    out.push('\\');
                    out.push(c);
                }
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                _ => out.push(c),
            }
        }
    }
    out
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let i = tag.find(&format!("{name}="))?;
    let rest = &tag[i + name.len() + 1..];
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let end = rest[1..].find(quote)?;
        Some(rest[1..1 + end].to_owned())
    } else {
        Some(rest.split_whitespace().next()?.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_common_html() {
        let cases = [
            ("<p>Hello <code>World</code>.</p><p>Second.</p>", "Hello `World`.\n\nSecond."),
            ("<p>See <a href=\"https://x.y/z\">the guide</a>.</p>", "See [the guide](https://x.y/z)."),
            ("<ul><li><p>one</p></li><li>two</li></ul>", "- one\n\n- two"),
            ("<note><p>Careful</p></note>", "**Note:**\n\nCareful"),
            ("Values [a] and a*b_c", "Values \\[a\\] and a\\*b\\_c"),
            ("x &lt;tag&gt; &amp; y", "x &lt;tag&gt; & y"),
            ("go to https://example.com now", "go to <https://example.com> now"),
            ("<b>bold</b> <i>it</i>", "**bold** *it*"),
            ("<unknown>kept text</unknown>", "kept text"),
        ];
        for (html, md) in cases {
            assert_eq!(html_to_markdown(html), md, "{html}");
        }
    }

    #[test]
    fn documentation_that_is_only_markup_falls_back() {
        assert_eq!(markdown_or(Some("<p></p>"), "The `Rules` member."), "The `Rules` member.");
        assert_eq!(markdown_or(Some("  "), "fallback"), "fallback");
        assert_eq!(markdown_or(None, "fallback"), "fallback");
        assert_eq!(markdown_or(Some("<p>Said.</p>"), "fallback"), "Said.");
    }

    #[test]
    fn deprecation_dates_go_into_the_note() {
        let date = Deprecated { message: Some("Use X.".into()), since: Some("2026-10-20".into()) };
        assert_eq!(
            deprecated_attr(Some(&date)).to_string(),
            quote!(#[deprecated(note = "Use X. (deprecated since 2026-10-20)")]).to_string()
        );
        let version = Deprecated { message: None, since: Some("1.2.3".into()) };
        assert_eq!(deprecated_attr(Some(&version)).to_string(), quote!(#[deprecated(since = "1.2.3",)]).to_string());
        assert_eq!(deprecated_attr(Some(&Deprecated::default())).to_string(), quote!(#[deprecated]).to_string());
    }

    #[test]
    fn constraint_notes() {
        let c = Constraints { length_min: Some(1), length_max: Some(255), pattern: Some("^[0-9]+$".into()), ..Default::default() };
        assert_eq!(constraint_note(&c).unwrap(), "Constraints: length 1 to 255; pattern `^[0-9]+$`.");
        let c = Constraints { pattern: Some("^[a \n\t\r]*$".into()), ..Default::default() };
        assert_eq!(constraint_note(&c).unwrap(), "Constraints: pattern `^[a \\n\\t\\r]*$`.");
        assert_eq!(constraint_note(&Constraints::default()), None);
    }
}
