//! What changed between two API surfaces, and what each change means for
//! code written against the old one.
//!
//! A change is breaking when code that compiled (or a call that was sent)
//! against the old crate may not compile (or may be refused) against the
//! new one: an item removed, a signature changed (a getter that now returns
//! an `Option`, a builder whose `build()` can no longer fail, a wider
//! integer), a variant added to an enum that is not `#[non_exhaustive]`, a
//! member newly required, a constraint tightened, a wire value changed.
//! Additive changes cannot break such code: new items, variants of
//! `#[non_exhaustive]` enums, deprecations, constraints loosened.
//! Documentation-only changes touch nothing but docs.

use std::fmt;

use super::surface::{Item, Kind, Surface};

/// How a change affects users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Only documentation changed.
    Documentation,
    /// The API is the same; what calls do changed (endpoint rules, an error's status, retries).
    Behaviour,
    /// New API; existing code keeps compiling and behaving.
    Additive,
    /// A model change the tool has no rule for: someone must review it.
    Unclassified,
    /// Existing code may stop compiling, or calls may be refused.
    Breaking,
}

impl Class {
    /// `breaking`, `unclassified`, `additive`, `behaviour` or `documentation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Unclassified => "unclassified",
            Class::Additive => "additive",
            Class::Behaviour => "behaviour",
            Class::Documentation => "documentation",
        }
    }
}

/// One change of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What it means for users.
    pub class: Class,
    /// The item's key (`types::UsageAllocation::allocated_usage_quantity`).
    pub item: String,
    /// The model shape and member it comes from (`UsageAllocation$AllocatedUsageQuantity`).
    pub source: Option<String>,
    /// What happened, in words.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<13} {}", self.class.as_str(), self.item)?;
        if let Some(s) = &self.source {
            write!(f, " [{s}]")?;
        }
        write!(f, ": {}", self.what)
    }
}

/// The changes from `old` to `new`, breaking first, then by item.
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, was) in &old.items {
        match new.items.get(key) {
            None => out.push(removed(key, was)),
            Some(now) => out.extend(changed(key, was, now)),
        }
    }
    for (key, now) in &new.items {
        if !old.items.contains_key(key) {
            out.push(added(key, now, old));
        }
    }
    out.sort_by(|a, b| b.class.cmp(&a.class).then_with(|| a.item.cmp(&b.item)));
    out
}

fn change(class: Class, key: &str, item: &Item, what: String) -> Change {
    Change { class, item: key.to_owned(), source: item.source.clone(), what }
}

fn removed(key: &str, was: &Item) -> Change {
    let what = match was.kind {
        // A member that is no longer required is welcome news, not a break.
        Kind::Required => return change(Class::Additive, key, was, "no longer required before sending".into()),
        Kind::Constraint if key.ends_with("pattern)") => {
            return change(Class::Documentation, key, was, format!("pattern no longer documented (was {})", was.signature))
        }
        Kind::Constraint => return change(Class::Additive, key, was, format!("no longer checked before sending (was {})", was.signature)),
        Kind::Module => "module removed".to_owned(),
        Kind::TraitImpl => "trait implementation removed".to_owned(),
        Kind::Feature => format!("Cargo feature removed (was {}): manifests that name it no longer resolve", was.signature),
        _ => format!("removed (was `{}`)", was.signature),
    };
    change(Class::Breaking, key, was, what)
}

fn added(key: &str, now: &Item, old: &Surface) -> Change {
    match now.kind {
        Kind::Required => {
            // A required member of an input that is itself new (a new operation's) refuses no call made before.
            let member = key.rsplit_once(" (").map_or(key, |(m, _)| m);
            let owner = member.rsplit_once('.').map_or(member, |(o, _)| o);
            if old.items.contains_key(owner) {
                change(Class::Breaking, key, now, "now required: a call that leaves it unset is refused before sending".into())
            } else {
                change(Class::Additive, key, now, "required (a member of a new input)".into())
            }
        }
        Kind::Constraint if key.ends_with("pattern)") => {
            change(Class::Documentation, key, now, format!("pattern documented, not checked before sending: {}", now.signature))
        }
        Kind::Constraint => {
            // A bound on a member that is itself new refuses nothing that was sent before.
            let member = key.rsplit_once(" (").map_or(key, |(m, _)| m);
            let method = member.rsplit_once('.').map(|(o, m)| format!("{o}::{m}"));
            let existed = old.items.contains_key(member) || method.is_some_and(|m| old.items.contains_key(&m));
            if existed {
                change(Class::Breaking, key, now, format!("now checked before sending: {}", now.signature))
            } else {
                change(Class::Additive, key, now, format!("checked before sending: {}", now.signature))
            }
        }
        Kind::Variant => {
            let owner = key.rsplit_once("::").map_or(key, |(o, _)| o);
            match old.items.get(owner) {
                Some(e) if !e.non_exhaustive => change(
                    Class::Breaking,
                    key,
                    now,
                    format!("variant added to `{owner}`, which is not #[non_exhaustive]: exhaustive matches no longer compile"),
                ),
                _ => change(Class::Additive, key, now, "variant added".into()),
            }
        }
        Kind::Field => {
            let owner = key.rsplit_once('.').map_or(key, |(o, _)| o);
            match old.items.get(owner) {
                Some(s) if !s.non_exhaustive => change(
                    Class::Breaking,
                    key,
                    now,
                    format!("public field added to `{owner}`, which is not #[non_exhaustive]: struct literals no longer compile"),
                ),
                _ => change(Class::Additive, key, now, format!("field added: `{}`", now.signature)),
            }
        }
        Kind::Module => change(Class::Additive, key, now, "module added".into()),
        Kind::Feature => change(Class::Additive, key, now, format!("Cargo feature added: {}", now.signature)),
        Kind::TraitImpl => change(Class::Additive, key, now, "trait implementation added".into()),
        Kind::WireValue | Kind::EndpointParameter => change(Class::Additive, key, now, format!("added: {}", now.signature)),
        _ => change(Class::Additive, key, now, format!("added: `{}`", now.signature)),
    }
}

fn changed(key: &str, was: &Item, now: &Item) -> Vec<Change> {
    let mut out = Vec::new();
    if was.signature != now.signature {
        out.push(match now.kind {
            Kind::Constraint => constraint_changed(key, was, now),
            Kind::WireValue => change(Class::Breaking, key, now, format!("sent and read as {} (was {})", now.signature, was.signature)),
            Kind::EndpointParameter => change(Class::Breaking, key, now, format!("now {} (was {})", now.signature, was.signature)),
            // Another default feature changes what a plain dependency builds; fewer drop what users had.
            Kind::Feature => change(Class::Breaking, key, now, format!("now {} (was {})", now.signature, was.signature)),
            _ => change(Class::Breaking, key, now, signature_changed(&was.signature, &now.signature)),
        });
    }
    if was.non_exhaustive && !now.non_exhaustive {
        out.push(change(Class::Breaking, key, now, "no longer #[non_exhaustive]".into()));
    } else if !was.non_exhaustive && now.non_exhaustive {
        out.push(change(
            Class::Breaking,
            key,
            now,
            "now #[non_exhaustive]: exhaustive matches and struct literals no longer compile".into(),
        ));
    }
    match (&was.deprecated, &now.deprecated) {
        (None, Some(note)) => out.push(change(Class::Additive, key, now, format!("deprecated: {note}"))),
        (Some(_), None) => out.push(change(Class::Additive, key, now, "no longer deprecated".into())),
        (Some(a), Some(b)) if a != b => out.push(change(Class::Documentation, key, now, format!("deprecation note changed: {b}"))),
        _ => {}
    }
    if out.is_empty() && was.docs != now.docs {
        out.push(change(Class::Documentation, key, now, "documentation changed".into()));
    }
    out
}

/// Says what a signature change does, naming the common cases.
fn signature_changed(was: &str, now: &str) -> String {
    let ret = |s: &str| s.split_once(" -> ").map(|(_, r)| r.to_owned());
    match (ret(was), ret(now)) {
        (Some(a), Some(b)) if a.starts_with("Result<") && !b.starts_with("Result<") && a.contains(&b) => {
            format!("can no longer fail: returns `{b}`, was `{a}`; `?`, `.unwrap()` and `match` on its result no longer compile")
        }
        (Some(a), Some(b)) if b.starts_with("Result<") && !a.starts_with("Result<") => {
            format!("can now fail: returns `{b}`, was `{a}`")
        }
        (Some(a), Some(b)) if b == format!("Option<{a}>") => {
            format!("now optional: returns `{b}`, was `{a}`")
        }
        (Some(a), Some(b)) if a == format!("Option<{b}>") => format!("no longer optional: returns `{b}`, was `{a}`"),
        (Some(a), Some(b)) if a != b => format!("returns `{b}`, was `{a}`"),
        _ if now == format!("Option<{was}>") => format!("now optional: `{now}`, was `{was}`"),
        _ => format!("signature changed: `{now}`, was `{was}`"),
    }
}

/// A constraint bound that moved: tighter is breaking, looser additive.
fn constraint_changed(key: &str, was: &Item, now: &Item) -> Change {
    let facet = key.rsplit_once(" (").map_or("", |(_, f)| f.trim_end_matches(')'));
    let number = |s: &str| s.parse::<f64>().ok();
    // Elements, keys and values have the same facets behind a prefix (`value length min`).
    let bound = facet.rsplitn(3, ' ').take(2).collect::<Vec<_>>();
    let looser = match (bound.as_slice(), number(&was.signature), number(&now.signature)) {
        (["min", "length" | "range"], Some(a), Some(b)) => Some(b < a),
        (["max", "length" | "range"], Some(a), Some(b)) => Some(b > a),
        _ => None,
    };
    let what = format!("{facet} {} (was {})", now.signature, was.signature);
    match looser {
        Some(true) => change(Class::Additive, key, now, format!("loosened: {what}")),
        Some(false) => change(Class::Breaking, key, now, format!("tightened: {what}")),
        // Patterns are documented, not checked before sending: a new one refuses nothing.
        None if facet.ends_with("pattern") => {
            change(Class::Documentation, key, now, format!("documented {what}; not checked before sending"))
        }
        None => change(Class::Breaking, key, now, format!("changed: {what}")),
    }
}

/// The semver bump a set of changes needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Nothing changed.
    None,
    /// Documentation only.
    Patch,
    /// Additions.
    Minor,
    /// Breaking changes.
    Major,
}

impl Bump {
    /// The bump `changes` need.
    pub fn of(changes: &[Change]) -> Bump {
        match changes.iter().map(|c| c.class).max() {
            None => Bump::None,
            Some(Class::Documentation | Class::Behaviour) => Bump::Patch,
            // Until someone has reviewed it, an unknown change is taken to add something.
            Some(Class::Additive | Class::Unclassified) => Bump::Minor,
            Some(Class::Breaking) => Bump::Major,
        }
    }

    /// `none`, `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// The smallest version after `version` that this bump allows, by
    /// Cargo's rules (in `0.y.z` the minor number is the breaking one).
    pub fn next_version(self, version: &str) -> Option<String> {
        let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
        let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
        let breaking_digit = if major == 0 { 1 } else { 0 };
        let level = match self {
            Bump::None => return Some(version.to_owned()),
            Bump::Patch => 2,
            Bump::Minor if breaking_digit == 1 => 2,
            Bump::Minor => 1,
            Bump::Major => breaking_digit,
        };
        Some(match level {
            0 => format!("{}.0.0", major + 1),
            1 => format!("{major}.{}.0", minor + 1),
            _ => format!("{major}.{minor}.{}", patch + 1),
        })
    }
}
