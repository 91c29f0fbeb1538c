//! The CBOR reader on arbitrary bytes: skipping a whole item, and reading one
//! the way a generated deserialiser does (a map of members whose values are
//! read by type, big numbers too, anything else skipped), never panics; what
//! it writes back reads again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpkit_runtime::for_generated::{CborCursor, CborReader, CborWriter};

fuzz_target!(|data: &[u8]| {
    let _ = CborCursor::new(data).skip();
    let mut r = CborReader::new(data);
    if r.begin_object("Out").is_err() {
        return;
    }
    let mut w = CborWriter::new();
    w.begin_object();
    let mut written = Vec::new();
    loop {
        let key = match r.next_key("Out") {
            Ok(Some(key)) => key,
            Ok(None) => break,
            Err(_) => return,
        };
        // The key's length picks how the value is read, as a shape's member type would.
        let read = match key.len() % 8 {
            0 => r.long("Out.n").map(|n| {
                w.key(&key);
                w.integer(n);
                written.push((key.clone().into_owned(), 0));
            }),
            1 => r.string("Out.s").map(|s| {
                w.key(&key);
                w.string(&s);
                written.push((key.clone().into_owned(), 1));
            }),
            2 => r.timestamp("Out.t").map(|_| ()),
            3 => r.double("Out.d").map(|_| ()),
            4 => r.begin_array("Out.l").and_then(|()| {
                while r.next_item("Out.l")? {
                    r.skip_value("Out.l[]")?;
                }
                Ok(())
            }),
            5 => r.big_integer("Out.big").map(|text| {
                w.key(&key);
                w.big_integer(&text).expect("what was read writes back");
                written.push((key.clone().into_owned(), 2));
            }),
            6 => r.big_decimal("Out.dec").map(|_| ()),
            _ => r.skip_value("Out"),
        };
        if read.is_err() {
            return;
        }
    }
    if r.finish().is_err() {
        return;
    }
    w.end_object();
    // What was written reads back member by member.
    let bytes = w.finish();
    let mut again = CborReader::new(&bytes);
    again.begin_object("Again").expect("a map was written");
    for (key, kind) in written {
        assert_eq!(again.next_key("Again").expect("well-formed").as_deref(), Some(key.as_str()));
        match kind {
            0 => {
                again.long("Again.n").expect("an integer");
            }
            2 => {
                again.big_integer("Again.big").expect("a big integer");
            }
            _ => {
                again.string("Again.s").expect("a string");
            }
        }
    }
    assert_eq!(again.next_key("Again").expect("well-formed"), None);
    again.finish().expect("nothing after the map");
});
