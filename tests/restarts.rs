//! Broker restarts mid-stream (mosquitto with persistence, stopped and
//! started again on the same port): what each promise of delivery becomes.

use std::io::Write;
use std::time::Duration;

use crate::support::cmd::run;
use crate::support::{Broker, BrokerConfig, Sub, pub_on, spawn_pub};

const WAIT: Duration = Duration::from_secs(40);

fn persistent_broker() -> Broker {
    Broker::start(BrokerConfig {
        persistence: true,
        ..Default::default()
    })
}

fn lines(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("line {i}\n")).collect()
}

/// mqtt-pub -l with a persistent session and --connect-retry, the broker
/// restarted half-way: every line reaches a persistent subscriber, exit 0.
fn publish_across_a_restart(qos: &str) -> (Vec<String>, String) {
    let mut broker = persistent_broker();
    let home = tempfile::tempdir().unwrap();
    // mqtt-sub is the persistent subscriber (it reconnects by itself).
    let sub_id = format!("restart-sub-{qos}");
    // At QoS 1 a line may come twice, so -C cannot say when all are in:
    // the subscriber listens for a fixed time instead.
    let ending: &[&str] = if qos == "1" {
        &["-W", "8"]
    } else {
        &["-C", "400", "-W", "35"]
    };
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "restart/t",
        &[&["-c", "-i", sub_id.as_str(), "-q", qos][..], ending].concat(),
    );
    let pub_id = format!("restart-pub-{qos}");
    let mut p = spawn_pub(
        &broker,
        home.path(),
        // Paced, so that messages are in flight when the broker goes.
        &[
            "-t",
            "restart/t",
            "-l",
            "-q",
            qos,
            "-c",
            "-i",
            &pub_id,
            "--connect-retry",
            "20s",
            "--rate",
            "250",
        ],
    );
    let mut stdin = p.stdin.take().unwrap();
    stdin.write_all(lines(0, 200).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // About 100 of the paced lines out, and more in flight: restart now.
    let received = format!("Received PUBLISH from {pub_id} ");
    assert!(broker.wait_log_count(&received, 100, WAIT), "{}", broker.log());
    broker.restart(Duration::from_millis(800));
    stdin.write_all(lines(200, 400).as_bytes()).unwrap();
    drop(stdin);
    let out = crate::support::cmd::finish(p);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let got = String::from_utf8(sub.output(WAIT)).unwrap();
    (got.lines().map(String::from).collect(), stderr)
}

#[test]
fn qos1_with_a_persistent_session_delivers_every_line_across_a_restart() {
    let (got, stderr) = publish_across_a_restart("1");
    assert!(stderr.contains("Warning: the connection was lost"), "{stderr}");
    for i in 0..400 {
        assert!(
            got.contains(&format!("line {i}")),
            "line {i} missing from {} received",
            got.len()
        );
    }
}

#[test]
fn qos2_with_a_persistent_session_delivers_every_line_exactly_once_across_a_restart() {
    let (got, stderr) = publish_across_a_restart("2");
    assert!(stderr.contains("Warning: the connection was lost"), "{stderr}");
    let want: Vec<String> = (0..400).map(|i| format!("line {i}")).collect();
    assert_eq!(got, want, "publisher said: {stderr}");
}

#[test]
fn without_a_persistent_session_a_restart_is_exit_7_with_the_counts() {
    let mut broker = persistent_broker();
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_pub(
        &broker,
        home.path(),
        &["-t", "restart/clean", "-l", "-q", "1", "--connect-retry", "20s"],
    );
    let mut stdin = p.stdin.take().unwrap();
    stdin.write_all(lines(0, 50).as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The fiftieth line was acknowledged (the PUBACK is on its way before
    // the broker's FIN): restart now.
    assert!(
        broker.wait_log_count("Sending PUBACK to ", 50, WAIT),
        "{}",
        broker.log()
    );
    broker.restart(Duration::from_millis(300));
    let _ = stdin.write_all(lines(50, 100).as_bytes());
    drop(stdin);
    let out = crate::support::cmd::finish(p);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("Error: The connection was lost"), "{stderr}");
    assert!(
        stderr.contains("50 of 50 messages confirmed, 0 unconfirmed; the rest of the input was not sent."),
        "{stderr}"
    );
}

#[test]
fn a_persistent_subscriber_gets_what_was_published_while_it_was_away() {
    for qos in ["1", "2"] {
        away(qos);
    }
}

fn away(qos: &str) {
    let mut broker = persistent_broker();
    let home = tempfile::tempdir().unwrap();
    let id = format!("away-sub-{qos}");
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "away/t",
        &["-c", "-i", &id, "-q", qos, "-C", "3", "-W", "30"],
    );
    // The broker goes; while the subscriber waits to reconnect, a message is
    // published into its stored session; then it reconnects and gets it.
    broker.restart(Duration::from_millis(300));
    for m in ["one", "two", "three"] {
        run(pub_on(&broker, home.path(), &["-t", "away/t", "-m", m, "-q", qos])).expect_code(0);
    }
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    assert_eq!(String::from_utf8(end.stdout).unwrap(), "one\ntwo\nthree\n");
}
