//! The CBOR reader on arbitrary bytes: skipping a whole item, and reading one
//! the way a generated deserialiser does (a map of members whose values are
//! read by type, anything else skipped), never panics; what it reads again
//! after writing it back is the same.
#![no_main]

use awsjson_runtime::for_generated::{CborReader, CborWriter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = CborReader::new(data).skip();
    let mut r = CborReader::new(data);
    let Ok(mut members) = r.map() else { return };
    let mut w = CborWriter::new();
    w.begin_map();
    while let Ok(true) = r.next(&mut members) {
        let Ok(key) = r.str() else { return };
        // The first byte of the value picks how it is read, as a shape's member type would.
        let read = match key.len() % 5 {
            0 => r.integer().map(|n| {
                w.str(&key);
                w.integer(n);
            }),
            1 => r.str().map(|s| {
                w.str(&key);
                w.str(&s);
            }),
            2 => r.timestamp().map(|_| ()),
            3 => r.float().map(|_| ()),
            _ => r.skip(),
        };
        if read.is_err() {
            return;
        }
    }
    w.end();
    // What was written reads back member by member.
    let bytes = w.finish();
    let mut again = CborReader::new(&bytes);
    let mut m = again.map().expect("a map was written");
    while again.next(&mut m).expect("well-formed") {
        let key = again.str().expect("a key").into_owned();
        match key.len() % 5 {
            0 => {
                again.integer().expect("an integer");
            }
            _ => {
                again.str().expect("a string");
            }
        }
    }
    assert!(again.at_end());
});
