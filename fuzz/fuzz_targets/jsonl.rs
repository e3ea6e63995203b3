//! Fuzz target `jsonl`: see mqttkit::fuzzing::jsonl_line.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mqttkit::fuzzing::jsonl_line(data));
