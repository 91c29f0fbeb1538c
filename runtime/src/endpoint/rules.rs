//! An interpreter of Smithy endpoint rule sets (`smithy.rules#endpointRuleSet`).
//!
//! A generated crate embeds its model's rule set as JSON text; [`Ruleset`]
//! parses it once and evaluates it for each call. The standard library of
//! rules functions is implemented here: `isSet`, `not`, `booleanEquals`,
//! `stringEquals`, `getAttr`, `ite`, `coalesce`, `split`, `substring`,
//! `uriEncode`, `isValidHostLabel`, `parseURL`, `aws.partition`,
//! `aws.parseArn` and `aws.isVirtualHostableS3Bucket`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::partitions::resolved_partition;
use super::{Endpoint, EndpointError, EndpointParams};
use crate::json::{self, Value};

/// A value during rule evaluation, a parameter's value, or an endpoint property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleValue {
    /// Unset (a function returned nothing, a parameter was not given).
    None,
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An array.
    Array(Vec<RuleValue>),
    /// A record (partition, URL, ARN).
    Object(BTreeMap<String, RuleValue>),
}

impl RuleValue {
    fn as_str(&self) -> Option<&str> {
        match self {
            RuleValue::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            RuleValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn is_set(&self) -> bool {
        !matches!(self, RuleValue::None)
    }

    /// A string array (a `stringArray` parameter's value).
    pub fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> RuleValue {
        RuleValue::Array(items.into_iter().map(|s| RuleValue::Str(s.into())).collect())
    }

    /// The value of a JSON literal: an endpoint test's parameter or expected property.
    pub fn from_json(v: &Value) -> RuleValue {
        match v {
            Value::Null => RuleValue::None,
            Value::Bool(b) => RuleValue::Bool(*b),
            Value::String(s) => RuleValue::Str(s.clone()),
            Value::Number(n) => n.parse().map_or(RuleValue::None, RuleValue::Int),
            Value::Array(items) => RuleValue::Array(items.iter().map(RuleValue::from_json).collect()),
            Value::Object(entries) => RuleValue::Object(entries.iter().map(|(k, v)| (k.clone(), RuleValue::from_json(v))).collect()),
        }
    }
}

/// A parsed rule set.
#[derive(Debug)]
pub struct Ruleset {
    parameters: Vec<(String, Value)>,
    rules: Vec<Value>,
}

fn err(message: impl Into<String>) -> EndpointError {
    EndpointError(message.into())
}

impl Ruleset {
    /// Parses the JSON of a rule set.
    pub fn parse(text: &str) -> Result<Ruleset, EndpointError> {
        let value = json::parse(text.as_bytes()).map_err(|e| err(format!("the endpoint rule set is not valid JSON: {e}")))?;
        let parameters = match value.get("parameters") {
            Some(Value::Object(p)) => p.clone(),
            _ => return Err(err("the endpoint rule set has no parameters object")),
        };
        let rules = match value.get("rules") {
            Some(Value::Array(r)) => r.clone(),
            _ => return Err(err("the endpoint rule set has no rules array")),
        };
        Ok(Ruleset { parameters, rules })
    }

    /// Resolves the endpoint for `params`.
    pub fn resolve(&self, params: &EndpointParams) -> Result<Endpoint, EndpointError> {
        let mut scope = bind_parameters(&self.parameters, params)?;
        match evaluate_rules(&self.rules, &mut scope)? {
            Some(endpoint) => Ok(endpoint),
            None => Err(err("no endpoint rule matched the parameters")),
        }
    }
}

/// The scope rules start from: each declared parameter with its value (a
/// built-in from the configuration, else by name), else its default;
/// an error when a required one has neither.
pub(super) fn bind_parameters(parameters: &[(String, Value)], params: &EndpointParams) -> Result<Vec<(String, RuleValue)>, EndpointError> {
    let mut scope: Vec<(String, RuleValue)> = Vec::with_capacity(parameters.len() + 4);
    for (name, spec) in parameters {
        let builtin = spec.get("builtIn").and_then(Value::as_str);
        let mut value = match builtin {
            Some("AWS::Region") => params.region.clone().map_or(RuleValue::None, RuleValue::Str),
            Some("AWS::UseFIPS") => RuleValue::Bool(params.use_fips),
            Some("AWS::UseDualStack") => RuleValue::Bool(params.use_dual_stack),
            Some("SDK::Endpoint") => params.endpoint.clone().map_or(RuleValue::None, RuleValue::Str),
            // Context parameters, and built-ins the configuration does not carry, by name.
            _ => params.get(name).cloned().unwrap_or(RuleValue::None),
        };
        if !value.is_set() {
            value = spec.get("default").map_or(RuleValue::None, RuleValue::from_json);
        }
        let required = matches!(spec.get("required"), Some(Value::Bool(true)));
        if required && !value.is_set() {
            return Err(err(format!("endpoint parameter {name} is required but not set")));
        }
        scope.push((name.clone(), value));
    }
    Ok(scope)
}

/// A parsed rule set or diagram, as the cache keeps it.
type Parsed = dyn std::any::Any + Send + Sync;

/// Parses `text` once per process (per generated crate: the key is the
/// address of its `'static` text) and keeps it for the program's life.
pub(super) fn parsed_once<T: Send + Sync + 'static>(
    text: &'static str,
    parse: fn(&str) -> Result<T, EndpointError>,
) -> Result<&'static T, EndpointError> {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(usize, &'static Parsed)>>> = OnceLock::new();
    let key = text.as_ptr() as usize;
    let cache = CACHE.get_or_init(Default::default);
    let found = cache.lock().ok().and_then(|c| c.iter().find(|(k, _)| *k == key).map(|(_, r)| *r));
    if let Some(parsed) = found.and_then(|r| r.downcast_ref::<T>()) {
        return Ok(parsed);
    }
    // One leaked value per generated crate: it lives as long as the program anyway.
    let parsed: &'static T = Box::leak(Box::new(parse(text)?));
    if let Ok(mut c) = cache.lock() {
        c.push((key, parsed));
    }
    Ok(parsed)
}

/// Parses `rules` (once per process for the same text) and resolves `params`.
pub fn resolve(rules: &'static str, params: &EndpointParams) -> Result<Endpoint, EndpointError> {
    parsed_once(rules, Ruleset::parse)?.resolve(params)
}

fn evaluate_rules(rules: &[Value], scope: &mut Vec<(String, RuleValue)>) -> Result<Option<Endpoint>, EndpointError> {
    for rule in rules {
        let depth = scope.len();
        let matched = conditions_hold(rule, scope)?;
        let result = if matched { evaluate_rule(rule, scope)? } else { None };
        scope.truncate(depth);
        if matched {
            match result {
                Some(e) => return Ok(Some(e)),
                // A tree whose conditions held but none of whose rules matched is a dead end.
                None => return Err(err("no endpoint rule matched the parameters")),
            }
        }
    }
    Ok(None)
}

fn conditions_hold(rule: &Value, scope: &mut Vec<(String, RuleValue)>) -> Result<bool, EndpointError> {
    let Some(Value::Array(conditions)) = rule.get("conditions") else { return Ok(true) };
    for condition in conditions {
        if !condition_holds(condition, scope)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Evaluates one condition: true when its function answers `true` or a set
/// value, which is then bound to its `assign` name, if any.
pub(super) fn condition_holds(condition: &Value, scope: &mut Vec<(String, RuleValue)>) -> Result<bool, EndpointError> {
    let value = call(condition, scope)?;
    let holds = match &value {
        RuleValue::Bool(b) => *b,
        other => other.is_set(),
    };
    if holds {
        if let Some(name) = condition.get("assign").and_then(Value::as_str) {
            scope.push((name.to_owned(), value));
        }
    }
    Ok(holds)
}

/// An endpoint, error or tree rule whose conditions held.
pub(super) fn evaluate_rule(rule: &Value, scope: &mut Vec<(String, RuleValue)>) -> Result<Option<Endpoint>, EndpointError> {
    match rule.get("type").and_then(Value::as_str) {
        Some("endpoint") => {
            let endpoint = rule.get("endpoint").ok_or_else(|| err("endpoint rule without endpoint"))?;
            let url = eval(endpoint.get("url").ok_or_else(|| err("endpoint without url"))?, scope)?;
            let url = url.as_str().ok_or_else(|| err("endpoint url is not a string"))?.to_owned();
            let mut properties = BTreeMap::new();
            if let Some(Value::Object(entries)) = endpoint.get("properties") {
                for (k, v) in entries {
                    properties.insert(k.clone(), literal(v, scope)?);
                }
            }
            let mut headers = Vec::new();
            if let Some(Value::Object(entries)) = endpoint.get("headers") {
                for (k, v) in entries {
                    let RuleValue::Array(values) = literal(v, scope)? else {
                        return Err(err(format!("endpoint header {k} is not a list")));
                    };
                    let values = values.into_iter().map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| err(format!("endpoint header {k} has a value that is not a string")))
                    });
                    headers.push((k.clone(), values.collect::<Result<_, _>>()?));
                }
            }
            Ok(Some(Endpoint { url, properties, headers }))
        }
        Some("error") => {
            let message = eval(rule.get("error").ok_or_else(|| err("error rule without message"))?, scope)?;
            Err(err(message.as_str().unwrap_or("endpoint rules returned an error").to_owned()))
        }
        Some("tree") => {
            let Some(Value::Array(rules)) = rule.get("rules") else { return Err(err("tree rule without rules")) };
            evaluate_rules(rules, scope)
        }
        other => Err(err(format!("unknown rule type {other:?}"))),
    }
}

/// A property or header value: a record is a literal object whose fields are
/// evaluated, anything else an expression.
fn literal(v: &Value, scope: &[(String, RuleValue)]) -> Result<RuleValue, EndpointError> {
    match v {
        Value::Object(entries) if v.get("ref").is_none() && v.get("fn").is_none() => {
            Ok(RuleValue::Object(entries.iter().map(|(k, v)| Ok((k.clone(), literal(v, scope)?))).collect::<Result<_, EndpointError>>()?))
        }
        Value::Array(items) => Ok(RuleValue::Array(items.iter().map(|i| literal(i, scope)).collect::<Result<_, _>>()?)),
        other => eval(other, scope),
    }
}

fn lookup(scope: &[(String, RuleValue)], name: &str) -> RuleValue {
    scope.iter().rev().find(|(n, _)| n == name).map_or(RuleValue::None, |(_, v)| v.clone())
}

fn eval(expr: &Value, scope: &[(String, RuleValue)]) -> Result<RuleValue, EndpointError> {
    match expr {
        Value::String(template) => Ok(RuleValue::Str(render_template(template, scope)?)),
        Value::Bool(b) => Ok(RuleValue::Bool(*b)),
        Value::Number(n) => n.parse().map(RuleValue::Int).map_err(|_| err(format!("unsupported number {n}"))),
        Value::Array(items) => Ok(RuleValue::Array(items.iter().map(|i| eval(i, scope)).collect::<Result<_, _>>()?)),
        Value::Object(_) => {
            if let Some(name) = expr.get("ref").and_then(Value::as_str) {
                Ok(lookup(scope, name))
            } else if expr.get("fn").is_some() {
                call(expr, scope)
            } else {
                Err(err("an object expression must be a ref or a function call"))
            }
        }
        Value::Null => Ok(RuleValue::None),
    }
}

fn render_template(template: &str, scope: &[(String, RuleValue)]) -> Result<String, EndpointError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let (c, tail) = (rest.as_bytes()[i], &rest[i + 1..]);
        if tail.as_bytes().first() == Some(&c) {
            // `{{` and `}}` are literal braces.
            out.push(c as char);
            rest = &tail[1..];
            continue;
        }
        if c == b'}' {
            return Err(err(format!("unbalanced '}}' in template {template:?}")));
        }
        let end = tail.find('}').ok_or_else(|| err(format!("unclosed '{{' in template {template:?}")))?;
        let reference = &tail[..end];
        let value = match reference.split_once('#') {
            Some((name, path)) => get_attr(&lookup(scope, name), path)?,
            None => lookup(scope, reference),
        };
        match value {
            RuleValue::Str(s) => out.push_str(&s),
            RuleValue::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            RuleValue::Int(n) => out.push_str(&n.to_string()),
            other => return Err(err(format!("template {template:?} refers to {reference}, which is {other:?}"))),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn get_attr(value: &RuleValue, path: &str) -> Result<RuleValue, EndpointError> {
    let mut current = value.clone();
    for part in path.split('.') {
        let (name, index) = match part.find('[') {
            Some(i) => {
                let idx = part[i + 1..].strip_suffix(']').and_then(|n| n.parse::<usize>().ok());
                (&part[..i], Some(idx.ok_or_else(|| err(format!("bad index in path {path}")))?))
            }
            None => (part, None),
        };
        if !name.is_empty() {
            current = match &current {
                RuleValue::Object(map) => map.get(name).cloned().unwrap_or(RuleValue::None),
                _ => RuleValue::None,
            };
        }
        if let Some(i) = index {
            current = match &current {
                RuleValue::Array(items) => items.get(i).cloned().unwrap_or(RuleValue::None),
                _ => RuleValue::None,
            };
        }
    }
    Ok(current)
}

fn call(expr: &Value, scope: &[(String, RuleValue)]) -> Result<RuleValue, EndpointError> {
    let name = expr.get("fn").and_then(Value::as_str).ok_or_else(|| err("condition without fn"))?;
    let argv = match expr.get("argv") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    let args: Vec<RuleValue> = argv.iter().map(|a| eval(a, scope)).collect::<Result<_, _>>()?;
    let arg = |i: usize| args.get(i).cloned().unwrap_or(RuleValue::None);
    let str_arg = |i: usize| args.get(i).and_then(RuleValue::as_str).map(str::to_owned);
    Ok(match name {
        "isSet" => RuleValue::Bool(arg(0).is_set()),
        "not" => RuleValue::Bool(!arg(0).as_bool().ok_or_else(|| err("not() needs a boolean"))?),
        "booleanEquals" => RuleValue::Bool(arg(0).as_bool().is_some() && arg(0) == arg(1)),
        "stringEquals" => RuleValue::Bool(arg(0).as_str().is_some() && arg(0) == arg(1)),
        "getAttr" => {
            let path = str_arg(1).ok_or_else(|| err("getAttr needs a path"))?;
            get_attr(&arg(0), &path)?
        }
        "ite" => {
            if arg(0).as_bool().ok_or_else(|| err("ite needs a boolean condition"))? {
                arg(1)
            } else {
                arg(2)
            }
        }
        "coalesce" => args.iter().find(|a| a.is_set()).cloned().unwrap_or(RuleValue::None),
        "split" => match (str_arg(0), str_arg(1), arg(2)) {
            (Some(s), Some(d), RuleValue::Int(limit)) if !d.is_empty() => {
                let parts: Vec<RuleValue> = if limit > 0 {
                    s.splitn(limit as usize, d.as_str()).map(|p| RuleValue::Str(p.to_owned())).collect()
                } else {
                    s.split(d.as_str()).map(|p| RuleValue::Str(p.to_owned())).collect()
                };
                RuleValue::Array(parts)
            }
            _ => return Err(err("split needs a string, a non-empty delimiter and a limit")),
        },
        "substring" => match (str_arg(0), arg(1), arg(2), arg(3)) {
            (Some(s), RuleValue::Int(start), RuleValue::Int(stop), RuleValue::Bool(reverse)) => substring(&s, start, stop, reverse),
            (None, ..) => RuleValue::None,
            _ => return Err(err("substring needs (string, int, int, bool)")),
        },
        "uriEncode" => str_arg(0).map_or(RuleValue::None, |s| RuleValue::Str(crate::encoding::uri_encode(&s))),
        "isValidHostLabel" => {
            let sub = arg(1).as_bool().unwrap_or(false);
            RuleValue::Bool(str_arg(0).is_some_and(|s| is_valid_host_label(&s, sub)))
        }
        "parseURL" => str_arg(0).map_or(RuleValue::None, |s| parse_url(&s)),
        "aws.partition" => match str_arg(0) {
            Some(region) => {
                let p = resolved_partition(&region);
                let mut m = BTreeMap::new();
                m.insert("name".to_owned(), RuleValue::Str(p.name.to_owned()));
                m.insert("dnsSuffix".to_owned(), RuleValue::Str(p.dns_suffix.to_owned()));
                m.insert("dualStackDnsSuffix".to_owned(), RuleValue::Str(p.dual_stack_dns_suffix.to_owned()));
                m.insert("supportsFIPS".to_owned(), RuleValue::Bool(p.supports_fips));
                m.insert("supportsDualStack".to_owned(), RuleValue::Bool(p.supports_dual_stack));
                m.insert("implicitGlobalRegion".to_owned(), RuleValue::Str(p.implicit_global_region.to_owned()));
                RuleValue::Object(m)
            }
            None => RuleValue::None,
        },
        "aws.parseArn" => str_arg(0).map_or(RuleValue::None, |s| parse_arn(&s)),
        "aws.isVirtualHostableS3Bucket" => {
            let sub = arg(1).as_bool().unwrap_or(false);
            RuleValue::Bool(str_arg(0).is_some_and(|s| is_virtual_hostable_s3_bucket(&s, sub)))
        }
        other => return Err(err(format!("unknown endpoint rules function {other}"))),
    })
}

fn substring(s: &str, start: i64, stop: i64, reverse: bool) -> RuleValue {
    if !s.is_ascii() || start < 0 || start >= stop || stop as usize > s.len() {
        return RuleValue::None;
    }
    let (start, stop) = (start as usize, stop as usize);
    let (a, b) = if reverse { (s.len() - stop, s.len() - start) } else { (start, stop) };
    RuleValue::Str(s[a..b].to_owned())
}

/// A DNS label (or dotted labels when `allow_sub_domains`): 1 to 63
/// letters, digits and hyphens, not starting with a hyphen.
pub fn is_valid_host_label(s: &str, allow_sub_domains: bool) -> bool {
    let label_ok =
        |l: &str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if allow_sub_domains {
        s.split('.').all(label_ok)
    } else {
        label_ok(s)
    }
}

fn is_virtual_hostable_s3_bucket(s: &str, allow_sub_domains: bool) -> bool {
    let label_ok = |l: &str| {
        (3..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && l.as_bytes()[0].is_ascii_alphanumeric()
            && l.as_bytes()[l.len() - 1].is_ascii_alphanumeric()
    };
    let looks_like_ip = s.split('.').count() == 4 && s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if looks_like_ip {
        return false;
    }
    if allow_sub_domains {
        s.split('.').all(label_ok)
    } else {
        label_ok(s)
    }
}

fn parse_url(s: &str) -> RuleValue {
    let Some((scheme, rest)) = s.split_once("://") else { return RuleValue::None };
    if scheme != "http" && scheme != "https" || rest.contains('?') {
        return RuleValue::None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return RuleValue::None;
    }
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_owned()
    };
    let is_ip = host.starts_with('[') || (host.split('.').count() == 4 && host.split('.').all(|p| p.parse::<u8>().is_ok()));
    let normalized = if path.ends_with('/') { path.to_owned() } else { format!("{path}/") };
    let mut m = BTreeMap::new();
    m.insert("scheme".to_owned(), RuleValue::Str(scheme.to_owned()));
    m.insert("authority".to_owned(), RuleValue::Str(authority.to_owned()));
    m.insert("path".to_owned(), RuleValue::Str(path.to_owned()));
    m.insert("normalizedPath".to_owned(), RuleValue::Str(normalized));
    m.insert("isIp".to_owned(), RuleValue::Bool(is_ip));
    RuleValue::Object(m)
}

fn parse_arn(s: &str) -> RuleValue {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[1].is_empty() || parts[2].is_empty() || parts[5].is_empty() {
        return RuleValue::None;
    }
    let resource: Vec<RuleValue> = parts[5].split([':', '/']).map(|p| RuleValue::Str(p.to_owned())).collect();
    let mut m = BTreeMap::new();
    m.insert("partition".to_owned(), RuleValue::Str(parts[1].to_owned()));
    m.insert("service".to_owned(), RuleValue::Str(parts[2].to_owned()));
    m.insert("region".to_owned(), RuleValue::Str(parts[3].to_owned()));
    m.insert("accountId".to_owned(), RuleValue::Str(parts[4].to_owned()));
    m.insert("resourceId".to_owned(), RuleValue::Array(resource));
    RuleValue::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"{"version":"1.0","parameters":{
        "Region":{"builtIn":"AWS::Region","required":false,"type":"string"},
        "UseFIPS":{"builtIn":"AWS::UseFIPS","required":true,"default":false,"type":"boolean"},
        "Endpoint":{"builtIn":"SDK::Endpoint","required":false,"type":"string"}},
      "rules":[
        {"conditions":[{"fn":"isSet","argv":[{"ref":"Endpoint"}]}],"endpoint":{"url":{"ref":"Endpoint"}},"type":"endpoint"},
        {"conditions":[{"fn":"isSet","argv":[{"ref":"Region"}]},{"fn":"aws.partition","argv":[{"ref":"Region"}],"assign":"P"}],
         "rules":[
           {"conditions":[{"fn":"booleanEquals","argv":[{"ref":"UseFIPS"},true]}],"endpoint":{"url":"https://svc-fips.{Region}.{P#dnsSuffix}"},"type":"endpoint"},
           {"conditions":[],"endpoint":{"url":"https://svc.{Region}.{P#dnsSuffix}"},"type":"endpoint"}],"type":"tree"},
        {"conditions":[],"error":"Invalid Configuration: Missing Region","type":"error"}]}"#;

    fn resolve_with(region: Option<&str>, fips: bool, endpoint: Option<&str>) -> Result<String, String> {
        let params = EndpointParams {
            region: region.map(str::to_owned),
            use_fips: fips,
            use_dual_stack: false,
            endpoint: endpoint.map(str::to_owned),
            extra: Vec::new(),
        };
        Ruleset::parse(RULES).unwrap().resolve(&params).map(|e| e.url).map_err(|e| e.0)
    }

    #[test]
    fn evaluates_trees_templates_and_errors() {
        assert_eq!(resolve_with(Some("us-west-2"), false, None).unwrap(), "https://svc.us-west-2.amazonaws.com");
        assert_eq!(resolve_with(Some("cn-north-1"), true, None).unwrap(), "https://svc-fips.cn-north-1.amazonaws.com.cn");
        assert_eq!(resolve_with(None, false, Some("http://127.0.0.1:9")).unwrap(), "http://127.0.0.1:9");
        assert_eq!(resolve_with(None, false, None).unwrap_err(), "Invalid Configuration: Missing Region");
    }

    #[test]
    fn library_functions() {
        assert_eq!(substring("abcdef", 0, 3, false), RuleValue::Str("abc".into()));
        assert_eq!(substring("abcdef", 0, 3, true), RuleValue::Str("def".into()));
        assert_eq!(substring("abc", 1, 5, false), RuleValue::None);
        assert!(is_valid_host_label("us-east-1", false));
        assert!(!is_valid_host_label("a.b", false) || !is_valid_host_label("-a", false));
        assert!(is_valid_host_label("a.b", true));
        assert!(is_virtual_hostable_s3_bucket("my-bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("My_Bucket", false));
        let url = parse_url("https://example.com:8443/path");
        assert_eq!(get_attr(&url, "authority").unwrap(), RuleValue::Str("example.com:8443".into()));
        assert_eq!(get_attr(&url, "normalizedPath").unwrap(), RuleValue::Str("/path/".into()));
        assert_eq!(parse_url("ftp://x"), RuleValue::None);
        let arn = parse_arn("arn:aws:s3:us-east-1:123456789012:bucket/key");
        assert_eq!(get_attr(&arn, "resourceId[1]").unwrap(), RuleValue::Str("key".into()));
        assert_eq!(parse_arn("not-an-arn"), RuleValue::None);
        assert_eq!(render_template("{{literal}}", &[]).unwrap(), "{literal}");
    }
}
