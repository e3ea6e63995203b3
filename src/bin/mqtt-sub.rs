//! `mqtt-sub`: subscribe and print messages (mosquitto_sub compatible).
fn main() -> std::process::ExitCode {
    mqttkit::main_for::<mqttkit::cli::SubArgs>(mqttkit::subscribe::run)
}
