//! The JSON parser and the timestamp and base64 readers on arbitrary bytes.
#![no_main]

use awsjson_runtime::primitives::{base64_decode, DateTime, DateTimeFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = awsjson_runtime::test_util::internals::parse_json(data);
    if let Ok(text) = std::str::from_utf8(data) {
        for format in [DateTimeFormat::DateTime, DateTimeFormat::HttpDate, DateTimeFormat::EpochSeconds] {
            let _ = DateTime::from_str(text, format);
        }
        let _ = base64_decode(text);
    }
});
