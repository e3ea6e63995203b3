//! Behaviour that needs a terminal, run under `script(1)` (util-linux): the
//! password prompt and the progress bar. Neither may leak into a pipe.

use crate::support::cmd::on_terminal;
use crate::support::{Broker, BrokerConfig, cmd, mqtt_pub};

#[test]
fn password_prompt_reads_the_terminal() {
    let broker = Broker::start(BrokerConfig::with_users(&[("aa", "typed-secret")]));
    let home = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_mqtt-pub");
    let command = format!("{bin} -h 127.0.0.1 -p {} -u aa --pw-prompt -t p -m x -q 1", broker.port);
    let (code, screen) = on_terminal(&command, &["typed-secret\n"], home.path());
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Password: "), "{screen}");
    let (code, _) = on_terminal(&command, &["wrong\n"], home.path());
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
    let (code, screen) = on_terminal(&command, &[], home.path());
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
