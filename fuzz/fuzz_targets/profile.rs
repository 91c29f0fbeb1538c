//! The shared config and credentials file parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mpkit_runtime::test_util::internals::parse_profile(text, true, "fuzz");
        let _ = mpkit_runtime::test_util::internals::parse_profile(text, false, "fuzz");
    }
});
