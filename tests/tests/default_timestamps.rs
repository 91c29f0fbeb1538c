//! The generator reads `@default` date-times with a parser of its own (it
//! does not depend on the runtime), the runtime reads date-times on the wire
//! with another. Whatever the generator accepts, the runtime must read as
//! the same instant, or a generated default would differ from the same text
//! sent by a service.

use mpkit_runtime::primitives::{DateTime, DateTimeFormat};

#[test]
fn every_date_time_the_generator_accepts_the_runtime_reads_as_the_same_instant() {
    let mut texts: Vec<String> = [
        "1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2024-02-29T12:00:00Z",
        "1985-04-12T23:20:50.52Z",
        "2023-11-14T22:13:20.000000001Z",
        "2000-03-01T00:00:00.999999999Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2100-02-28T23:59:59Z",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The first second of every month over two leap cycles, and fractions of every length.
    for year in [1999, 2000, 2003, 2004, 2100] {
        for month in 1..=12 {
            texts.push(format!("{year}-{month:02}-01T00:00:00Z"));
        }
    }
    for digits in 1..=9 {
        texts.push(format!("2020-06-15T08:30:45.{}Z", "123456789".get(..digits).unwrap()));
    }
    for text in &texts {
        let (secs, nanos) = codegen::date_time::parse(text).unwrap_or_else(|| panic!("the generator refuses {text}"));
        let wire = DateTime::from_str(text, DateTimeFormat::DateTime).unwrap_or_else(|e| panic!("the runtime refuses {text}: {e}"));
        assert_eq!((wire.secs(), wire.subsec_nanos()), (secs, nanos), "{text}");
    }
}
