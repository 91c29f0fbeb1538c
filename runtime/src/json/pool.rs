//! `StringPool`: the strings a request gave up, handed out again when its
//! response repeats them.
//!
//! Some services echo what they were sent: `BatchMeterUsage` answers each of
//! up to 25 usage records with the record itself, customer and dimension
//! included. Once a request's body is written its input is no longer needed,
//! so an operation whose output can repeat its input gives the input's
//! strings to a pool, and the reader of the successful answer, where it
//! reads a string of a structure the input also holds (`echoed_string`),
//! takes one from the pool instead of allocating a copy when the answer's
//! text is equal. The output is the same either way: a string is reused
//! only when it is equal to what the body says.
//!
//! Strings are matched near a cursor that follows the answer's progress
//! through the request's strings, so each lookup compares a handful of
//! candidates (a length first) whatever the size of the request: a service
//! that answers in the order it was asked, with members of a record in any
//! order, gets every echoed string back; one that answers in another order
//! gets fewer, never a wrong one.

/// How many of the request's strings past the cursor a lookup considers.
const AHEAD: usize = 8;

/// How many of the request's strings before the cursor a lookup considers
/// (members of one record echoed in another order than they were sent).
const BEHIND: usize = 8;

/// Strings given up by a request, in the order its serialiser wrote them.
#[derive(Debug, Default)]
pub struct StringPool {
    strings: Vec<String>,
    /// One past the last string taken: where the answer has got to.
    next: usize,
}

impl StringPool {
    /// An empty pool with room for `capacity` strings, so giving them
    /// allocates once.
    pub fn with_capacity(capacity: usize) -> Self {
        StringPool { strings: Vec::with_capacity(capacity), next: 0 }
    }

    /// Adds `s`. Strings that own no memory are not worth keeping.
    pub fn give(&mut self, s: String) {
        if s.capacity() > 0 {
            self.strings.push(s);
        }
    }

    /// A string of the pool equal to `text`, removed from it, or `None`.
    pub(crate) fn take(&mut self, text: &str) -> Option<String> {
        if self.strings.is_empty() || text.is_empty() {
            return None;
        }
        let start = self.next.saturating_sub(BEHIND);
        let end = self.strings.len().min(self.next + AHEAD);
        // Back from the cursor first, then forwards: a record's members
        // echoed out of order are found among its own strings before equal
        // ones of the next record, which that record's answer will want.
        let found = (start..self.next.min(end)).rev().chain(self.next..end).find(|&i| self.strings[i] == text)?;
        self.next = self.next.max(found + 1);
        // An empty string stands in the taken one's place: it matches no
        // text (empty text is never looked up) and owns nothing.
        Some(std::mem::take(&mut self.strings[found]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(strings: &[&str]) -> StringPool {
        let mut p = StringPool::with_capacity(strings.len());
        for s in strings {
            p.give((*s).to_owned());
        }
        p
    }

    #[test]
    fn an_equal_string_is_handed_back_with_its_allocation() {
        let mut p = StringPool::default();
        let s = String::from("Hosts");
        let ptr = s.as_ptr();
        p.give(s);
        let back = p.take("Hosts").unwrap();
        assert_eq!(back, "Hosts");
        assert_eq!(back.as_ptr(), ptr, "the given allocation itself");
        assert_eq!(p.take("Hosts"), None, "each string is handed out once");
    }

    #[test]
    fn unequal_and_empty_text_take_nothing() {
        let mut p = pool(&["a", "b"]);
        assert_eq!(p.take("c"), None);
        assert_eq!(p.take(""), None);
        assert_eq!(p.take("a").as_deref(), Some("a"));
    }

    #[test]
    fn strings_that_own_nothing_are_not_kept() {
        let mut p = StringPool::default();
        p.give(String::new());
        assert!(p.strings.is_empty());
    }

    #[test]
    fn records_echoed_in_order_with_their_members_reordered_are_all_found() {
        // Sent: product code, then per record dimension and account; the
        // answer has per record an id of its own, then account and dimension.
        let mut sent = vec!["prod".to_owned()];
        for i in 0..25 {
            sent.push(format!("dim-{i}"));
            sent.push(format!("acct-{i}"));
        }
        let mut p = StringPool::default();
        for s in &sent {
            p.give(s.clone());
        }
        for i in 0..25 {
            assert_eq!(p.take(&format!("rec-{i}")), None);
            assert_eq!(p.take(&format!("acct-{i}")).unwrap(), format!("acct-{i}"));
            assert_eq!(p.take(&format!("dim-{i}")).unwrap(), format!("dim-{i}"));
        }
        assert_eq!(p.take("prod").as_deref(), None, "far behind the cursor by now");
    }

    #[test]
    fn equal_records_echoed_with_members_reordered_are_all_found() {
        let mut p = StringPool::default();
        p.give("prod".into());
        for _ in 0..25 {
            p.give("Hosts".into());
            p.give("123456789012".into());
        }
        for _ in 0..25 {
            assert!(p.take("123456789012").is_some());
            assert!(p.take("Hosts").is_some());
        }
        assert_eq!(p.strings.iter().filter(|s| !s.is_empty()).collect::<Vec<_>>(), ["prod"]);
    }

    #[test]
    fn repeated_values_are_taken_one_after_another() {
        let mut p = pool(&["Hosts", "123", "Hosts", "123", "Hosts", "123"]);
        for _ in 0..3 {
            assert!(p.take("123").is_some());
            assert!(p.take("Hosts").is_some());
        }
        assert_eq!(p.take("Hosts"), None);
    }

    #[test]
    fn a_string_far_ahead_of_the_cursor_is_not_looked_for() {
        let mut strings: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
        strings.push("far".into());
        let mut p = StringPool::default();
        for s in strings {
            p.give(s);
        }
        assert_eq!(p.take("far"), None);
        assert!(p.take("s3").is_some());
    }
}
