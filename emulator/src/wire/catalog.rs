//! The Catalog API's wire, restJson1: each operation is a method and a path
//! (`POST /StartChangeSet`, `GET /DescribeChangeSet?catalog=…&changeSetId=…`),
//! members in the query or a JSON body, answers JSON, errors an HTTP status
//! with `X-Amzn-ErrorType` and `{"message": …}`. Requests are decoded here
//! into the types the rules take (`rules/catalog.rs`); every broken
//! constraint of the model is named in one `ValidationException`.

use serde_json::Value;

use crate::errors::{Code, ServiceError, Violations};
use crate::input::{check_length, Members};
use crate::sigv4::Incoming;

/// The Catalog operations the emulator answers, by method and path.
const ROUTES: [(&str, &str, &str); 6] = [
    ("POST", "/StartChangeSet", "StartChangeSet"),
    ("GET", "/DescribeChangeSet", "DescribeChangeSet"),
    ("PATCH", "/CancelChangeSet", "CancelChangeSet"),
    ("GET", "/DescribeEntity", "DescribeEntity"),
    ("POST", "/ListEntities", "ListEntities"),
    ("POST", "/ListChangeSets", "ListChangeSets"),
];

/// The Catalog operation `req` calls, if it is one.
pub fn operation_of(req: &Incoming<'_>) -> Option<&'static str> {
    ROUTES.iter().find(|(m, p, _)| *m == req.method && *p == req.path).map(|(_, _, op)| *op)
}

/// One change of a StartChangeSet request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeIn {
    /// `ChangeType`.
    pub change_type: String,
    /// `Entity.Type`.
    pub entity_type: String,
    /// `Entity.Identifier`.
    pub entity_id: Option<String>,
    /// `Details` parsed, or `DetailsDocument`.
    pub details: Value,
    /// `ChangeName`.
    pub change_name: Option<String>,
}

/// StartChangeSet's request.
#[derive(Debug, Clone, PartialEq)]
pub struct StartChangeSet {
    /// `Catalog`.
    pub catalog: String,
    /// `ChangeSet`.
    pub changes: Vec<ChangeIn>,
    /// `ChangeSetName`.
    pub change_set_name: Option<String>,
    /// `ClientRequestToken`.
    pub client_request_token: Option<String>,
    /// `Intent`.
    pub intent: Option<String>,
}

impl StartChangeSet {
    /// What the request asks for, for a reused token to be compared with.
    pub fn fingerprint(&self) -> String {
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| format!("{}|{}|{:?}|{}|{:?}", c.change_type, c.entity_type, c.entity_id, c.details, c.change_name))
            .collect();
        format!("{}|{}|{:?}|{:?}", self.catalog, changes.join(";"), self.change_set_name, self.intent)
    }
}

/// ListEntities' request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListEntities {
    /// `Catalog`.
    pub catalog: String,
    /// `EntityType`.
    pub entity_type: String,
    /// `FilterList`: names and their values.
    pub filters: Vec<(String, Vec<String>)>,
    /// `MaxResults`.
    pub max_results: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

impl ListEntities {
    /// What the listing is, for a page token to be bound to.
    pub fn fingerprint(&self) -> String {
        short_hash(&format!("{}|{}|{:?}", self.catalog, self.entity_type, self.filters))
    }
}

/// ListChangeSets' request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListChangeSets {
    /// `Catalog`.
    pub catalog: String,
    /// `FilterList`.
    pub filters: Vec<(String, Vec<String>)>,
    /// `MaxResults`.
    pub max_results: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

impl ListChangeSets {
    /// What the listing is, for a page token to be bound to.
    pub fn fingerprint(&self) -> String {
        short_hash(&format!("{}|{:?}", self.catalog, self.filters))
    }
}

fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// A Catalog request, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogCall {
    /// StartChangeSet.
    Start(StartChangeSet),
    /// DescribeChangeSet: catalog and change set id.
    DescribeChangeSet(String, String),
    /// CancelChangeSet: catalog and change set id.
    CancelChangeSet(String, String),
    /// DescribeEntity: catalog and entity id.
    DescribeEntity(String, String),
    /// ListEntities.
    ListEntities(ListEntities),
    /// ListChangeSets.
    ListChangeSets(ListChangeSets),
}

/// The query parameter `name` of `query`, percent-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| super::form::form_decode(v))
}

/// The two required query members of the Describe and Cancel operations.
fn catalog_and_id(req: &Incoming<'_>, id_name: &str) -> Result<(String, String), ServiceError> {
    let mut v = Violations::default();
    let catalog = query_param(req.query, "catalog");
    let id = query_param(req.query, id_name);
    if catalog.is_none() {
        v.missing("catalog");
    }
    match &id {
        None => v.missing(id_name),
        Some(id) => check_length(&mut v, id, id_name, 1, 255),
    }
    v.finish()?;
    Ok((catalog.unwrap_or_default(), id.unwrap_or_default()))
}

fn body_of(req: &Incoming<'_>) -> Result<Value, ServiceError> {
    if req.body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(req.body).map_err(|e| ServiceError::new(Code::Serialization, format!("the body is not JSON: {e}")))
}

/// `FilterList`: each filter's `Name` and `ValueList`.
fn filters(m: &Members<'_>, v: &mut Violations) -> Result<Vec<(String, Vec<String>)>, ServiceError> {
    let mut out = Vec::new();
    for (i, f) in m.list("FilterList")?.into_iter().flatten().enumerate() {
        let f = Members::of(f)?;
        let name = f.string("Name")?;
        if name.is_none() {
            v.missing(&format!("filterList.{}.member.name", i + 1));
        }
        let values = f.list("ValueList")?.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
        out.push((name.unwrap_or_default().to_owned(), values));
    }
    Ok(out)
}

/// Decodes the request of `operation`.
pub fn decode(operation: &str, req: &Incoming<'_>) -> Result<CatalogCall, ServiceError> {
    match operation {
        "DescribeChangeSet" => catalog_and_id(req, "changeSetId").map(|(c, id)| CatalogCall::DescribeChangeSet(c, id)),
        "CancelChangeSet" => catalog_and_id(req, "changeSetId").map(|(c, id)| CatalogCall::CancelChangeSet(c, id)),
        "DescribeEntity" => catalog_and_id(req, "entityId").map(|(c, id)| CatalogCall::DescribeEntity(c, id)),
        "ListEntities" => {
            let body = body_of(req)?;
            let m = Members::of(&body)?;
            let mut v = Violations::default();
            let catalog = m.string("Catalog")?;
            let entity_type = m.string("EntityType")?;
            if catalog.is_none() {
                v.missing("catalog");
            }
            if entity_type.is_none() {
                v.missing("entityType");
            }
            let filters = filters(&m, &mut v)?;
            v.finish()?;
            Ok(CatalogCall::ListEntities(ListEntities {
                catalog: catalog.unwrap_or_default().to_owned(),
                entity_type: entity_type.unwrap_or_default().to_owned(),
                filters,
                max_results: m.integer("MaxResults")?,
                next_token: m.string("NextToken")?.map(str::to_owned),
            }))
        }
        "ListChangeSets" => {
            let body = body_of(req)?;
            let m = Members::of(&body)?;
            let mut v = Violations::default();
            let catalog = m.string("Catalog")?;
            if catalog.is_none() {
                v.missing("catalog");
            }
            let filters = filters(&m, &mut v)?;
            v.finish()?;
            Ok(CatalogCall::ListChangeSets(ListChangeSets {
                catalog: catalog.unwrap_or_default().to_owned(),
                filters,
                max_results: m.integer("MaxResults")?,
                next_token: m.string("NextToken")?.map(str::to_owned),
            }))
        }
        _ => start_change_set(&body_of(req)?).map(CatalogCall::Start),
    }
}

/// StartChangeSet's body: 1 to 20 changes, each with a change type, an
/// entity type, and its details as a JSON object in exactly one of
/// `Details` (text) and `DetailsDocument`.
fn start_change_set(body: &Value) -> Result<StartChangeSet, ServiceError> {
    let m = Members::of(body)?;
    let mut v = Violations::default();
    let catalog = m.string("Catalog")?;
    if catalog.is_none() {
        v.missing("catalog");
    }
    let list = m.list("ChangeSet")?;
    match list {
        None => v.missing("changeSet"),
        Some(l) if l.is_empty() || l.len() > 20 => {
            v.add(l.len(), "changeSet", "Member must have length between 1 and 20");
        }
        Some(_) => {}
    }
    let mut changes = Vec::new();
    for (i, c) in list.into_iter().flatten().enumerate() {
        let at = |member: &str| format!("changeSet.{}.member.{member}", i + 1);
        let c = Members::of(c)?;
        let change_type = c.string("ChangeType")?;
        match change_type {
            None => v.missing(&at("changeType")),
            Some(t) => check_length(&mut v, t, &at("changeType"), 1, 255),
        }
        let entity = match c.members_of("Entity")? {
            Some(e) => Some((e.string("Type")?, e.string("Identifier")?)),
            None => {
                v.missing(&at("entity"));
                None
            }
        };
        let (entity_type, entity_id) = entity.unwrap_or((None, None));
        if entity_type.is_none() && c.members_of("Entity")?.is_some() {
            v.missing(&at("entity.type"));
        }
        let details = match (c.string("Details")?, c.value("DetailsDocument")) {
            (Some(_), Some(_)) => {
                v.add("both", &at("details"), "Member must be set in only one of Details and DetailsDocument");
                Value::Null
            }
            (Some(text), None) => match serde_json::from_str::<Value>(text) {
                Ok(d @ Value::Object(_)) => d,
                _ => {
                    v.add(text, &at("details"), "Member must be a JSON object");
                    Value::Null
                }
            },
            (None, Some(d @ Value::Object(_))) => d.clone(),
            (None, Some(other)) => {
                v.add(other, &at("detailsDocument"), "Member must be a JSON object");
                Value::Null
            }
            (None, None) => {
                v.missing(&at("details"));
                Value::Null
            }
        };
        changes.push(ChangeIn {
            change_type: change_type.unwrap_or_default().to_owned(),
            entity_type: entity_type.unwrap_or_default().to_owned(),
            entity_id: entity_id.map(str::to_owned),
            details,
            change_name: c.string("ChangeName")?.map(str::to_owned),
        });
    }
    let token = m.string("ClientRequestToken")?;
    if let Some(t) = token {
        check_length(&mut v, t, "clientRequestToken", 1, 36);
    }
    let intent = m.string("Intent")?;
    if let Some(i) = intent.filter(|i| !["APPLY", "VALIDATE"].contains(i)) {
        v.add(i, "intent", "Member must satisfy enum value set: [APPLY, VALIDATE]");
    }
    v.finish()?;
    Ok(StartChangeSet {
        catalog: catalog.unwrap_or_default().to_owned(),
        changes,
        change_set_name: m.string("ChangeSetName")?.map(str::to_owned),
        client_request_token: token.map(str::to_owned),
        intent: intent.map(str::to_owned),
    })
}
