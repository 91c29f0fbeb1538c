//! The JSON parser and the timestamp and base64 readers on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mpkit_runtime::primitives::{base64_decode, DateTime, DateTimeFormat};

fuzz_target!(|data: &[u8]| {
    let _ = mpkit_runtime::test_util::internals::parse_json(data);
    if let Ok(text) = std::str::from_utf8(data) {
        for format in [DateTimeFormat::DateTime, DateTimeFormat::HttpDate, DateTimeFormat::EpochSeconds] {
            let _ = DateTime::from_str(text, format);
        }
        let _ = base64_decode(text);
    }
});
