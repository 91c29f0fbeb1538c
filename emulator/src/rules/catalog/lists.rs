//! ListEntities and ListChangeSets: filtered, in pages of `MaxResults`
//! (1 to 50, 20 when unset), each `NextToken` bound to the listing it was
//! given for.

use serde_json::{json, Value};

use super::common::{arn, check_catalog, rfc3339, validation};
use crate::config::Config;
use crate::errors::ServiceError;
use crate::state::catalog::{Catalog, ChangeSet, Entity};
use crate::wire::catalog::{ListChangeSets, ListEntities};

/// The most entries a list page holds.
pub const MAX_RESULTS: i64 = 50;
const DEFAULT_RESULTS: i64 = 20;

/// The page size `max_results` asks for.
fn page_size(max_results: Option<i64>) -> Result<usize, ServiceError> {
    let n = max_results.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&n) {
        return Err(validation(format!("MaxResults must be between 1 and {MAX_RESULTS}, not {n}")));
    }
    Ok(n as usize)
}

/// Where a page starts: 0, or the offset in a token made for the same listing (`fingerprint`).
fn start_of(token: Option<&str>, fingerprint: &str) -> Result<usize, ServiceError> {
    match token {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("cat1.")
            .and_then(|rest| rest.split_once('.'))
            .filter(|(_, f)| *f == fingerprint)
            .and_then(|(offset, _)| offset.parse().ok())
            .ok_or_else(|| validation("NextToken is not a token of this listing")),
    }
}

/// The values a filter of `filters` named `name` allows, if it is there.
fn allowed<'a>(filters: &'a [(String, Vec<String>)], name: &str) -> Option<&'a [String]> {
    filters.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
}

/// ListEntities.
pub fn list_entities(config: &Config, catalog: &Catalog, caller: &str, req: &ListEntities) -> Result<Value, ServiceError> {
    check_catalog(&req.catalog)?;
    for (name, _) in &req.filters {
        if !["EntityId", "Name", "ProductId", "Visibility"].contains(&name.as_str()) {
            return Err(validation(format!("the filter {name} is not one ListEntities knows (EntityId, Name, ProductId, Visibility)")));
        }
    }
    let size = page_size(req.max_results)?;
    let start = start_of(req.next_token.as_deref(), &req.fingerprint())?;
    let matching: Vec<&Entity> = catalog
        .entities
        .values()
        .filter(|e| e.owner == caller && e.entity_type == req.entity_type)
        .filter(|e| allowed(&req.filters, "EntityId").is_none_or(|v| v.contains(&e.id)))
        .filter(|e| allowed(&req.filters, "Name").is_none_or(|v| v.contains(&e.name)))
        .filter(|e| allowed(&req.filters, "Visibility").is_none_or(|v| v.contains(&e.visibility)))
        .filter(|e| {
            allowed(&req.filters, "ProductId")
                .is_none_or(|v| e.details.get("ProductId").and_then(Value::as_str).is_some_and(|p| v.iter().any(|x| x == p)))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|e| {
            json!({
                "Name": e.name,
                "EntityType": e.entity_type,
                "EntityId": e.id,
                "EntityArn": arn(config, &e.owner, &e.entity_type, &e.id),
                "LastModifiedDate": rfc3339(e.last_modified),
                "Visibility": e.visibility,
            })
        })
        .collect();
    let mut out = json!({ "EntitySummaryList": page });
    if start + size < matching.len() {
        out["NextToken"] = json!(format!("cat1.{}.{}", start + size, req.fingerprint()));
    }
    Ok(out)
}

/// ListChangeSets: newest first.
pub fn list_change_sets(config: &Config, catalog: &Catalog, caller: &str, req: &ListChangeSets) -> Result<Value, ServiceError> {
    check_catalog(&req.catalog)?;
    for (name, _) in &req.filters {
        if !["ChangeSetName", "Status", "EntityId"].contains(&name.as_str()) {
            return Err(validation(format!("the filter {name} is not one ListChangeSets knows (ChangeSetName, Status, EntityId)")));
        }
    }
    let size = page_size(req.max_results)?;
    let start = start_of(req.next_token.as_deref(), &req.fingerprint())?;
    let mut matching: Vec<&ChangeSet> = catalog
        .change_sets
        .values()
        .filter(|cs| cs.owner == caller)
        .filter(|cs| allowed(&req.filters, "ChangeSetName").is_none_or(|v| cs.name.as_ref().is_some_and(|n| v.contains(n))))
        .filter(|cs| allowed(&req.filters, "Status").is_none_or(|v| v.iter().any(|s| s == cs.status.as_str())))
        .filter(|cs| {
            allowed(&req.filters, "EntityId")
                .is_none_or(|v| cs.changes.iter().any(|c| c.entity_id.as_ref().is_some_and(|id| v.contains(id))))
        })
        .collect();
    matching.sort_by(|a, b| b.started.cmp(&a.started).then(a.id.cmp(&b.id)));
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|cs| {
            let mut item = json!({
                "ChangeSetId": cs.id,
                "ChangeSetArn": arn(config, &cs.owner, "ChangeSet", &cs.id),
                "StartTime": rfc3339(cs.started),
                "Status": cs.status.as_str(),
                "EntityIdList": cs.changes.iter().filter_map(|c| c.entity_id.clone()).collect::<Vec<_>>(),
            });
            if let Some(name) = &cs.name {
                item["ChangeSetName"] = json!(name);
            }
            if let Some(end) = cs.ended {
                item["EndTime"] = json!(rfc3339(end));
            }
            if let Some((code, _)) = &cs.failure {
                item["FailureCode"] = json!(code);
            }
            item
        })
        .collect();
    let mut out = json!({ "ChangeSetSummaryList": page });
    if start + size < matching.len() {
        out["NextToken"] = json!(format!("cat1.{}.{}", start + size, req.fingerprint()));
    }
    Ok(out)
}
