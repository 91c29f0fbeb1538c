//! How one call's records are written to PostgreSQL: a few set-based
//! statements whatever the call's size, each SaaS buyer's records placed
//! into the hour the customer directory says is theirs, and a record for a
//! sealed hour moved to the next one that is not.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tokio_postgres::Transaction;

use super::postgres_directory as directory;
use super::{customer_columns, customer_from_columns, EventContent, Recorded};
use crate::buyers::Buyer;
use crate::policy::{hour_of, HOUR_MS};
use crate::quantity::Quantity;
use crate::usage::{Customer, Usage};

/// An hour's key, as the tables keep it: product, customer kind, customer, licence, dimension and hour.
type Key = (String, &'static str, String, String, String, i64);

fn key_of(product: &str, customer: &Customer, dimension: &str, hour: i64) -> Key {
    let (kind, customer, license) = directory::columns(customer);
    (product.to_owned(), kind, customer, license, dimension.to_owned(), hour)
}

/// Every name the buyer of `key` is known by, the key's own first.
fn names_of(snapshot: &directory::Snapshot, key: &Key) -> Vec<Customer> {
    let own = customer_from_columns(key.1, key.2.clone(), key.3.clone()).unwrap_or(Customer::Caller);
    let (_, mut names) = snapshot.names(&key.0, &own);
    names.retain(|n| *n != own);
    names.insert(0, own);
    names
}

fn product_of(u: &Usage) -> &str {
    u.product_code.as_deref().unwrap_or("")
}

/// Adds the records `members` (with `quantity` in all) to the group of `key`; refuses them when the sum would overflow.
fn add_to(
    groups: &mut BTreeMap<Key, (Quantity, Vec<usize>)>,
    key: Key,
    quantity: Quantity,
    members: &[usize],
    out: &mut [Option<Recorded>],
) {
    let group = groups.entry(key).or_insert((Quantity::ZERO, Vec::new()));
    match group.0.checked_add(quantity) {
        Some(sum) => {
            group.0 = sum;
            group.1.extend_from_slice(members);
        }
        None => {
            for &i in members {
                out[i] = Some(Recorded::Refused(format!("the hour's total would pass {}, the most one record can carry", Quantity::MAX)));
            }
        }
    }
}

/// Moves each SaaS group to the hour its buyer already has in its slot
/// (under any of its names), or refuses it when it would open an hour under
/// a name that might be a buyer already there; the slots stay locked until
/// the transaction ends.
async fn place_in_slots(
    tx: &Transaction<'_>,
    snapshot: &mut directory::Snapshot,
    groups: &mut BTreeMap<Key, (Quantity, Vec<usize>)>,
    naming: &HashMap<Key, (Option<Buyer>, Vec<Customer>)>,
    out: &mut [Option<Recorded>],
) -> Result<(), tokio_postgres::Error> {
    // A group whose hour already exists under its own name adds to it; only the others need placing (and their slots read).
    let saas: Vec<&Key> = groups.keys().filter(|k| k.1 != "caller").collect();
    let column = |f: fn(&Key) -> &str| saas.iter().map(|k| f(k)).collect::<Vec<&str>>();
    let hours: Vec<i64> = saas.iter().map(|k| k.5).collect();
    let present: BTreeSet<Key> = tx
        .query(
            "SELECT h.product_code, h.customer_kind, h.customer, h.license_arn, h.dimension, h.hour FROM meter_hours h
             JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(p, k, c, l, d, hr)
               ON h.product_code = u.p AND h.customer_kind = u.k AND h.customer = u.c AND h.license_arn = u.l AND h.dimension = u.d AND h.hour = u.hr",
            &[&column(|k| &k.0), &column(|k| k.1), &column(|k| &k.2), &column(|k| &k.3), &column(|k| &k.4), &hours],
        )
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.get(1);
            (r.get(0), if kind == "identifier" { "identifier" } else { "account" }, r.get(2), r.get(3), r.get(4), r.get(5))
        })
        .collect();
    let mut slots: BTreeMap<directory::Slot, bool> = BTreeMap::new();
    for k in saas.iter().filter(|k| !present.contains(**k)) {
        *slots.entry((k.0.clone(), k.4.clone(), k.5)).or_default() |= k.1 != "identifier";
    }
    if slots.is_empty() {
        return Ok(());
    }
    let mut existing = directory::lock_and_read(tx, &slots).await?;
    let there: Vec<(&str, &Customer)> = existing.iter().flat_map(|(slot, names)| names.iter().map(|c| (slot.0.as_str(), c))).collect();
    snapshot.extend(tx, &there).await?;
    let mut placed = BTreeMap::new();
    for (key, (quantity, members)) in std::mem::take(groups) {
        let Some((buyer, names)) = naming.get(&key).filter(|_| key.1 != "caller" && !present.contains(&key)) else {
            add_to(&mut placed, key, quantity, &members, out);
            continue;
        };
        let slot = (key.0.clone(), key.4.clone(), key.5);
        let there = existing.entry(slot.clone()).or_default();
        match directory::place(&slot, names, buyer.as_ref(), there, snapshot) {
            Ok(name) => {
                there.add(name.clone());
                add_to(&mut placed, key_of(&slot.0, &name, &slot.1, slot.2), quantity, &members, out);
            }
            Err(reason) => {
                for &i in &members {
                    out[i] = Some(Recorded::Refused(reason.clone()));
                }
            }
        }
    }
    *groups = placed;
    Ok(())
}

/// Records a call's usage in a few set-based statements, whatever its size:
/// the event ids already stored and the customer directory's entries are
/// read at once; the rest are summed per hour in memory (a SaaS record under
/// the name its buyer is sent as), placed into their slots' hours
/// (`postgres_directory.rs`), and added with one upsert (in key order, so
/// concurrent producers lock hours in one order); the records are inserted
/// with one statement. A producer that raced another with the same event id
/// fails that last insert on the unique index, which rolls the transaction
/// back and runs it again, when the id is seen as stored.
pub(super) async fn record_batch(tx: &Transaction<'_>, usage: &[Usage]) -> Result<Vec<Recorded>, tokio_postgres::Error> {
    let mut out: Vec<Option<Recorded>> = vec![None; usage.len()];
    let named: Vec<(&str, &Customer)> = usage.iter().map(|u| (product_of(u), &u.customer)).collect();
    let mut snapshot = directory::Snapshot::load(tx, &named).await?;
    let ids: Vec<&str> = usage.iter().filter_map(|u| u.event_id.as_deref()).collect();
    // What each event id already stored (or met earlier in this call) said.
    let mut seen: HashMap<String, EventContent> = HashMap::new();
    if !ids.is_empty() {
        let rows = tx
            .query(
                "SELECT r.event_id, h.product_code, h.customer_kind, h.customer, h.license_arn, h.dimension, r.time_ms, r.quantity
                 FROM meter_records r JOIN meter_hours h ON h.id = r.hour_id WHERE r.event_id = ANY($1)",
                &[&ids],
            )
            .await?;
        for row in rows {
            let kind: String = row.get(2);
            seen.insert(row.get(0), EventContent::stored(row.get(1), &kind, row.get(3), row.get(4), row.get(5), row.get(6), row.get(7)));
        }
    }
    // Sum the new records per hour, each buyer under the name it is sent as, in key order.
    let mut groups: BTreeMap<Key, (Quantity, Vec<usize>)> = BTreeMap::new();
    let mut naming: HashMap<Key, (Option<Buyer>, Vec<Customer>)> = HashMap::new();
    for (i, u) in usage.iter().enumerate() {
        let Some(time_ms) = u.time_ms() else {
            out[i] = Some(Recorded::Refused("the time is before 1970".into()));
            continue;
        };
        let (buyer, names) = snapshot.names(product_of(u), &u.customer);
        if let Some(id) = &u.event_id {
            let content = EventContent::of(u);
            if let Some(before) = seen.get(id) {
                out[i] = Some(content.repeat_of(id, before, &names));
                continue;
            }
            seen.insert(id.clone(), content);
        }
        let key = key_of(product_of(u), &names[0], &u.dimension, hour_of(time_ms));
        if !groups.contains_key(&key) {
            naming.insert(key.clone(), (buyer, names));
        }
        add_to(&mut groups, key, u.quantity, &[i], &mut out);
    }
    place_in_slots(tx, &mut snapshot, &mut groups, &naming, &mut out).await?;
    let keys: Vec<&Key> = groups.keys().collect();
    let column = |f: fn(&Key) -> &str| keys.iter().map(|k| f(k)).collect::<Vec<&str>>();
    let (products, kinds, customers, licences, dimensions) =
        (column(|k| &k.0), column(|k| k.1), column(|k| &k.2), column(|k| &k.3), column(|k| &k.4));
    let hours: Vec<i64> = keys.iter().map(|k| k.5).collect();
    let totals: Vec<i64> = groups.values().map(|g| g.0.millionths()).collect();
    let rows = tx
        .query(
            "INSERT INTO meter_hours (product_code, customer_kind, customer, license_arn, dimension, hour, total, state)
             SELECT p, k, c, l, d, h, t, 'open'
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[]) WITH ORDINALITY AS u(p, k, c, l, d, h, t, n)
             ORDER BY n
             ON CONFLICT (product_code, customer_kind, customer, license_arn, dimension, hour)
             DO UPDATE SET total = meter_hours.total + EXCLUDED.total
             WHERE meter_hours.state = 'open' AND meter_hours.total + EXCLUDED.total <= $8
             RETURNING id, product_code, customer_kind, customer, license_arn, dimension, hour",
            &[&products, &kinds, &customers, &licences, &dimensions, &hours, &totals, &Quantity::MAX.millionths()],
        )
        .await?;
    let mut hour_ids: std::collections::HashMap<Key, i64> = std::collections::HashMap::new();
    for row in &rows {
        let kind: String = row.get(2);
        let kind = match kind.as_str() {
            "identifier" => "identifier",
            "account" => "account",
            _ => "caller",
        };
        hour_ids.insert((row.get(1), kind, row.get(3), row.get(4), row.get(5), row.get(6)), row.get(0));
    }
    let (mut record_hours, mut times, mut quantities, mut events) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (key, (total, members)) in &groups {
        let (id, billed_in) = match hour_ids.get(key) {
            Some(id) => (*id, key.5),
            // The hour is sealed (or its total would overflow): the slow path, one hour at a time.
            None => match later_hour(tx, &mut snapshot, key, *total).await? {
                Ok(found) => found,
                Err(reason) => {
                    for &i in members {
                        out[i] = Some(Recorded::Refused(reason.clone()));
                    }
                    continue;
                }
            },
        };
        for &i in members {
            let u = &usage[i];
            record_hours.push(id);
            times.push(u.time_ms().unwrap_or_default());
            quantities.push(u.quantity.millionths());
            events.push(u.event_id.as_deref());
            out[i] =
                Some(if billed_in == key.5 { Recorded::Added { hour: billed_in } } else { Recorded::Moved { from: key.5, to: billed_in } });
        }
    }
    if !record_hours.is_empty() {
        tx.execute(
            "INSERT INTO meter_records (hour_id, time_ms, quantity, event_id)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[])",
            &[&record_hours, &times, &quantities, &events],
        )
        .await?;
    }
    Ok(out.into_iter().map(|o| o.unwrap_or(Recorded::Refused("the store answered nothing".into()))).collect())
}

/// Adds `total` to the first hour from `key`'s on that is not sealed, under
/// the name the buyer's hour there already has, or (opening one) under the
/// name it is sent as once no other name in that slot might be the same
/// buyer; its id and start, or why it was refused (the sum would overflow
/// `key`'s own open hour, or the name cannot be placed).
async fn later_hour(
    tx: &Transaction<'_>,
    snapshot: &mut directory::Snapshot,
    key: &Key,
    total: Quantity,
) -> Result<Result<(i64, i64), String>, tokio_postgres::Error> {
    let names = names_of(snapshot, key);
    let (product, dimension, mut hour) = (key.0.as_str(), key.4.as_str(), key.5);
    loop {
        // The buyer's hour under any of its names, the one of the key first.
        let mut found: Option<(&Customer, String)> = None;
        for name in &names {
            let (kind, customer, license) = customer_columns(name);
            let state: Option<String> = tx
                .query_opt(
                    "SELECT state FROM meter_hours
                     WHERE product_code = $1 AND customer_kind = $2 AND customer = $3 AND license_arn = $4 AND dimension = $5 AND hour = $6 FOR UPDATE",
                    &[&product, &kind, &customer, &license, &dimension, &hour],
                )
                .await?
                .map(|r| r.get(0));
            if let Some(state) = state {
                found = Some((name, state));
                break;
            }
        }
        let name = match &found {
            Some((_, state)) if state == "open" && hour == key.5 => {
                return Ok(Err(format!("the hour's total would pass {}, the most one record can carry", Quantity::MAX)))
            }
            Some((_, state)) if state != "open" => {
                hour += HOUR_MS;
                continue;
            }
            Some((name, _)) => (*name).clone(),
            None if key.1 == "caller" => names[0].clone(),
            None => {
                let slot = (product.to_owned(), dimension.to_owned(), hour);
                let mut existing = directory::lock_and_read(tx, &BTreeMap::from([(slot.clone(), key.1 != "identifier")])).await?;
                let there = existing.remove(&slot).unwrap_or_default();
                let pairs: Vec<(&str, &Customer)> = there.iter().map(|c| (product, c)).collect();
                snapshot.extend(tx, &pairs).await?;
                let buyer = snapshot.buyer(product, &names[0]).cloned();
                match directory::place(&slot, &names, buyer.as_ref(), &there, snapshot) {
                    Ok(name) => name,
                    Err(reason) => return Ok(Err(reason)),
                }
            }
        };
        let (kind, customer, license) = customer_columns(&name);
        let upserted = tx
            .query_opt(
                "INSERT INTO meter_hours (product_code, customer_kind, customer, license_arn, dimension, hour, total, state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')
                 ON CONFLICT (product_code, customer_kind, customer, license_arn, dimension, hour)
                 DO UPDATE SET total = meter_hours.total + EXCLUDED.total
                 WHERE meter_hours.state = 'open' AND meter_hours.total + EXCLUDED.total <= $8
                 RETURNING id",
                &[&product, &kind, &customer, &license, &dimension, &hour, &total.millionths(), &Quantity::MAX.millionths()],
            )
            .await?;
        match upserted {
            Some(row) => return Ok(Ok((row.get(0), hour))),
            // Sealed between the look and the upsert, or full: the next hour.
            None => hour += HOUR_MS,
        }
    }
}
