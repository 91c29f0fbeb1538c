//! Reading request members out of the JSON body: a member of the wrong JSON
//! type is a `SerializationException`, as AWS JSON services answer; a
//! member that breaks a model constraint is collected into the one
//! `ValidationException` of the request.

use serde_json::{Map, Value};

use crate::decimal::Quantity;
use crate::errors::{Code, ServiceError, Violations};

/// A JSON object's members, read by name.
#[derive(Debug, Clone, Copy)]
pub struct Members<'a>(pub &'a Map<String, Value>);

fn wrong_type(name: &str, expected: &str) -> ServiceError {
    ServiceError::new(Code::Serialization, format!("Unexpected value type for {name}: expected {expected}"))
}

impl<'a> Members<'a> {
    /// The body as an object.
    pub fn of(body: &'a Value) -> Result<Self, ServiceError> {
        body.as_object().map(Members).ok_or_else(|| ServiceError::new(Code::Serialization, "the request body is not a JSON object"))
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A string member.
    pub fn string(&self, name: &str) -> Result<Option<&'a str>, ServiceError> {
        self.get(name).map(|v| v.as_str().ok_or_else(|| wrong_type(name, "a string"))).transpose()
    }

    /// A boolean member.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ServiceError> {
        self.get(name).map(|v| v.as_bool().ok_or_else(|| wrong_type(name, "a boolean"))).transpose()
    }

    /// An integer member.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, ServiceError> {
        self.get(name).map(|v| v.as_i64().ok_or_else(|| wrong_type(name, "an integer"))).transpose()
    }

    /// A timestamp member in epoch seconds, possibly fractional.
    pub fn timestamp(&self, name: &str) -> Result<Option<f64>, ServiceError> {
        self.get(name).map(|v| v.as_f64().filter(|f| f.is_finite()).ok_or_else(|| wrong_type(name, "epoch seconds"))).transpose()
    }

    /// A list member.
    pub fn list(&self, name: &str) -> Result<Option<&'a Vec<Value>>, ServiceError> {
        self.get(name).map(|v| v.as_array().ok_or_else(|| wrong_type(name, "a list"))).transpose()
    }

    /// A structure member, by name.
    pub fn members_of(&self, name: &str) -> Result<Option<Members<'a>>, ServiceError> {
        self.get(name).map(|v| Members::object(v, name)).transpose()
    }

    /// A member of any JSON type (a document).
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.get(name)
    }

    /// A structure member, or each element of a list of structures.
    pub fn object(value: &'a Value, name: &str) -> Result<Members<'a>, ServiceError> {
        value.as_object().map(Members).ok_or_else(|| wrong_type(name, "a structure"))
    }
}

/// Checks a string's length (in characters) against the model's bounds.
pub fn check_length(v: &mut Violations, value: &str, path: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min {
        v.add(value, path, &format!("Member must have length greater than or equal to {min}"));
    } else if n > max {
        v.add(value, path, &format!("Member must have length less than or equal to {max}"));
    }
}

/// The quantity of a record: the integer or the decimal member, never both; neither is zero.
pub fn quantity(v: &mut Violations, integer: Option<i64>, decimal: Option<&str>, names: (&str, &str)) -> Option<Quantity> {
    match (integer, decimal) {
        (Some(_), Some(_)) => {
            v.add("both", names.0, &format!("Member must not be set together with {}", names.1));
            None
        }
        (Some(n), None) => match u32::try_from(n).ok().filter(|n| *n <= i32::MAX as u32) {
            Some(n) => Some(Quantity::whole(n)),
            None => {
                let bound = if n < 0 { "greater than or equal to 0" } else { "less than or equal to 2147483647" };
                v.add(n, names.0, &format!("Member must have value {bound}"));
                None
            }
        },
        (None, Some(text)) => {
            check_length(v, text, names.1, 1, 17);
            let parsed = Quantity::parse(text);
            if parsed.is_none() {
                v.add(text, names.1, "Member must satisfy regular expression pattern: ^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,6})?$");
            }
            parsed
        }
        (None, None) => Some(Quantity::ZERO),
    }
}

/// True when `s` matches the tag pattern `^[a-zA-Z0-9+ -=._:\/@]+$`
/// (the ` -=` is a range: space to `=`).
pub fn valid_tag_text(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || (' '..='=').contains(&c) || "._:/@".contains(c))
}

/// A record's usage allocations, read and checked on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocations {
    /// Each allocation's quantity and its tags (key, value), sorted.
    pub items: Vec<(Quantity, Vec<(String, String)>)>,
    /// Their quantities added up.
    pub sum: Quantity,
}

/// Reads the usage allocations of a record: 1 to 2500 of them, each with one
/// quantity and 1 to 5 valid tags, tag sets unique. Whether they add up to
/// the record's quantity is [`check_allocations`]'s.
pub fn allocations(list: &[Value], path: &str) -> Result<Allocations, ServiceError> {
    let mut v = Violations::default();
    if list.is_empty() || list.len() > 2500 {
        v.add(list.len(), path, "Member must have length between 1 and 2500");
    }
    v.finish()?;
    let mut sum = Quantity::ZERO;
    let mut items = Vec::with_capacity(list.len());
    let mut seen = std::collections::BTreeSet::new();
    for (i, item) in list.iter().enumerate() {
        let m = Members::object(item, path)?;
        let mut v = Violations::default();
        let q = quantity(
            &mut v,
            m.integer("AllocatedUsageQuantity")?,
            m.string("AllocatedUsageQuantityAsDecimal")?,
            ("allocatedUsageQuantity", "allocatedUsageQuantityAsDecimal"),
        );
        v.finish().map_err(|e| ServiceError::new(Code::InvalidUsageAllocations, e.message))?;
        let q = q.unwrap_or_default();
        sum = sum.checked_add(q).ok_or_else(|| ServiceError::new(Code::InvalidUsageAllocations, "the allocated quantities overflow"))?;
        let tags = m.list("Tags")?.map(Vec::as_slice).unwrap_or_default();
        if tags.is_empty() || tags.len() > 5 {
            return Err(ServiceError::new(Code::InvalidTag, format!("allocation {i} must have 1 to 5 tags, not {}", tags.len())));
        }
        let mut set = Vec::new();
        for tag in tags {
            let t = Members::object(tag, "Tags")?;
            let (key, value) = (t.string("Key")?.unwrap_or(""), t.string("Value")?.unwrap_or(""));
            if key.chars().count() > 100 || value.chars().count() > 256 || !valid_tag_text(key) || !valid_tag_text(value) {
                return Err(ServiceError::new(Code::InvalidTag, format!("tag `{key}` = `{value}` of allocation {i} is not a valid tag")));
            }
            set.push((key.to_owned(), value.to_owned()));
        }
        set.sort();
        if !seen.insert(set.clone()) {
            return Err(ServiceError::new(
                Code::InvalidUsageAllocations,
                format!("allocation {i} repeats the tag set of an earlier allocation"),
            ));
        }
        items.push((q, set));
    }
    Ok(Allocations { items, sum })
}

/// Checks that the allocations add up to the record's quantity.
pub fn check_allocations(allocations: &Allocations, total: Quantity) -> Result<(), ServiceError> {
    if allocations.sum != total {
        return Err(ServiceError::new(
            Code::InvalidUsageAllocations,
            format!("the allocations add up to {}, not to the usage quantity {total}", allocations.sum),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_are_serialization_errors() {
        let body = json!({"ProductCode": 5, "DryRun": "yes"});
        let m = Members::of(&body).unwrap();
        assert_eq!(m.string("ProductCode").unwrap_err().code, Code::Serialization);
        assert_eq!(m.boolean("DryRun").unwrap_err().code, Code::Serialization);
        assert_eq!(m.string("Missing").unwrap(), None);
        assert_eq!(Members::of(&json!([1])).unwrap_err().code, Code::Serialization);
    }

    #[test]
    fn allocations_must_add_up_and_be_distinct() {
        let tags = |k: &str| json!([{"Key": k, "Value": "v"}]);
        let ok = json!([{"AllocatedUsageQuantity": 2, "Tags": tags("a")}, {"AllocatedUsageQuantityAsDecimal": "1.5", "Tags": tags("b")}]);
        let read = allocations(ok.as_array().unwrap(), "usageAllocations").unwrap();
        assert!(check_allocations(&read, Quantity::parse("3.5").unwrap()).is_ok());
        let short = check_allocations(&read, Quantity::whole(4)).unwrap_err();
        assert_eq!(short.code, Code::InvalidUsageAllocations);
        let twice = json!([{"AllocatedUsageQuantity": 1, "Tags": tags("a")}, {"AllocatedUsageQuantity": 1, "Tags": tags("a")}]);
        assert_eq!(allocations(twice.as_array().unwrap(), "u").unwrap_err().code, Code::InvalidUsageAllocations);
        let bad_tag = json!([{"AllocatedUsageQuantity": 1, "Tags": [{"Key": "ü", "Value": "v"}]}]);
        assert_eq!(allocations(bad_tag.as_array().unwrap(), "u").unwrap_err().code, Code::InvalidTag);
        assert!(valid_tag_text("team = a/b@c.d") && !valid_tag_text("a|b"));
    }
}
