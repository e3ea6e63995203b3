//! `mqtt-bench`: load-test an MQTT broker, with thresholds for CI.
fn main() -> std::process::ExitCode {
    mqttkit::main_for::<mqttkit::cli::BenchArgs>(mqttkit::bench::run)
}
