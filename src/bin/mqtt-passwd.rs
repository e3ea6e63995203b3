//! `mqtt-passwd`: create and maintain mosquitto password files (mosquitto_passwd compatible).
fn main() -> std::process::ExitCode {
    mqttkit::main_for::<mqttkit::cli::PasswdArgs>(mqttkit::passwd::run)
}
