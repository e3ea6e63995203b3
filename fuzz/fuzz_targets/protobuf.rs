//! Fuzz target `protobuf`: see mqttkit::fuzzing::protobuf.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::protobuf(data));
