//! `CHANGELOG.md` of a generated crate: one entry per version, newest
//! first, in the Keep a Changelog form. `cargo xtask codegen` writes the
//! entry when it writes a version the crate's changelog does not have yet:
//! the changes `cargo xtask diff` classes, found between the API snapshot
//! on disk (the previous version's) and the one generated now, under a
//! heading per class. `--check` finds a changelog without the current
//! version's entry stale.

use codegen::api::{Change, Class};

/// The file, in the crate's folder.
pub const FILE: &str = "CHANGELOG.md";

const HEADER: &str = "# Changelog\n\n\
Every version of this crate, newest first. `cargo xtask codegen` writes each entry when it generates \
a new version, from the changes `cargo xtask diff` finds between the previous version's public API and \
this one's. The form is [Keep a Changelog](https://keepachangelog.com/en/1.1.0/); versions follow \
[Semantic Versioning](https://semver.org/spec/v2.0.0.html) as Cargo reads it (before 1.0, a minor \
version may break the API).\n";

/// What the previous version was, when there was one.
#[derive(Debug)]
pub struct Previous<'a> {
    /// Its version.
    pub version: &'a str,
    /// What changed since.
    pub changes: &'a [Change],
}

/// True when `text` has an entry for `version`.
pub fn has_entry(text: &str, version: &str) -> bool {
    let heading = format!("## [{version}]");
    text.lines().any(|l| l == heading || l.starts_with(&format!("{heading} ")))
}

/// The entry of `version`, made on `date` (`YYYY-MM-DD`).
pub fn entry(version: &str, date: &str, previous: Option<Previous<'_>>) -> String {
    let mut out = format!("## [{version}] - {date}\n\n");
    let Some(previous) = previous.filter(|p| p.version != version) else {
        out.push_str("First version.\n");
        return out;
    };
    let sections = [
        (Class::Breaking, "Breaking"),
        (Class::Unclassified, "Unclassified (reviewed by hand before the release)"),
        (Class::Additive, "Added"),
        (Class::Behaviour, "Changed"),
        (Class::Documentation, "Documentation"),
    ];
    let mut any = false;
    for (class, title) in sections {
        let items: Vec<&Change> = previous.changes.iter().filter(|c| c.class == class).collect();
        if items.is_empty() {
            continue;
        }
        any = true;
        out.push_str(&format!("### {title}\n\n"));
        for c in items {
            let source = c.source.as_deref().map(|s| format!(" (`{s}`)")).unwrap_or_default();
            out.push_str(&format!("- `{}`{source}: {}\n", c.item, c.what));
        }
        out.push('\n');
    }
    if !any {
        out.push_str(&format!("No change to the public API since {}.\n", previous.version));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// `existing` (or a new changelog) with `entry` above the older entries.
pub fn with_entry(existing: Option<&str>, entry: &str) -> String {
    let existing = existing.unwrap_or(HEADER);
    // Entries start at the first `## [`; what is above is the header.
    let at = existing.find("\n## [").map(|i| i + 1).unwrap_or(existing.len());
    let (head, older) = existing.split_at(at);
    let mut out = head.trim_end().to_owned();
    out.push_str("\n\n");
    out.push_str(entry);
    if !older.is_empty() {
        out.push('\n');
        out.push_str(older);
    }
    out
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    civil_date(secs / 86_400)
}

/// The proleptic Gregorian date `days` after 1970-01-01.
fn civil_date(days: u64) -> String {
    // Days are counted from 0000-03-01 so that the leap day ends a year.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(class: Class, item: &str, what: &str) -> Change {
        Change { class, item: item.to_owned(), source: Some(format!("Shape${item}")), what: what.to_owned() }
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_795), "2026-12-08");
    }

    #[test]
    fn a_new_version_lists_its_changes_by_class_above_the_older_entries() {
        let first = with_entry(None, &entry("0.1.0", "2026-12-01", None));
        assert!(first.starts_with("# Changelog\n"));
        assert!(has_entry(&first, "0.1.0") && !has_entry(&first, "0.2.0"));
        assert!(first.ends_with("## [0.1.0] - 2026-12-01\n\nFirst version.\n"), "{first}");

        let changes = [
            change(Class::Additive, "types::Offer::terms", "added"),
            change(Class::Breaking, "operation::Old", "removed"),
            change(Class::Documentation, "Client::meter_usage", "documentation changed"),
        ];
        let second = with_entry(Some(&first), &entry("0.2.0", "2026-12-08", Some(Previous { version: "0.1.0", changes: &changes })));
        let at_new = second.find("## [0.2.0] - 2026-12-08").unwrap();
        let at_old = second.find("## [0.1.0]").unwrap();
        assert!(at_new < at_old, "newest first:\n{second}");
        let breaking = second.find("### Breaking\n\n- `operation::Old` (`Shape$operation::Old`): removed").unwrap();
        let added = second.find("### Added\n\n- `types::Offer::terms`").unwrap();
        let docs = second.find("### Documentation\n\n- `Client::meter_usage`").unwrap();
        assert!(breaking < added && added < docs, "{second}");
        assert_eq!(second.matches("# Changelog").count(), 1);
    }

    #[test]
    fn a_version_without_api_changes_says_so() {
        let text = entry("0.1.1", "2026-12-08", Some(Previous { version: "0.1.0", changes: &[] }));
        assert!(text.contains("No change to the public API since 0.1.0."), "{text}");
    }
}
