//! The Catalog API's rules, for a seller's products and offers:
//!
//! - Entities: every configured product is a `SaaSProduct` entity of its
//!   seller (its code in lower case, with `prod-` in front unless it starts
//!   so, or the configuration's `entity_id`); `CreateOffer` changes add
//!   `Offer` entities. A change may name the entity an earlier change of
//!   its set creates as `$ChangeName.Entity.Identifier`.
//! - `StartChangeSet` checks the request whole before accepting it (one
//!   `ValidationException` naming every problem), refuses a change to an
//!   entity that does not exist or that another unfinished change set is
//!   changing, and is idempotent per client request token (the same token
//!   with another request is refused). The changes themselves are checked
//!   as the service does, after the call: a change set whose change cannot
//!   apply fails whole, each such change carrying its errors.
//! - A change set is `PREPARING` for the configured seconds, then
//!   `APPLYING`, then `SUCCEEDED` (its changes applied then, all together)
//!   or `FAILED`; with intent `VALIDATE` nothing is applied. The emulator's
//!   clock decides, when the change set is next looked at.
//! - `CancelChangeSet` stops a change set only while it is `PREPARING`.
//! - Lists come in pages of `MaxResults` (1 to 50, 20 when unset); a
//!   `NextToken` is bound to the listing it was given for.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::config::Config;
use crate::errors::{Code, ServiceError};
use crate::state::catalog::{Catalog, Change, ChangeSet, Entity, Status};
use crate::wire::catalog::{CatalogCall, StartChangeSet};

mod common;
mod lifecycle;
mod lists;

pub use common::CATALOG;
use common::{arn, check_catalog, not_found, rfc3339, validation};
pub use lifecycle::advance;
use lifecycle::referenced_change;
pub use lists::{list_change_sets, list_entities, MAX_RESULTS};

/// Answers one Catalog call of `caller` at `now`, after moving the catalog along to `now`.
pub fn call(config: &Config, catalog: &mut Catalog, caller: &str, call: CatalogCall, now: SystemTime) -> Result<Value, ServiceError> {
    sync_products(config, catalog, now);
    advance(catalog_timing(config), catalog, now);
    match call {
        CatalogCall::Start(req) => start_change_set(config, catalog, caller, req, now),
        CatalogCall::DescribeChangeSet(cat, id) => describe_change_set(config, catalog, caller, &cat, &id),
        CatalogCall::CancelChangeSet(cat, id) => cancel_change_set(config, catalog, caller, &cat, &id, now),
        CatalogCall::DescribeEntity(cat, id) => describe_entity(config, catalog, caller, &cat, &id),
        CatalogCall::ListEntities(req) => list_entities(config, catalog, caller, &req),
        CatalogCall::ListChangeSets(req) => list_change_sets(config, catalog, caller, &req),
    }
}

/// How long change sets prepare and apply.
fn catalog_timing(config: &Config) -> (Duration, Duration) {
    (Duration::from_secs(config.catalog.prepare_seconds), Duration::from_secs(config.catalog.apply_seconds))
}

/// Adds the configured products the catalog does not have yet, as their sellers' `SaaSProduct` entities.
pub fn sync_products(config: &Config, catalog: &mut Catalog, now: SystemTime) {
    for p in &config.products {
        let code = p.code.to_ascii_lowercase();
        let id = p.entity_id.clone().unwrap_or_else(|| if code.starts_with("prod-") { code } else { format!("prod-{code}") });
        catalog.entities.entry(id.clone()).or_insert_with(|| Entity {
            id,
            entity_type: "SaaSProduct".into(),
            owner: p.seller.clone(),
            name: p.title.clone().unwrap_or_else(|| p.code.clone()),
            visibility: "Public".into(),
            last_modified: now,
            details: json!({
                "ProductCode": p.code,
                "Description": { "ProductTitle": p.title.clone().unwrap_or_else(|| p.code.clone()) },
                "Dimensions": p.dimensions.iter().map(|d| json!({ "Key": d, "Types": ["Metered"] })).collect::<Vec<_>>(),
            }),
            revision: 1,
        });
    }
}

/// StartChangeSet.
pub fn start_change_set(
    config: &Config,
    catalog: &mut Catalog,
    caller: &str,
    req: StartChangeSet,
    now: SystemTime,
) -> Result<Value, ServiceError> {
    check_catalog(&req.catalog)?;
    let fingerprint = req.fingerprint();
    if let Some(token) = &req.client_request_token {
        if let Some(id) = catalog.tokens.get(&(caller.to_owned(), token.clone())) {
            let cs = &catalog.change_sets[id];
            if cs.fingerprint != fingerprint {
                return Err(validation(format!("ClientRequestToken {token} was used for another request")));
            }
            return Ok(json!({ "ChangeSetId": cs.id, "ChangeSetArn": arn(config, caller, "ChangeSet", &cs.id) }));
        }
    }
    for (i, change) in req.changes.iter().enumerate() {
        let Some(id) = &change.entity_id else { continue };
        if id.starts_with('$') {
            let earlier = referenced_change(id).is_some_and(|name| req.changes[..i].iter().any(|c| c.change_name.as_deref() == Some(name)));
            if !earlier {
                return Err(validation(format!(
                    "{id} does not name an earlier change of the change set (`$ChangeName.Entity.Identifier`)"
                )));
            }
            continue;
        }
        let entity = catalog.entities.get(id).filter(|e| e.owner == caller).ok_or_else(|| not_found("Entity", id))?;
        let busy = catalog
            .change_sets
            .values()
            .find(|cs| !cs.status.is_final() && cs.changes.iter().any(|c| c.entity_id.as_deref() == Some(entity.id.as_str())));
        if let Some(cs) = busy {
            return Err(ServiceError::new(
                Code::ResourceInUse,
                format!("entity {id} is being changed by change set {}, which has not finished", cs.id),
            ));
        }
    }
    let unfinished = catalog.change_sets.values().filter(|cs| cs.owner == caller && !cs.status.is_final()).count();
    if unfinished >= config.catalog.max_unfinished_change_sets {
        return Err(ServiceError::new(
            Code::ServiceQuotaExceeded,
            format!("{unfinished} change sets are not finished yet; at most {} may be", config.catalog.max_unfinished_change_sets),
        ));
    }
    let id = catalog.new_id("cs-");
    let changes = req
        .changes
        .into_iter()
        .map(|c| Change {
            change_type: c.change_type,
            entity_type: c.entity_type,
            entity_id: c.entity_id,
            details: c.details,
            name: c.change_name,
            errors: Vec::new(),
        })
        .collect();
    let cs = ChangeSet {
        id: id.clone(),
        owner: caller.to_owned(),
        name: req.change_set_name,
        intent: req.intent.unwrap_or_else(|| "APPLY".into()),
        changes,
        status: Status::Preparing,
        started: now,
        ended: None,
        failure: None,
        fingerprint,
    };
    if let Some(token) = req.client_request_token {
        catalog.tokens.insert((caller.to_owned(), token), id.clone());
    }
    catalog.change_sets.insert(id.clone(), cs);
    Ok(json!({ "ChangeSetId": id, "ChangeSetArn": arn(config, caller, "ChangeSet", &id) }))
}

fn own_change_set<'a>(catalog: &'a Catalog, caller: &str, id: &str) -> Result<&'a ChangeSet, ServiceError> {
    catalog.change_sets.get(id).filter(|cs| cs.owner == caller).ok_or_else(|| not_found("ChangeSet", id))
}

/// DescribeChangeSet.
pub fn describe_change_set(config: &Config, catalog: &Catalog, caller: &str, cat: &str, id: &str) -> Result<Value, ServiceError> {
    check_catalog(cat)?;
    let cs = own_change_set(catalog, caller, id)?;
    let changes: Vec<Value> = cs
        .changes
        .iter()
        .map(|c| {
            let mut entity = json!({ "Type": c.entity_type });
            if let Some(id) = &c.entity_id {
                entity["Identifier"] = json!(id);
            }
            let mut out = json!({
                "ChangeType": c.change_type,
                "Entity": entity,
                "Details": c.details.to_string(),
                "DetailsDocument": c.details,
                "ErrorDetailList": c.errors.iter().map(|(code, message)| json!({ "ErrorCode": code, "ErrorMessage": message })).collect::<Vec<_>>(),
            });
            if let Some(name) = &c.name {
                out["ChangeName"] = json!(name);
            }
            out
        })
        .collect();
    let mut out = json!({
        "ChangeSetId": cs.id,
        "ChangeSetArn": arn(config, &cs.owner, "ChangeSet", &cs.id),
        "Intent": cs.intent,
        "StartTime": rfc3339(cs.started),
        "Status": cs.status.as_str(),
        "ChangeSet": changes,
    });
    if let Some(name) = &cs.name {
        out["ChangeSetName"] = json!(name);
    }
    if let Some(end) = cs.ended {
        out["EndTime"] = json!(rfc3339(end));
    }
    if let Some((code, description)) = &cs.failure {
        out["FailureCode"] = json!(code);
        out["FailureDescription"] = json!(description);
    }
    Ok(out)
}

/// CancelChangeSet.
pub fn cancel_change_set(
    config: &Config,
    catalog: &mut Catalog,
    caller: &str,
    cat: &str,
    id: &str,
    now: SystemTime,
) -> Result<Value, ServiceError> {
    check_catalog(cat)?;
    let status = own_change_set(catalog, caller, id)?.status;
    if status != Status::Preparing {
        return Err(ServiceError::new(
            Code::ResourceInUse,
            format!("change set {id} is {}; only a PREPARING one can be cancelled", status.as_str()),
        ));
    }
    let cs = catalog.change_sets.get_mut(id).expect("found above");
    cs.status = Status::Cancelled;
    cs.ended = Some(now);
    Ok(json!({ "ChangeSetId": id, "ChangeSetArn": arn(config, caller, "ChangeSet", id) }))
}

/// DescribeEntity.
pub fn describe_entity(config: &Config, catalog: &Catalog, caller: &str, cat: &str, id: &str) -> Result<Value, ServiceError> {
    check_catalog(cat)?;
    let e = catalog.entities.get(id).filter(|e| e.owner == caller).ok_or_else(|| not_found("Entity", id))?;
    Ok(json!({
        "EntityType": format!("{}@1.0", e.entity_type),
        "EntityIdentifier": format!("{}@{}", e.id, e.revision),
        "EntityArn": arn(config, &e.owner, &e.entity_type, &e.id),
        "LastModifiedDate": rfc3339(e.last_modified),
        "Details": e.details.to_string(),
        "DetailsDocument": e.details,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::catalog::{ChangeIn, ListEntities};

    const SELLER: &str = "111122223333";

    fn start(catalog: &mut Catalog, config: &Config, changes: Vec<ChangeIn>, now: SystemTime) -> Result<String, ServiceError> {
        let req = StartChangeSet { catalog: CATALOG.into(), changes, change_set_name: None, client_request_token: None, intent: None };
        start_change_set(config, catalog, SELLER, req, now).map(|v| v["ChangeSetId"].as_str().unwrap().to_owned())
    }

    fn change(change_type: &str, name: Option<&str>, id: Option<&str>, details: Value) -> ChangeIn {
        ChangeIn {
            change_type: change_type.into(),
            entity_type: "Offer@1.0".into(),
            entity_id: id.map(str::to_owned),
            details,
            change_name: name.map(str::to_owned),
        }
    }

    #[test]
    fn change_sets_move_with_the_clock_and_apply_all_or_nothing() {
        let config = Config::demo();
        let mut catalog = Catalog::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        sync_products(&config, &mut catalog, t0);
        let offer = "$Create.Entity.Identifier";
        let good = vec![
            change("CreateOffer", Some("Create"), None, json!({ "ProductId": "prod-saas-1" })),
            change("UpdateInformation", None, Some(offer), json!({ "Name": "Mine" })),
        ];
        let id = start(&mut catalog, &config, good, t0).unwrap();
        let timing = catalog_timing(&config);
        for (after, status) in [(0, Status::Preparing), (2, Status::Applying), (4, Status::Applying), (5, Status::Succeeded)] {
            advance(timing, &mut catalog, t0 + Duration::from_secs(after));
            assert_eq!(catalog.change_sets[&id].status, status, "after {after} s");
        }
        let offer_id = catalog.change_sets[&id].changes[1].entity_id.clone().unwrap();
        assert_eq!(catalog.entities[&offer_id].name, "Mine");

        // One change that cannot apply fails the set, and nothing of it is kept.
        let before = catalog.entities.len();
        let bad = vec![
            change("CreateOffer", Some("Create"), None, json!({ "ProductId": "prod-saas-1" })),
            change("RenameEverything", None, Some(offer), json!({})),
        ];
        let id = start(&mut catalog, &config, bad, t0).unwrap();
        advance(timing, &mut catalog, t0 + Duration::from_secs(60));
        let cs = &catalog.change_sets[&id];
        assert_eq!(cs.status, Status::Failed);
        assert_eq!(cs.changes[1].errors[0].0, "INVALID_INPUT");
        assert_eq!(catalog.entities.len(), before);
    }

    #[test]
    fn references_and_page_tokens_are_checked() {
        let config = Config::demo();
        let mut catalog = Catalog::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        sync_products(&config, &mut catalog, now);
        let e = start(&mut catalog, &config, vec![change("UpdateInformation", None, Some("$Later.Entity.Identifier"), json!({}))], now)
            .unwrap_err();
        assert!(e.message.contains("does not name an earlier change"), "{e}");
        let e = start(&mut catalog, &config, vec![change("UpdateInformation", None, Some("offer-none"), json!({}))], now).unwrap_err();
        assert_eq!(e.code, Code::ResourceNotFound);

        let list = |token: Option<String>, entity_type: &str| ListEntities {
            catalog: CATALOG.into(),
            entity_type: entity_type.into(),
            filters: Vec::new(),
            max_results: Some(1),
            next_token: token,
        };
        let first = list_entities(&config, &catalog, SELLER, &list(None, "SaaSProduct")).unwrap();
        let token = first["NextToken"].as_str().unwrap().to_owned();
        assert!(list_entities(&config, &catalog, SELLER, &list(Some(token.clone()), "SaaSProduct")).is_ok());
        let e = list_entities(&config, &catalog, SELLER, &list(Some(token), "Offer")).unwrap_err();
        assert!(e.message.contains("not a token of this listing"), "{e}");
        let mut wide = list(None, "SaaSProduct");
        wide.max_results = Some(51);
        assert_eq!(list_entities(&config, &catalog, SELLER, &wide).unwrap_err().code, Code::Validation);
    }
}
