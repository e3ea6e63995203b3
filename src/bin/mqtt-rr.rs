//! `mqtt-rr`: MQTT v5 request/response (mosquitto_rr compatible).
fn main() -> std::process::ExitCode {
    mqttkit::main_for::<mqttkit::cli::RrArgs>(mqttkit::rr::run)
}
