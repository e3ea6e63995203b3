//! Fuzz target `cbor`: see mqttkit::fuzzing::cbor.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::cbor(data));
