//! Fuzz target `passwd`: see mqttkit::fuzzing::passwd.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::passwd(data));
