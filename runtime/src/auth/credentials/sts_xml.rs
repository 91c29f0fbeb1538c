//! The XML STS answers with, read into a small element tree: elements
//! (by local name, namespace prefixes dropped), their text and their
//! children. It reads what the query protocol sends — a declaration,
//! comments, attributes, CDATA, the five named entities and character
//! references — checks that tags nest and close, and refuses everything
//! else (a DOCTYPE, processing instructions in the body) with the byte
//! offset of the problem. Credentials are only ever read from a document
//! that parsed whole.

use std::fmt;

/// An element: its local name, its text (the concatenation of its text and
/// CDATA, entities decoded) and its child elements in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The name without any namespace prefix (`Credentials`).
    pub name: String,
    /// The element's own text, not its children's.
    pub text: String,
    /// The child elements.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first element named `name` at any depth, this one included,
    /// in document order.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// Why a document did not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    offset: usize,
    problem: &'static str,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.problem, self.offset)
    }
}

impl std::error::Error for XmlError {}

/// Elements may nest this deep; STS answers nest four.
const MAX_DEPTH: usize = 64;

/// Parses a whole document: its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut p = Parser { s: text.as_bytes(), text, at: 0 };
    p.misc(true)?;
    if p.peek() != Some(b'<') {
        return Err(p.error("no root element"));
    }
    let root = p.element(0)?;
    p.misc(false)?;
    if p.at != p.s.len() {
        return Err(p.error("text after the root element"));
    }
    Ok(root)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, problem: &'static str) -> XmlError {
        XmlError { offset: self.at, problem }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.s[self.at..].starts_with(prefix.as_bytes())
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// Moves past `end`, which must come before the document ends.
    fn skip_past(&mut self, end: &str, problem: &'static str) -> Result<usize, XmlError> {
        let start = self.at;
        match self.text[start..].find(end) {
            Some(i) => {
                self.at = start + i + end.len();
                Ok(start + i)
            }
            None => Err(self.error(problem)),
        }
    }

    /// Whitespace, comments and (before the root only) the declaration.
    fn misc(&mut self, prolog: bool) -> Result<(), XmlError> {
        loop {
            self.skip_space();
            if self.starts_with("<!--") {
                self.at += 4;
                self.skip_past("-->", "an unclosed comment")?;
            } else if prolog && self.at == 0 && self.starts_with("<?xml") {
                self.skip_past("?>", "an unclosed XML declaration")?;
            } else if self.starts_with("<!") || self.starts_with("<?") {
                return Err(self.error("a DOCTYPE or processing instruction, which STS never sends"));
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<&str, XmlError> {
        let start = self.at;
        while self.peek().is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'>' | b'/' | b'=' | b'<')) {
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error("a missing name"));
        }
        Ok(&self.text[start..self.at])
    }

    /// An element, from its `<`.
    fn element(&mut self, depth: usize) -> Result<Element, XmlError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("elements nested too deep"));
        }
        self.at += 1;
        let qname = self.name()?.to_owned();
        let mut element = Element { name: local(&qname).to_owned(), ..Element::default() };
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'/') if self.s.get(self.at + 1) == Some(&b'>') => {
                    self.at += 2;
                    return Ok(element);
                }
                Some(b'>') => {
                    self.at += 1;
                    break;
                }
                Some(_) => self.attribute()?,
                None => return Err(self.error("an unclosed start tag")),
            }
        }
        loop {
            match self.peek() {
                None => return Err(self.error("an element that is never closed")),
                Some(b'<') if self.starts_with("</") => {
                    let tag = self.at;
                    self.at += 2;
                    let closing = self.name()?;
                    if closing != qname {
                        return Err(XmlError { offset: tag, problem: "an end tag that does not match its start tag" });
                    }
                    self.skip_space();
                    if self.peek() != Some(b'>') {
                        return Err(self.error("an unclosed end tag"));
                    }
                    self.at += 1;
                    return Ok(element);
                }
                Some(b'<') if self.starts_with("<!--") => {
                    self.at += 4;
                    self.skip_past("-->", "an unclosed comment")?;
                }
                Some(b'<') if self.starts_with("<![CDATA[") => {
                    self.at += 9;
                    let start = self.at;
                    let end = self.skip_past("]]>", "an unclosed CDATA section")?;
                    element.text.push_str(&self.text[start..end]);
                }
                Some(b'<') if self.starts_with("<!") || self.starts_with("<?") => {
                    return Err(self.error("a DOCTYPE or processing instruction, which STS never sends"));
                }
                Some(b'<') => element.children.push(self.element(depth + 1)?),
                Some(_) => {
                    let start = self.at;
                    while self.peek().is_some_and(|c| c != b'<') {
                        self.at += 1;
                    }
                    let raw = &self.text[start..self.at];
                    decode_into(&mut element.text, raw).map_err(|i| XmlError { offset: start + i, problem: "an unknown entity" })?;
                }
            }
        }
    }

    /// `name="value"` or `name='value'`: checked, not kept.
    fn attribute(&mut self) -> Result<(), XmlError> {
        self.name()?;
        self.skip_space();
        if self.peek() != Some(b'=') {
            return Err(self.error("an attribute without a value"));
        }
        self.at += 1;
        self.skip_space();
        let quote = match self.peek() {
            Some(q @ (b'"' | b'\'')) => q,
            _ => return Err(self.error("an attribute value without quotes")),
        };
        self.at += 1;
        let start = self.at;
        let end = self.skip_past(if quote == b'"' { "\"" } else { "'" }, "an unclosed attribute value")?;
        let mut scratch = String::new();
        decode_into(&mut scratch, &self.text[start..end]).map_err(|i| XmlError { offset: start + i, problem: "an unknown entity" })
    }
}

/// `prefix:name` without its prefix.
fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, n)| n)
}

/// Appends `raw` with its entities decoded; on an entity it does not know,
/// the offset of its `&` within `raw`.
fn decode_into(out: &mut String, raw: &str) -> Result<(), usize> {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let offset = raw.len() - rest.len() + amp;
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10).ok_or(offset)?;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => entity.strip_prefix('#').and_then(|d| d.parse::<u32>().ok()),
                };
                code.and_then(char::from_u32).ok_or(offset)?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_sts_answer() {
        let doc = parse(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- from STS -->\n\
             <AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <AssumeRoleResult><Credentials>\
             <AccessKeyId>ASIA</AccessKeyId><SessionToken>a+b/c=&amp;&#x41;&#66;<![CDATA[<raw>]]></SessionToken>\
             <Empty/><Spaced attr='1' other=\"two\" >  x  </Spaced>\
             </Credentials></AssumeRoleResult></AssumeRoleResponse>\n",
        )
        .unwrap();
        assert_eq!(doc.name, "AssumeRoleResponse");
        let creds = doc.find("Credentials").unwrap();
        assert_eq!(creds.child("AccessKeyId").unwrap().text, "ASIA");
        assert_eq!(creds.child("SessionToken").unwrap().text, "a+b/c=&AB<raw>");
        assert_eq!(creds.child("Empty").unwrap().text, "");
        assert_eq!(creds.child("Spaced").unwrap().text, "  x  ");
        assert_eq!(creds.child("Missing"), None);
        let prefixed = parse("<sts:A xmlns:sts=\"u\"><sts:B>v</sts:B></sts:A>").unwrap();
        assert_eq!(prefixed.child("B").unwrap().text, "v");
    }

    #[test]
    fn refuses_what_is_not_a_whole_document() {
        for (bad, problem) in [
            ("", "no root element"),
            ("text", "no root element"),
            ("<a>", "never closed"),
            ("<a></b>", "does not match"),
            ("<a><b></a></b>", "does not match"),
            ("<a x=1/>", "without quotes"),
            ("<a x/>", "without a value"),
            ("<a>&bogus;</a>", "unknown entity"),
            ("<a>&#xD800;</a>", "unknown entity"),
            ("<a>& </a>", "unknown entity"),
            ("<a/><b/>", "text after the root"),
            ("<a/>trailing", "text after the root"),
            ("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", "DOCTYPE"),
            ("<a><!-- open</a>", "unclosed comment"),
            ("<a><![CDATA[x</a>", "unclosed CDATA"),
            ("<a", "unclosed start tag"),
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains(problem), "{bad:?}: {err}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).unwrap_err().to_string().contains("too deep"));
    }

    #[test]
    fn every_cut_and_every_changed_byte_of_an_answer_is_an_error_or_a_tree_never_a_panic() {
        let answer = "<?xml version=\"1.0\"?><R xmlns=\"u\"><C a='1'><K>A&amp;&#x42;</K><!-- c --><T><![CDATA[x]]></T></C></R>";
        for end in 0..answer.len() {
            if answer.is_char_boundary(end) {
                assert!(parse(&answer[..end]).is_err(), "a cut at {end} is not a whole document");
            }
        }
        for i in 0..answer.len() {
            for b in [b'<', b'>', b'&', b'/', b'"', b'\'', b';', b'!', b'?', b' ', b'x', 0xC3] {
                let mut bytes = answer.as_bytes().to_vec();
                bytes[i] = b;
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    let _ = parse(text);
                }
            }
        }
    }
}
