//! Fuzz target `url`: see mqttkit::fuzzing::url.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::url(data));
