//! Fuzz target `msgpack`: see mqttkit::fuzzing::msgpack.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::msgpack(data));
