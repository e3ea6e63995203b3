//! Fuzz target `format`: see mqttkit::fuzzing::format.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::format(data));
