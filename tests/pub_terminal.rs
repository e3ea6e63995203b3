//! Behaviour that needs a terminal, run under `script(1)` (util-linux): the
//! password prompt and the progress bar. Neither may leak into a pipe.

use std::process::{Command, Stdio};

use crate::support::{Broker, BrokerConfig, cmd, mqtt_pub};

/// Run `command` on a pseudo-terminal with `input` typed in; returns (exit code, terminal output).
fn on_terminal(command: &str, input: &str, home: &std::path::Path) -> (i32, String) {
    let mut child = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env("HOME", home)
        .env_remove("MQTT_PASSWORD")
        .env_remove("MQTT_USERNAME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn password_prompt_reads_the_terminal() {
    let broker = Broker::start(BrokerConfig::with_users(&[("aa", "typed-secret")]));
    let home = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_mqtt-pub");
    let command = format!("{bin} -h 127.0.0.1 -p {} -u aa --pw-prompt -t p -m x -q 1", broker.port);
    let (code, screen) = on_terminal(&command, "typed-secret\n", home.path());
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Password: "), "{screen}");
    let (code, _) = on_terminal(&command, "wrong\n", home.path());
    assert_eq!(code, 5);
}

#[test]
fn progress_bar_on_a_terminal_only() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("big.bin");
    std::fs::write(&big, vec![7u8; 16 * 1024 * 1024]).unwrap();
    let bin = env!("CARGO_BIN_EXE_mqtt-pub");
    let command = format!("{bin} -h 127.0.0.1 -p {} -t big -f {} -q 1", broker.port, big.display());
    let (code, screen) = on_terminal(&command, "", home.path());
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("reading"), "no progress bar on a terminal: {screen:?}");
    // Not on a pipe.
    let r = cmd::run(mqtt_pub(
        home.path(),
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &broker.port.to_string(),
            "-t",
            "big",
            "-f",
            big.to_str().unwrap(),
        ],
    ));
    r.expect_code(0);
    assert_eq!(r.stderr(), "");
}
