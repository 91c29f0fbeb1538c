//! Checks on the HTTP binding traits, for a client of a protocol that uses
//! them (restJson1): every operation has an `@http` whose URI pattern
//! parses, its labels and the input's `@httpLabel` members name each
//! other, and each binding trait sits on a member whose type that place can
//! hold. Lowering reads the traits without checking them again.

use serde_json::Value;

use super::shapes::kind;
use crate::ast::{Member, Shape};
use crate::error::Error;
use crate::normalise::Shapes;

/// The binding traits, which at most one of a member may carry.
const BINDINGS: [&str; 7] = [
    "smithy.api#httpLabel",
    "smithy.api#httpQuery",
    "smithy.api#httpQueryParams",
    "smithy.api#httpHeader",
    "smithy.api#httpPrefixHeaders",
    "smithy.api#httpPayload",
    "smithy.api#httpResponseCode",
];

/// Where a `@streaming` blob may be: only the protocols with HTTP bindings
/// send and read one, as an `@httpPayload` (the whole body).
pub fn streaming(shapes: &Shapes, rest: bool) -> Result<(), Error> {
    for (id, shape) in shapes {
        if shape.traits().contains_key("smithy.api#streaming") && !matches!(shape, Shape::Union(_)) && !rest {
            return Err(Error::unsupported(
                id,
                "a streaming blob (@streaming) is not implemented for awsJson and RPC v2 CBOR clients, which send and read whole bodies",
            ));
        }
        for (name, m) in shape.members().into_iter().flatten() {
            let streams = matches!(shapes.get(&m.target), Some(s @ Shape::Blob(_)) if s.traits().contains_key("smithy.api#streaming"));
            if streams && rest && !m.traits.contains_key("smithy.api#httpPayload") {
                return Err(Error::model(format!("{id}${name}"), "a streaming blob must be the @httpPayload of an input or output"));
            }
        }
    }
    Ok(())
}

/// Checks every operation of `shapes` and the structures it sends and reads.
pub fn check(shapes: &Shapes) -> Result<(), Error> {
    for (id, shape) in shapes {
        match shape {
            Shape::Operation(op) => {
                // An event-stream operation is left out whole, so its bindings do not matter.
                if crate::left_out::event_stream(shapes, id).is_some() {
                    continue;
                }
                let http = op.traits.get("smithy.api#http").ok_or_else(|| {
                    Error::model(id, "has no @http trait; the protocol sends each operation to the method and path it gives")
                })?;
                let method =
                    http.get("method").and_then(Value::as_str).filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()));
                if method.is_none() {
                    return Err(Error::model(id, "@http needs a method in capitals (GET, POST, ...)"));
                }
                let uri = http.get("uri").and_then(Value::as_str).ok_or_else(|| Error::model(id, "@http needs a uri"))?;
                let pattern = crate::http_uri::parse(uri).map_err(|e| Error::model(id, format!("@http uri: {e}")))?;
                if http.get("code").is_some_and(|c| !c.as_u64().is_some_and(|c| (100..600).contains(&c))) {
                    return Err(Error::model(id, "@http code must be an integer from 100 to 599"));
                }
                let input = op.input.as_ref().and_then(|r| match shapes.get(&r.target) {
                    Some(Shape::Structure(s)) => Some((r.target.as_str(), s)),
                    _ => None,
                });
                let labels: Vec<(&str, bool)> = pattern.labels().collect();
                for (label, greedy) in &labels {
                    let member = input.and_then(|(_, s)| s.members.get(*label));
                    let Some(member) = member.filter(|m| m.traits.contains_key("smithy.api#httpLabel")) else {
                        return Err(Error::model(
                            id,
                            format!("@http uri `{uri}` has the label `{label}`, which is no @httpLabel member of the input"),
                        ));
                    };
                    if *greedy && kind(shapes, &member.target) != Some("string") {
                        return Err(Error::model(id, format!("the greedy label `{label}` must be a string")));
                    }
                }
                if let Some((input_id, s)) = input {
                    for (name, m) in &s.members {
                        if m.traits.contains_key("smithy.api#httpLabel") && !labels.iter().any(|(l, _)| l == name) {
                            return Err(Error::model(
                                format!("{input_id}${name}"),
                                format!("is an @httpLabel, but `{uri}` has no such label"),
                            ));
                        }
                    }
                }
            }
            Shape::Structure(s) => {
                let mut payloads = 0;
                let mut names: Vec<(String, String)> = Vec::new();
                for (name, m) in &s.members {
                    let member_id = format!("{id}${name}");
                    let carried: Vec<&str> = BINDINGS.iter().copied().filter(|t| m.traits.contains_key(*t)).collect();
                    if carried.len() > 1 {
                        return Err(Error::model(member_id, format!("has more than one binding trait: {}", carried.join(", "))));
                    }
                    if let Some(t) = carried.first() {
                        member(shapes, &member_id, m, t, &mut names)?;
                        payloads += usize::from(*t == "smithy.api#httpPayload");
                    }
                    if let Some(n) = m.traits.get("smithy.api#jsonName") {
                        if !n.is_string() {
                            return Err(Error::model(member_id, "@jsonName must be a string"));
                        }
                    }
                }
                if payloads > 1 {
                    return Err(Error::model(id, "has more than one @httpPayload member"));
                }
                if payloads == 1 {
                    let body = s.members.iter().find(|(_, m)| !BINDINGS.iter().any(|t| m.traits.contains_key(*t)));
                    if let Some((name, _)) = body {
                        return Err(Error::model(
                            format!("{id}${name}"),
                            "is bound to the body, but the structure has an @httpPayload member, which is the whole body",
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One bound member: its trait's value, and the type its place can hold.
/// `names` gathers the header and query names seen, to refuse one used twice.
fn member(shapes: &Shapes, id: &str, m: &Member, binding: &str, names: &mut Vec<(String, String)>) -> Result<(), Error> {
    let target_kind = kind(shapes, &m.target).unwrap_or("unknown");
    let scalar = |k: &str| {
        matches!(
            k,
            "string"
                | "enum"
                | "intEnum"
                | "boolean"
                | "byte"
                | "short"
                | "integer"
                | "long"
                | "float"
                | "double"
                | "bigInteger"
                | "bigDecimal"
                | "timestamp"
        )
    };
    let element_kind = |target: &str| match shapes.get(target) {
        Some(Shape::List(l) | Shape::Set(l)) => kind(shapes, &l.member.target),
        _ => None,
    };
    let map_value_kind = |target: &str| match shapes.get(target) {
        Some(Shape::Map(map)) => Some((kind(shapes, &map.value.target), map.value.target.as_str())),
        _ => None,
    };
    let named = |what: &str| -> Result<String, Error> {
        m.traits
            .get(binding)
            .and_then(Value::as_str)
            .filter(|n| what == "prefix" || !n.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::model(id, format!("@{} needs a {what} name", &binding["smithy.api#".len()..])))
    };
    let refuse = |what: &str| Err(Error::model(id, format!("@{} cannot bind a {target_kind} ({what})", &binding["smithy.api#".len()..])));
    match binding {
        "smithy.api#httpLabel" if !scalar(target_kind) => refuse("a label is one scalar value"),
        // A query parameter and a header alike: one name, bound once, holding a scalar or a list of them.
        "smithy.api#httpQuery" | "smithy.api#httpHeader" => {
            let (place, what) = if binding == "smithy.api#httpQuery" { ("query", "query parameter") } else { ("header", "header") };
            let mut key = named(what)?;
            // Header names are not case-sensitive; query names are.
            if place == "header" {
                key = key.to_ascii_lowercase();
            }
            if names.iter().any(|(k, n)| k == place && *n == key) {
                return Err(Error::model(id, format!("the {what} `{key}` is bound twice")));
            }
            names.push((place.into(), key));
            let ok = scalar(target_kind) || (matches!(target_kind, "list" | "set") && element_kind(&m.target).is_some_and(scalar));
            if ok {
                Ok(())
            } else {
                refuse(&format!("a {what} is a scalar or a list of them"))
            }
        }
        "smithy.api#httpQueryParams" => match map_value_kind(&m.target) {
            Some((Some("string" | "enum"), _)) => Ok(()),
            Some((Some("list" | "set"), list)) if element_kind(list).is_some_and(|k| matches!(k, "string" | "enum")) => Ok(()),
            _ => refuse("query parameters are a map of strings or of lists of strings"),
        },
        "smithy.api#httpPrefixHeaders" => {
            named("prefix")?;
            match map_value_kind(&m.target) {
                Some((Some("string" | "enum"), _)) => Ok(()),
                _ => refuse("prefixed headers are a map of strings"),
            }
        }
        "smithy.api#httpPayload" => match target_kind {
            "string" | "enum" | "blob" | "structure" | "union" | "document" => Ok(()),
            _ => refuse("a payload is a string, blob, structure, union or document"),
        },
        "smithy.api#httpResponseCode" => match target_kind {
            "integer" => Ok(()),
            _ => refuse("a status is an integer"),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::{lower_json, service};

    /// A restJson1 service with one operation `a#Op` (`@http` given by `http`) and input `a#In` (`members`).
    fn rest(http: &str, members: &str, extra: &str) -> Result<crate::ir::Ir, crate::Error> {
        let json = service(
            &format!(
                r#","a#Op":{{"type":"operation","input":{{"target":"a#In"}},"traits":{{"smithy.api#http":{http}}}}},
                "a#In":{{"type":"structure","members":{{{members}}}}}{extra}"#
            ),
            r#"{"target":"a#Op"}"#,
        )
        .replace(r#""aws.protocols#awsJson1_0":{}"#, r#""aws.protocols#restJson1":{}"#);
        lower_json(&json)
    }

    fn refused(http: &str, members: &str, extra: &str) -> String {
        rest(http, members, extra).unwrap_err().to_string()
    }

    #[test]
    fn bindings_lower_into_the_ir() {
        let ir = rest(
            r#"{"method":"PUT","uri":"/things/{Id}?mode=fast","code":201}"#,
            r#""Id":{"target":"smithy.api#String","traits":{"smithy.api#httpLabel":{},"smithy.api#required":{}}},
               "Tag":{"target":"smithy.api#String","traits":{"smithy.api#httpHeader":"X-Tag"}},
               "Body":{"target":"smithy.api#String","traits":{"smithy.api#jsonName":"body"}}"#,
            "",
        )
        .unwrap();
        let op = &ir.operations[0];
        let http = op.http.as_ref().unwrap();
        assert_eq!((http.method.as_str(), http.code), ("PUT", 201));
        assert_eq!(http.uri.query, [("mode".to_owned(), Some("fast".to_owned()))]);
        let input = ir.structure(&op.input);
        assert_eq!(input.members[0].binding, crate::ir::Binding::Label);
        assert_eq!(input.members[1].binding, crate::ir::Binding::Header("X-Tag".into()));
        assert_eq!((input.members[2].binding.clone(), input.members[2].wire_name()), (crate::ir::Binding::Body, "body"));
    }

    #[test]
    fn inconsistent_bindings_are_named() {
        let label = r#""Id":{"target":"smithy.api#String","traits":{"smithy.api#httpLabel":{},"smithy.api#required":{}}}"#;
        let e = refused(r#"{"method":"GET","uri":"/things/{Other}"}"#, label, "");
        assert!(e.contains("has the label `Other`, which is no @httpLabel member of the input"), "{e}");
        let e = refused(r#"{"method":"GET","uri":"/things"}"#, label, "");
        assert!(e.contains("a#In$Id") && e.contains("has no such label"), "{e}");
        let e = refused(
            r#"{"method":"GET","uri":"/things/{Id+}"}"#,
            r#""Id":{"target":"smithy.api#Integer","traits":{"smithy.api#httpLabel":{},"smithy.api#required":{}}}"#,
            "",
        );
        assert!(e.contains("the greedy label `Id` must be a string"), "{e}");
        let e = refused(
            r#"{"method":"POST","uri":"/x"}"#,
            r#""P":{"target":"smithy.api#Blob","traits":{"smithy.api#httpPayload":{}}},"B":{"target":"smithy.api#String"}"#,
            "",
        );
        assert!(e.contains("a#In$B") && e.contains("has an @httpPayload member"), "{e}");
        let e = refused(
            r#"{"method":"POST","uri":"/x"}"#,
            r#""A":{"target":"smithy.api#String","traits":{"smithy.api#httpHeader":"X-A"}},"B":{"target":"smithy.api#String","traits":{"smithy.api#httpHeader":"x-a"}}"#,
            "",
        );
        assert!(e.contains("the header `x-a` is bound twice"), "{e}");
        let e = refused(r#"{"method":"get","uri":"/x"}"#, "", "");
        assert!(e.contains("@http needs a method in capitals"), "{e}");
        let e = refused(r#"{"method":"GET","uri":"x"}"#, "", "");
        assert!(e.contains("@http uri: `x` does not start with `/`"), "{e}");
        let e = refused(
            r#"{"method":"POST","uri":"/x"}"#,
            r#""S":{"target":"a#Stream"}"#,
            r#","a#Stream":{"type":"blob","traits":{"smithy.api#streaming":{}}}"#,
        );
        assert!(e.contains("a streaming blob must be the @httpPayload"), "{e}");
    }
}
