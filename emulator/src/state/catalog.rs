//! The Catalog API's state: entities (the configured products, and the
//! offers change sets create) and change sets, with the client request
//! tokens that made them. Held in memory only: a restarted emulator starts
//! from its configuration's products again.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use serde_json::Value;

/// An entity of the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// `EntityId`.
    pub id: String,
    /// `SaaSProduct`, `Offer`, ... (without the `@1.0` version).
    pub entity_type: String,
    /// The account that owns it.
    pub owner: String,
    /// Its name, as `ListEntities` shows it.
    pub name: String,
    /// `Public`, `Limited`, `Restricted` or `Draft`.
    pub visibility: String,
    /// When it last changed.
    pub last_modified: SystemTime,
    /// Its details document.
    pub details: Value,
    /// How many times it changed (the `@n` of its identifier).
    pub revision: u32,
}

/// One change of a change set, as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `ChangeType`.
    pub change_type: String,
    /// `Entity.Type`, as given (`Offer@1.0`).
    pub entity_type: String,
    /// `Entity.Identifier`; for a change that creates an entity, the id it got once applied.
    pub entity_id: Option<String>,
    /// The details document.
    pub details: Value,
    /// `ChangeName`.
    pub name: Option<String>,
    /// Why the change failed (code, message).
    pub errors: Vec<(String, String)>,
}

/// Where a change set is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Checked and waiting to apply; the only state it can be cancelled in.
    Preparing,
    /// Being applied.
    Applying,
    /// Applied (or, with intent `VALIDATE`, found valid).
    Succeeded,
    /// Cancelled while preparing.
    Cancelled,
    /// A change could not be applied; nothing was.
    Failed,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Preparing => "PREPARING",
            Status::Applying => "APPLYING",
            Status::Succeeded => "SUCCEEDED",
            Status::Cancelled => "CANCELLED",
            Status::Failed => "FAILED",
        }
    }

    /// Over: it will not change again.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Succeeded | Status::Cancelled | Status::Failed)
    }
}

/// A change set.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeSet {
    /// `ChangeSetId`.
    pub id: String,
    /// The account that started it.
    pub owner: String,
    /// `ChangeSetName`.
    pub name: Option<String>,
    /// `APPLY` or `VALIDATE`.
    pub intent: String,
    /// The changes, in order.
    pub changes: Vec<Change>,
    /// Where it is.
    pub status: Status,
    /// When it was started.
    pub started: SystemTime,
    /// When it ended.
    pub ended: Option<SystemTime>,
    /// `CLIENT_ERROR` or `SERVER_FAULT`, when it failed.
    pub failure: Option<(String, String)>,
    /// What the request was, for a reused client request token to be told apart.
    pub fingerprint: String,
}

/// The catalog: entities and change sets by id, in id order.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Entities by id.
    pub entities: BTreeMap<String, Entity>,
    /// Change sets by id.
    pub change_sets: BTreeMap<String, ChangeSet>,
    /// The change set each (account, client request token) started.
    pub tokens: HashMap<(String, String), String>,
    /// How many ids were made, so each is new.
    pub minted: u64,
}

impl Catalog {
    /// A new id with `prefix` (`cs-`, `offer-`), 13 characters after it as the service's are.
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.minted += 1;
        // A counter spread over the id's alphabet: distinct, and not guessable as a sequence at a glance.
        let mut n = self.minted.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66;
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut out = String::from(prefix);
        for _ in 0..13 {
            out.push(char::from(alphabet[(n % 36) as usize]));
            n /= 36;
        }
        out
    }
}
