//! `mqtt-pub`: publish MQTT messages (mosquitto_pub compatible).
fn main() -> std::process::ExitCode {
    mqttkit::main_for::<mqttkit::cli::PubArgs>(mqttkit::publish::run)
}
