//! Fuzz target `sparkplug`: see mqttkit::fuzzing::sparkplug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::sparkplug(data));
