//! Lowers an operation's endpoint context parameters: the traits that feed
//! values into the service's endpoint rules (`@staticContextParams` on the
//! operation, `@contextParam` on input members, `@operationContextParams`
//! paths into the input). Each names a parameter of the rule set; a
//! parameter the rule set does not declare is a model error, as is a path
//! outside the JMESPath subset the trait allows.

use serde_json::Value;

use crate::ast::{Shape as AstShape, Traits};
use crate::error::Error;
use crate::ir::{ContextParam, ContextSource, InputPath, PathStep};
use crate::normalise::Shapes;
use crate::shape_id::UNIT;

const STATIC: &str = "smithy.rules#staticContextParams";
const CONTEXT: &str = "smithy.rules#contextParam";
const OPERATION: &str = "smithy.rules#operationContextParams";

/// The context parameters of operation `id` (its traits `op`, its input
/// structure `input`), highest precedence first, checked against the rule
/// set's parameters (`rules`, when the service has a rule set).
pub fn lower(id: &str, op: &Traits, input: Option<&str>, shapes: &Shapes, rules: Option<&Value>) -> Result<Vec<ContextParam>, Error> {
    let mut out = Vec::new();
    let declared = |name: &str, what: &str| -> Result<(), Error> {
        match rules.and_then(|r| r.get("parameters")) {
            Some(params) if params.get(name).is_none() => {
                Err(Error::model(id, format!("{what} sets endpoint parameter {name}, which the service's rule set does not declare")))
            }
            _ => Ok(()),
        }
    };
    if let Some(statics) = op.get(STATIC) {
        let statics = statics.as_object().ok_or_else(|| Error::model(id, "@staticContextParams must be an object"))?;
        for (name, v) in statics {
            let value = v.get("value").ok_or_else(|| Error::model(id, format!("@staticContextParams {name} has no value")))?;
            let ok = value.is_boolean() || value.is_string() || value.as_array().is_some_and(|a| a.iter().all(Value::is_string));
            if !ok {
                return Err(Error::model(
                    id,
                    format!("@staticContextParams {name}: a value must be a boolean, a string or a list of strings"),
                ));
            }
            declared(name, "@staticContextParams")?;
            out.push(ContextParam { name: name.clone(), source: ContextSource::Static(value.clone()) });
        }
    }
    if let Some(AstShape::Structure(s)) = input.filter(|t| *t != UNIT).and_then(|t| shapes.get(t)) {
        for (member, m) in &s.members {
            let Some(t) = m.traits.get(CONTEXT) else { continue };
            let name = t
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::model(format!("{id}${member}"), "@contextParam needs a name"))?;
            declared(name, "@contextParam")?;
            let path = InputPath { keys: false, steps: vec![PathStep { member: member.clone(), each: false }] };
            out.push(ContextParam { name: name.to_owned(), source: ContextSource::Input(path) });
        }
    }
    if let Some(paths) = op.get(OPERATION) {
        let paths = paths.as_object().ok_or_else(|| Error::model(id, "@operationContextParams must be an object"))?;
        for (name, v) in paths {
            let path = v
                .get("path")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::model(id, format!("@operationContextParams {name} needs a path")))?;
            let parsed =
                parse_path(path).map_err(|why| Error::model(id, format!("@operationContextParams {name}: path {path:?} {why}")))?;
            declared(name, "@operationContextParams")?;
            out.push(ContextParam { name: name.clone(), source: ContextSource::Input(parsed) });
        }
    }
    Ok(out)
}

/// Parses the JMESPath subset of `@operationContextParams`: sub-expressions
/// (`A.B`), list wildcard projections (`A[*].B`) and `keys(...)`.
pub fn parse_path(path: &str) -> Result<InputPath, String> {
    let (keys, inner) = match path.strip_prefix("keys(") {
        Some(rest) => (true, rest.strip_suffix(')').ok_or("has `keys(` without its `)`")?),
        None => (false, path),
    };
    let mut steps = Vec::new();
    for part in inner.split('.') {
        let (member, each) = match part.strip_suffix("[*]") {
            Some(m) => (m, true),
            None => (part, false),
        };
        let identifier =
            !member.is_empty() && member.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && !member.as_bytes()[0].is_ascii_digit();
        if !identifier {
            return Err(format!("has `{part}`, which is not a member name (optionally followed by `[*]`)"));
        }
        steps.push(PathStep { member: member.to_owned(), each });
    }
    Ok(InputPath { keys, steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_subset_parse() {
        let p = parse_path("TransactItems[*].Get.TableName").unwrap();
        assert!(!p.keys);
        assert_eq!(
            p.steps.iter().map(|s| (s.member.as_str(), s.each)).collect::<Vec<_>>(),
            [("TransactItems", true), ("Get", false), ("TableName", false)]
        );
        let k = parse_path("keys(RequestItems)").unwrap();
        assert!(k.keys && k.steps.len() == 1);
        for bad in ["", "A..B", "A[0]", "keys(A", "A|B", "length(A)"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }
}
