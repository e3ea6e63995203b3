//! SIGINT and SIGTERM while mqtt-pub reads lines: it stops reading, waits a
//! bounded time for confirmations, says how many messages were confirmed,
//! and exits 128 + the signal (all confirmed) or 7 (some were not).

use std::io::Write;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::support::cmd::{spawn_debug, wait_for, wait_for_n};
use crate::support::{Broker, Sub, spawn_pub};

const WAIT: Duration = Duration::from_secs(20);

/// Send `sig` again and again until the child ends (a second signal must
/// arrive after the first was handled; signals sent at once may merge);
/// its exit status and stderr. The input stays open until then.
fn signal_until_it_ends(mut child: Child, sig: &str) -> (Option<i32>, String) {
    let pid = child.id();
    let stdin = child.stdin.take();
    let (tx, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(crate::support::cmd::finish(child));
    });
    let end = Instant::now() + WAIT;
    let out = loop {
        assert!(Instant::now() < end, "mqtt-pub did not end on {sig}");
        signal(pid, sig);
        // The exit is the event; without it within 100 ms, signal again.
        if let Ok(out) = ended.recv_timeout(Duration::from_millis(100)) {
            break out;
        }
    };
    drop(stdin);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn signal(pid: u32, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// Wait for the end; the input stays open until then, so that only the
/// signal ends the reading.
fn stderr_of(mut child: Child) -> (Option<i32>, String) {
    let stdin = child.stdin.take();
    let out = crate::support::cmd::finish(child);
    drop(stdin);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_signal_after_everything_was_confirmed_exits_128_plus_the_signal() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    for (sig, code, name) in [("-INT", 130, "SIGINT"), ("-TERM", 143, "SIGTERM")] {
        let sub = Sub::start(&broker, "sig/ok", &["-C", "3", "-q", "1"]);
        let mut p = spawn_pub(&broker, home.path(), &["-t", "sig/ok", "-l", "-q", "1"]);
        // Three lines, and the input stays open: only the signal ends it.
        p.stdin.as_mut().unwrap().write_all(b"one\ntwo\nthree\n").unwrap();
        assert_eq!(sub.text(WAIT), "one\ntwo\nthree\n");
        signal(p.id(), sig);
        let (status, stderr) = stderr_of(p);
        assert_eq!(status, Some(code), "{stderr}");
        assert_eq!(
            stderr,
            format!("Interrupted by {name}: 3 of 3 messages confirmed; the rest of the input was not read.\n")
        );
    }
}

#[test]
fn a_signal_with_the_broker_stalled_waits_a_bounded_time_and_exits_7() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let (mut p, lines) = spawn_debug(&broker, home.path(), &["-t", "sig/stall", "-l", "-q", "1"]);
    p.stdin.as_mut().unwrap().write_all(b"before\n").unwrap();
    wait_for(&lines, "received PUBACK");
    // The broker stops answering: these lines stay unconfirmed.
    let pid = broker.pid().to_string();
    Command::new("kill").args(["-STOP", &pid]).status().unwrap();
    p.stdin.as_mut().unwrap().write_all(b"a\nb\nc\n").unwrap();
    wait_for_n(&lines, "sending PUBLISH", 3);
    let start = Instant::now();
    signal(p.id(), "-INT");
    let (status, stderr) = stderr_of(p);
    let waited = start.elapsed();
    Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    assert_eq!(status, Some(7), "{stderr}");
    assert_eq!(
        stderr,
        "Interrupted by SIGINT: 1 of 4 messages confirmed, 3 unconfirmed; the rest of the input was not read.\n"
    );
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(15),
        "{waited:?}"
    );

    // A second signal gives up at once.
    let (mut p, lines) = spawn_debug(&broker, home.path(), &["-t", "sig/stall2", "-l", "-q", "1"]);
    p.stdin.as_mut().unwrap().write_all(b"x\n").unwrap();
    wait_for(&lines, "received PUBACK");
    Command::new("kill").args(["-STOP", &pid]).status().unwrap();
    p.stdin.as_mut().unwrap().write_all(b"y\n").unwrap();
    wait_for(&lines, "sending PUBLISH");
    let start = Instant::now();
    let (status, stderr) = signal_until_it_ends(p, "-TERM");
    Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert_eq!(status, Some(7), "{stderr}");
    assert!(stderr.contains("1 of 2 messages confirmed, 1 unconfirmed"), "{stderr}");
}

#[test]
fn a_signal_after_the_input_ended_still_bounds_the_wait() {
    // All input read, the broker stalled: the confirmations would never come.
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let (mut p, lines) = spawn_debug(&broker, home.path(), &["-t", "sig/eof", "-l", "-q", "1"]);
    p.stdin.as_mut().unwrap().write_all(b"first\n").unwrap();
    wait_for(&lines, "received PUBACK");
    let pid = broker.pid().to_string();
    Command::new("kill").args(["-STOP", &pid]).status().unwrap();
    let mut stdin = p.stdin.take().unwrap();
    stdin.write_all(b"last\n").unwrap();
    drop(stdin);
    wait_for(&lines, "sending PUBLISH");
    let (status, stderr) = signal_until_it_ends(p, "-INT");
    Command::new("kill").args(["-CONT", &pid]).status().unwrap();
    assert_eq!(status, Some(7), "{stderr}");
    assert_eq!(
        stderr,
        "Interrupted by SIGINT: 1 of 2 messages confirmed, 1 unconfirmed.\n"
    );
}
