//! The path and query of a request: labels and query parameters,
//! percent-encoded as RFC 3986 says (only the unreserved characters stay as
//! they are; a greedy label keeps its `/`).

use crate::encoding::uri_encode;
use crate::error::BuildError;

/// Appends the label `value` of the member `member` to `path`. A greedy
/// label keeps its `/` separators, but none of its segments may be empty,
/// `.` or `..` (the path would change meaning); no label may be empty.
pub fn push_label(path: &mut String, value: &str, greedy: bool, member: &'static str) -> Result<(), BuildError> {
    if value.is_empty() {
        return Err(BuildError::invalid_field(member, "is empty; it is a part of the request's path"));
    }
    if !greedy {
        path.push_str(&uri_encode(value));
        return Ok(());
    }
    for (i, segment) in value.split('/').enumerate() {
        if matches!(segment, "." | "..") {
            return Err(BuildError::invalid_field(
                member,
                format!("`{value}` has a `{segment}` segment, which would change the request's path"),
            ));
        }
        if i > 0 {
            path.push('/');
        }
        path.push_str(&uri_encode(segment));
    }
    Ok(())
}

/// Appends the query parameter `key` (with `value`, when it has one) to
/// `uri`, after `?` or `&` as the URI has a query already or not.
pub fn push_query(uri: &mut String, key: &str, value: Option<&str>) {
    uri.push(if uri.contains('?') { '&' } else { '?' });
    uri.push_str(&uri_encode(key));
    if let Some(v) = value {
        uri.push('=');
        uri.push_str(&uri_encode(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_encoded_and_greedy_ones_keep_slashes() {
        let mut p = String::from("/a/");
        push_label(&mut p, "b c/d%", false, "X").unwrap();
        assert_eq!(p, "/a/b%20c%2Fd%25");
        let mut p = String::from("/g/");
        push_label(&mut p, "there/guy: x", true, "X").unwrap();
        assert_eq!(p, "/g/there/guy%3A%20x");
        assert!(push_label(&mut String::new(), "", false, "X").is_err());
        assert!(push_label(&mut String::new(), "a/../b", true, "X").unwrap_err().to_string().contains("`..`"));
    }

    #[test]
    fn query_parameters_join_with_ampersands() {
        let mut u = String::from("/p");
        push_query(&mut u, "a b", Some("x&y"));
        push_query(&mut u, "flag", None);
        push_query(&mut u, "e", Some(""));
        assert_eq!(u, "/p?a%20b=x%26y&flag&e=");
    }
}
