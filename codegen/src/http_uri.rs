//! The URI pattern of an operation's `@http` trait (Smithy's HTTP binding
//! traits, which restJson1 uses): literal segments, `{label}` and greedy
//! `{label+}` segments, an optional trailing slash, and literal query
//! parameters after `?`. Parsed and checked as the specification says, so a
//! malformed pattern names its problem instead of reaching emission.

use std::collections::BTreeSet;

/// A parsed URI pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriPattern {
    /// The path's segments, in order (none for `/`).
    pub segments: Vec<Segment>,
    /// The path ends with `/` (and is not just `/`).
    pub trailing_slash: bool,
    /// The literal query parameters, in order: a name, and its value when it has one (`?view=aggregation`).
    pub query: Vec<(String, Option<String>)>,
}

/// One path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text sent as written.
    Literal(String),
    /// A member's value: `{Name}`, or `{Name+}` (greedy: it may hold `/`).
    Label {
        /// The member name.
        name: String,
        /// `+`: the value spans segments.
        greedy: bool,
    },
}

impl UriPattern {
    /// The labels, in order, with whether each is greedy.
    pub fn labels(&self) -> impl Iterator<Item = (&str, bool)> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Label { name, greedy } => Some((name.as_str(), *greedy)),
            Segment::Literal(_) => None,
        })
    }
}

/// Parses `uri`, or says what is wrong with it.
pub fn parse(uri: &str) -> Result<UriPattern, String> {
    if uri.contains('#') {
        return Err(format!("`{uri}` has a fragment; a URI pattern has none"));
    }
    let (path, query) = match uri.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (uri, None),
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("`{uri}` does not start with `/`"));
    };
    let trailing_slash = !rest.is_empty() && rest.ends_with('/');
    let body = rest.strip_suffix('/').unwrap_or(rest);
    let mut segments = Vec::new();
    let mut names = BTreeSet::new();
    let mut greedy_seen = false;
    if !body.is_empty() {
        for text in body.split('/') {
            segments.push(segment(uri, text, &mut names, &mut greedy_seen)?);
        }
    }
    let mut query_params = Vec::new();
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        let mut keys = BTreeSet::new();
        for pair in query.split('&') {
            let (key, value) = match pair.split_once('=') {
                Some((k, v)) => (k, Some(v.to_owned())),
                None => (pair, None),
            };
            if key.is_empty() {
                return Err(format!("`{uri}` has a query parameter without a name"));
            }
            if pair.contains(['{', '}']) {
                return Err(format!("`{uri}` has a label in its query; labels belong to the path"));
            }
            if !keys.insert(key) {
                return Err(format!("`{uri}` names the query parameter `{key}` twice"));
            }
            query_params.push((key.to_owned(), value));
        }
    }
    Ok(UriPattern { segments, trailing_slash, query: query_params })
}

/// One segment of `uri`'s path.
fn segment(uri: &str, text: &str, names: &mut BTreeSet<String>, greedy_seen: &mut bool) -> Result<Segment, String> {
    if text.is_empty() {
        return Err(format!("`{uri}` has an empty path segment"));
    }
    if text == "." || text == ".." {
        return Err(format!("`{uri}` has a `{text}` segment"));
    }
    if !text.contains(['{', '}']) {
        return Ok(Segment::Literal(text.to_owned()));
    }
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("`{uri}`: the label segment `{text}` must be the whole segment, `{{Name}}` or `{{Name+}}`"))?;
    let (name, greedy) = match inner.strip_suffix('+') {
        Some(name) => (name, true),
        None => (inner, false),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{uri}`: `{text}` does not name a member"));
    }
    if !names.insert(name.to_owned()) {
        return Err(format!("`{uri}` uses the label `{name}` twice"));
    }
    if greedy {
        if *greedy_seen {
            return Err(format!("`{uri}` has more than one greedy label"));
        }
        *greedy_seen = true;
    }
    Ok(Segment::Label { name: name.to_owned(), greedy })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str, greedy: bool) -> Segment {
        Segment::Label { name: name.to_owned(), greedy }
    }

    #[test]
    fn patterns_parse_into_segments_and_query_literals() {
        let p = parse("/{accountId}/vaults/{vaultName}/tags?operation=add&flag").unwrap();
        assert_eq!(
            p.segments,
            [label("accountId", false), Segment::Literal("vaults".into()), label("vaultName", false), Segment::Literal("tags".into())]
        );
        assert_eq!(p.query, [("operation".to_owned(), Some("add".to_owned())), ("flag".to_owned(), None)]);
        assert!(!p.trailing_slash);
        let greedy = parse("/v20180820/mrap/instances/{Name+}/policy").unwrap();
        assert_eq!(greedy.labels().collect::<Vec<_>>(), [("Name", true)]);
        assert_eq!(parse("/").unwrap().segments, []);
        assert!(parse("/sessions/{id}/").unwrap().trailing_slash);
    }

    #[test]
    fn malformed_patterns_are_named() {
        for (uri, problem) in [
            ("foo", "does not start with `/`"),
            ("/a//b", "an empty path segment"),
            ("/a/../b", "a `..` segment"),
            ("/a{b}", "must be the whole segment"),
            ("/{}", "does not name a member"),
            ("/{a}/{a}", "uses the label `a` twice"),
            ("/{a+}/{b+}", "more than one greedy label"),
            ("/a?x={y}", "a label in its query"),
            ("/a?x=1&x=2", "names the query parameter `x` twice"),
            ("/a?=1", "a query parameter without a name"),
            ("/a#b", "has a fragment"),
        ] {
            let err = parse(uri).unwrap_err();
            assert!(err.contains(problem), "{uri}: {err}");
        }
    }
}
