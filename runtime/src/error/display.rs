//! `DisplayErrorContext`: prints an error and every `source()` below it.

use std::error::Error;
use std::fmt;

/// Displays an error with its whole chain of causes, `a: b: c`.
///
/// ```
/// use mpkit_runtime::error::DisplayErrorContext;
/// let e = std::io::Error::new(std::io::ErrorKind::Other, "disk on fire");
/// assert_eq!(DisplayErrorContext(&e).to_string(), "disk on fire");
/// ```
#[derive(Debug)]
pub struct DisplayErrorContext<E>(pub E);

impl<E: Error> fmt::Display for DisplayErrorContext<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut last = self.0.to_string();
        let mut source = self.0.source();
        while let Some(s) = source {
            let text = s.to_string();
            // Skip causes whose text the parent already repeats.
            if !last.contains(&text) {
                write!(f, ": {text}")?;
            }
            last = text;
            source = s.source();
        }
        Ok(())
    }
}
