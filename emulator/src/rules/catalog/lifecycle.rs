//! How a change set moves along: `PREPARING`, `APPLYING`, then its
//! changes applied all together (`SUCCEEDED`) or none of them (`FAILED`,
//! each change that could not apply carrying its errors), as the
//! emulator's clock passes the configured seconds.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::state::catalog::{Catalog, Change, Entity, Status};

/// The change types the emulator applies, by entity type.
pub(super) const CHANGE_TYPES: [(&str, &[&str]); 2] = [
    (
        "Offer",
        &[
            "CreateOffer",
            "UpdateInformation",
            "UpdatePricingTerms",
            "UpdateLegalTerms",
            "UpdateSupportTerms",
            "UpdateValidityTerms",
            "UpdatePaymentScheduleTerms",
            "UpdateRenewalTerms",
            "UpdateTargeting",
            "UpdateAvailability",
            "ReleaseOffer",
        ],
    ),
    ("SaaSProduct", &["UpdateInformation", "AddDimensions", "UpdateDimensions", "RestrictDimensions", "UpdateTargeting", "ReleaseProduct"]),
];

/// Moves every unfinished change set along to where it is at `now` (given
/// how long one `(prepares, applies)`), applying those that succeed.
pub fn advance((prepare, apply): (Duration, Duration), catalog: &mut Catalog, now: SystemTime) {
    let due: Vec<String> = catalog.change_sets.values().filter(|cs| !cs.status.is_final()).map(|cs| cs.id.clone()).collect();
    for id in due {
        let cs = &catalog.change_sets[&id];
        let elapsed = now.duration_since(cs.started).unwrap_or_default();
        if elapsed < prepare {
            continue;
        }
        if elapsed < prepare + apply {
            catalog.change_sets.get_mut(&id).expect("listed").status = Status::Applying;
            continue;
        }
        let end = cs.started + prepare + apply;
        finish(catalog, &id, end);
    }
}

/// Applies change set `id` at `end`, or fails it whole when any change cannot apply.
fn finish(catalog: &mut Catalog, id: &str, end: SystemTime) {
    let mut cs = catalog.change_sets.remove(id).expect("a change set being finished");
    let mut scratch: Vec<Entity> = Vec::new();
    let mut failed = false;
    for i in 0..cs.changes.len() {
        // `$Name.Entity.Identifier` names the entity an earlier change of the set created.
        let reference = cs.changes[i].entity_id.as_deref().and_then(referenced_change).map(str::to_owned);
        if let Some(name) = reference {
            let created = cs.changes[..i].iter().find(|c| c.name.as_deref() == Some(&name)).and_then(|c| c.entity_id.clone());
            cs.changes[i].entity_id = created;
        }
        let change = &mut cs.changes[i];
        match apply(catalog, &cs.owner, change, end, &mut scratch) {
            Ok(()) => {}
            Err(e) => {
                change.errors.push(e);
                failed = true;
            }
        }
    }
    cs.ended = Some(end);
    if failed {
        cs.status = Status::Failed;
        cs.failure = Some(("CLIENT_ERROR".into(), "One or more changes could not be applied; see each change's errors.".into()));
        // Ids given to entities a failed set would have created are not kept.
        for c in &mut cs.changes {
            if c.change_type == "CreateOffer" {
                c.entity_id = None;
            }
        }
    } else {
        cs.status = Status::Succeeded;
        if cs.intent == "APPLY" {
            for e in scratch {
                catalog.entities.insert(e.id.clone(), e);
            }
        }
    }
    catalog.change_sets.insert(cs.id.clone(), cs);
}

/// One change applied to a copy of its entity in `scratch` (so that a
/// later change of the set sees it, and a failure leaves the catalog as it was).
fn apply(
    catalog: &mut Catalog,
    owner: &str,
    change: &mut Change,
    now: SystemTime,
    scratch: &mut Vec<Entity>,
) -> Result<(), (String, String)> {
    let bare_type = change.entity_type.split('@').next().unwrap_or_default().to_owned();
    let known = CHANGE_TYPES.iter().find(|(t, _)| *t == bare_type).map(|(_, types)| *types).unwrap_or_default();
    if !known.contains(&change.change_type.as_str()) {
        return Err(("INVALID_INPUT".into(), format!("{} is not a change type of {bare_type} entities", change.change_type)));
    }
    if change.change_type == "CreateOffer" {
        let product = change.details.get("ProductId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let owns = catalog.entities.get(&product).or_else(|| scratch.iter().find(|e| e.id == product)).is_some_and(|p| p.owner == owner);
        if !owns {
            return Err(("INVALID_PRODUCT_ID".into(), format!("ProductId {product:?} is not a product of the seller")));
        }
        let id = catalog.new_id("offer-");
        change.entity_id = Some(id.clone());
        scratch.push(Entity {
            id,
            entity_type: "Offer".into(),
            owner: owner.to_owned(),
            name: change.details.get("Name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            visibility: "Draft".into(),
            last_modified: now,
            details: json!({ "ProductId": product, "State": "Draft" }),
            revision: 1,
        });
        return Ok(());
    }
    let id = change.entity_id.clone().unwrap_or_default();
    let index = match scratch.iter().position(|e| e.id == id) {
        Some(i) => i,
        None => match catalog.entities.get(&id) {
            Some(e) => {
                scratch.push(e.clone());
                scratch.len() - 1
            }
            None => return Err(("ENTITY_NOT_FOUND".into(), format!("entity {id} does not exist"))),
        },
    };
    let entity = &mut scratch[index];
    if entity.entity_type != bare_type {
        return Err(("INVALID_INPUT".into(), format!("entity {id} is a {}, not a {bare_type}", entity.entity_type)));
    }
    match change.change_type.as_str() {
        "UpdateInformation" => {
            if let Some(name) = change.details.get("Name").and_then(Value::as_str) {
                entity.name = name.to_owned();
            }
            entity.details["Information"] = change.details.clone();
        }
        "ReleaseOffer" | "ReleaseProduct" => {
            entity.visibility = if entity.entity_type == "Offer" { "Limited".into() } else { "Public".into() };
            entity.details["State"] = json!("Released");
        }
        // `UpdatePricingTerms` keeps its details as the entity's `PricingTerms`, and so on.
        other => entity.details[other.trim_start_matches("Update").trim_start_matches("Add")] = change.details.clone(),
    }
    entity.last_modified = now;
    entity.revision += 1;
    Ok(())
}

/// The change name in a reference to the entity an earlier change of the
/// same set created (`$CreateOfferChange.Entity.Identifier`).
pub(super) fn referenced_change(identifier: &str) -> Option<&str> {
    identifier.strip_prefix('$')?.strip_suffix(".Entity.Identifier")
}
