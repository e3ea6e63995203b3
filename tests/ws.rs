//! MQTT over WebSockets (ws:// and wss://), through the test bridge in front
//! of a real mosquitto.

use std::time::Duration;

use crate::support::certs::Certs;
use crate::support::ws::WsBridge;
use crate::support::{Broker, Sub, cmd, hex, mqtt_pub};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn binary_payloads_cross_ws_and_wss_byte_exact() {
    let broker = Broker::anonymous();
    let certs = Certs::make();
    let ws = WsBridge::start(broker.port, None);
    let wss = WsBridge::start(
        broker.port,
        Some((&certs.path("server.pem"), &certs.path("server.key"))),
    );
    let home = tempfile::tempdir().unwrap();
    let payload: Vec<u8> = (0..=255u8).rev().collect();
    let file = home.path().join("bin");
    std::fs::write(&file, &payload).unwrap();
    let (f, ca) = (file.to_str().unwrap(), certs.path("ca.pem"));
    let ca = ca.to_str().unwrap();
    let (ws_port, wss_port) = (ws.port.to_string(), wss.port.to_string());

    // mqtt-sub over ws://, mqtt-pub over --ws and over a wss:// URL.
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "ws/t",
        &["-p", &ws_port, "--ws", "-q", "1", "-C", "2", "-F", "%x"],
    );
    let r = cmd::run(mqtt_pub(
        home.path(),
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &ws_port,
            "--ws",
            "-t",
            "ws/t",
            "-f",
            f,
            "-q",
            "1",
        ],
    ));
    r.expect_code(0);
    let url = format!("wss://localhost:{wss_port}/ws/t");
    let r = cmd::run(mqtt_pub(
        home.path(),
        &["-L", &url, "--cafile", ca, "-f", f, "-q", "1", "-V", "5"],
    ));
    r.expect_code(0);
    assert_eq!(sub.text(WAIT), format!("{0}\n{0}\n", hex(&payload)));

    // mqtt-sub over wss:// too; the oracle mosquitto_sub sees the same.
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "ws/s",
        &[
            "-h",
            "localhost",
            "-p",
            &wss_port,
            "--ws",
            "--cafile",
            ca,
            "-C",
            "1",
            "-F",
            "%t %p",
        ],
    );
    let url = format!("ws://127.0.0.1:{ws_port}/ws/s");
    cmd::run(mqtt_pub(home.path(), &["-L", &url, "-m", "over ws"])).expect_code(0);
    assert_eq!(sub.text(WAIT), "ws/s over ws\n");
}

#[test]
fn websocket_mistakes_are_clear() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    // WebSockets to a plain MQTT port: the HTTP upgrade fails.
    let r = cmd::run(mqtt_pub(
        home.path(),
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &broker.port.to_string(),
            "--ws",
            "-t",
            "x",
            "-m",
            "y",
        ],
    ));
    assert_eq!(r.code(), 1, "{}", r.stderr());
    assert!(
        r.stderr().starts_with("Error: WebSocket upgrade at ws://127.0.0.1:"),
        "{}",
        r.stderr()
    );
    let r = cmd::run(mqtt_pub(
        home.path(),
        &["--unix", "/tmp/sock", "--ws", "-t", "x", "-m", "y"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr().starts_with("Error: WebSockets (--ws) need a TCP endpoint"),
        "{}",
        r.stderr()
    );
}
