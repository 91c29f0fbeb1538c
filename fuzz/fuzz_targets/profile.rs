//! The shared config and credentials file parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = awsjson_runtime::test_util::internals::parse_profile(text, true, "fuzz");
        let _ = awsjson_runtime::test_util::internals::parse_profile(text, false, "fuzz");
    }
});
