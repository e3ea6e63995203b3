//! Fuzz target `props`: see mqttkit::fuzzing::props.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::props(data));
