//! mqtt-pub → broker → mosquitto_sub, byte for byte: every payload source,
//! QoS 0/1/2, retain, will, --repeat, -L, --jsonl, v5 properties, -d lines.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Broker, BrokerConfig, Sub, cmd, hex, mqtt_pub, pub_on, spawn_pub};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn single_message_sources_arrive_byte_exact_at_each_qos() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let binary: Vec<u8> = (0..=255u8).chain([0, 0xff, b'\n', b'\r']).collect();
    let file = home.path().join("payload.bin");
    std::fs::write(&file, &binary).unwrap();
    let file = file.to_str().unwrap();

    for qos in ["0", "1", "2"] {
        // -m
        let sub = Sub::start(&broker, "src/m", &["-C", "1", "-q", "2", "-F", "%q:%r:%x"]);
        cmd::run(pub_on(
            &broker,
            home.path(),
            &["-t", "src/m", "-m", "hello world", "-q", qos],
        ))
        .expect_code(0);
        assert_eq!(sub.text(WAIT), format!("{qos}:0:{}\n", hex(b"hello world")));
        // -f, binary
        let sub = Sub::start(&broker, "src/f", &["-C", "1", "-q", "2", "-F", "%x"]);
        cmd::run(pub_on(&broker, home.path(), &["-t", "src/f", "-f", file, "-q", qos])).expect_code(0);
        assert_eq!(sub.text(WAIT), format!("{}\n", hex(&binary)));
        // -s, binary
        let sub = Sub::start(&broker, "src/s", &["-C", "1", "-q", "2", "-F", "%x"]);
        let mut c = pub_on(&broker, home.path(), &["-t", "src/s", "-s", "-q", qos]);
        c.write_stdin(binary.clone());
        cmd::run(c).expect_code(0);
        assert_eq!(sub.text(WAIT), format!("{}\n", hex(&binary)));
        // -n
        let sub = Sub::start(&broker, "src/n", &["-C", "1", "-q", "2", "-F", "%l|%x|"]);
        cmd::run(pub_on(&broker, home.path(), &["-t", "src/n", "-n", "-q", qos])).expect_code(0);
        assert_eq!(sub.text(WAIT), "0||\n");
    }
}

#[test]
fn empty_file_sends_empty_payload() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let sub = Sub::start(&broker, "e/f", &["-C", "1", "-F", "%l"]);
    cmd::run(pub_on(
        &broker,
        home.path(),
        &["-t", "e/f", "-f", empty.to_str().unwrap()],
    ))
    .expect_code(0);
    assert_eq!(sub.text(WAIT), "0\n");
}

#[test]
fn retained_message_reaches_a_later_subscriber() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    cmd::run(pub_on(
        &broker,
        home.path(),
        &["-t", "keep/me", "-m", "kept", "-r", "-q", "1"],
    ))
    .expect_code(0);
    let sub = Sub::start(&broker, "keep/me", &["-C", "1", "-F", "%r:%p"]);
    assert_eq!(sub.text(WAIT), "1:kept\n");
}

#[test]
fn will_is_published_when_the_client_dies() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "will/t", &["-C", "1", "-q", "1", "-F", "%q:%r:%p"]);
    let will = "-i willer -t x -l --will-topic will/t --will-payload gone --will-qos 1";
    let mut child = spawn_pub(&broker, home.path(), &will.split(' ').collect::<Vec<_>>());
    assert!(
        broker.wait_log("as willer", WAIT),
        "mqtt-pub did not connect:\n{}",
        broker.log()
    );
    child.kill().unwrap();
    crate::support::cmd::finish(child);
    assert_eq!(sub.text(WAIT), "1:0:gone\n");
}

#[test]
fn repeat_publishes_count_times_with_delay() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "rep", &["-C", "3", "-q", "1", "-F", "%p"]);
    let start = Instant::now();
    let a = "-t rep -m again -q 1 --repeat 3 --repeat-delay 0.2";
    cmd::run(pub_on(&broker, home.path(), &a.split(' ').collect::<Vec<_>>())).expect_code(0);
    // Two delays between three messages: never shorter than 0.4 s.
    assert!(start.elapsed() >= Duration::from_millis(400), "{:?}", start.elapsed());
    assert_eq!(sub.text(WAIT), "again\nagain\nagain\n");
}

#[test]
fn url_gives_host_port_and_topic() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "url/a/b", &["-C", "1", "-F", "%t %p"]);
    let url = format!("mqtt://127.0.0.1:{}/url/a/b", broker.port);
    cmd::run(mqtt_pub(home.path(), &["-L", &url, "-m", "via-url"])).expect_code(0);
    assert_eq!(sub.text(WAIT), "url/a/b via-url\n");
}

#[test]
fn url_with_ipv6_literal() {
    let broker = Broker::start(BrokerConfig {
        extra: String::new(),
        ..Default::default()
    });
    // The test broker listens on 127.0.0.1 only: a [::1] URL must fail to
    // connect (exit 1), proving the literal was parsed rather than rejected.
    let home = tempfile::tempdir().unwrap();
    let url = format!("mqtt://[::1]:{}/t", broker.port);
    let r = cmd::run(mqtt_pub(home.path(), &["-L", &url, "-m", "x"]));
    r.expect_code(1);
    assert!(r.stderr().contains("[::1]"), "{}", r.stderr());
}

#[test]
fn jsonl_publishes_to_many_topics_with_per_line_settings() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "j/#", &["-C", "4", "-q", "2", "-F", "%t:%q:%r:%x"]);
    let input = concat!(
        r#"{"topic":"j/a","payload":"text"}"#,
        "\n",
        r#"{"topic":"j/b","payload_base64":"AAH/","qos":2}"#,
        "\n",
        r#"{"payload":"default topic","retain":false}"#,
        "\n",
        r#"{"tst":"2026-11-25T00:00:00.000000+0000","topic":"j/c","qos":1,"retain":false,"payloadlen":0,"mid":1,"payload":null}"#,
        "\n",
    );
    let mut c = pub_on(&broker, home.path(), &["--jsonl", "-t", "j/default", "-q", "1"]);
    c.write_stdin(input);
    cmd::run(c).expect_code(0);
    let out = sub.text(WAIT);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "j/a:1:0:74657874",
            "j/b:2:0:0001ff",
            "j/c:1:0:",
            &format!("j/default:1:0:{}", hex(b"default topic"))
        ]
    );
}

#[test]
fn jsonl_bad_line_stops_with_its_number() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "jb", &["-C", "1", "-q", "1", "-F", "%p"]);
    let mut c = pub_on(&broker, home.path(), &["--jsonl", "-t", "jb", "-q", "1"]);
    c.write_stdin("{\"payload\":\"first\"}\n{oops\n{\"payload\":\"never\"}\n");
    let r = cmd::run(c);
    r.expect_code(1);
    assert!(r.stderr().contains("--jsonl line 2"), "{}", r.stderr());
    assert!(r.stderr().contains("1 of 1 messages confirmed"), "{}", r.stderr());
    assert_eq!(sub.text(WAIT), "first\n");
}

#[test]
fn v5_properties_reach_a_v5_subscriber() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(
        &broker,
        "props",
        &["-V", "5", "-C", "1", "-q", "1", "-F", "%C|%F|%R|%D|%P|%p|%E"],
    );
    let a = "-t props -m payload -q 1 -D publish content-type text/plain \
             -D publish payload-format-indicator 1 -D publish response-topic reply/here \
             -D publish correlation-data corr-123 -D publish user-property k1 v1 \
             -D publish user-property k2 v2 -D publish message-expiry-interval 3600 \
             -D connect user-property who test";
    cmd::run(pub_on(&broker, home.path(), &a.split_whitespace().collect::<Vec<_>>())).expect_code(0);
    let out = sub.text(WAIT);
    let (fixed, expiry) = out.trim_end().rsplit_once('|').unwrap();
    assert_eq!(fixed, "text/plain|1|reply/here|corr-123|k1:v1 k2:v2|payload");
    let expiry: u32 = expiry.parse().unwrap();
    assert!((3590..=3600).contains(&expiry), "{expiry}");
}

#[test]
fn debug_lines_follow_mosquitto() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let a = ["-d", "-q", "2", "-i", "myid", "-r", "-t", "d/t", "-m", "hello"];
    let r = cmd::run(pub_on(&broker, home.path(), &a));
    r.expect_code(0);
    assert_eq!(
        r.stdout(),
        "Client myid sending CONNECT\n\
         Client myid received CONNACK (0)\n\
         Client myid sending PUBLISH (d0, q2, r1, m1, 'd/t', ... (5 bytes))\n\
         Client myid received PUBREC (Mid: 1)\n\
         Client myid sending PUBREL (m1)\n\
         Client myid received PUBCOMP (Mid: 1, RC:0)\n\
         Client myid sending DISCONNECT\n"
    );
    let r = cmd::run(pub_on(&broker, home.path(), &["-d", "-t", "d/t", "-m", "hello"]));
    assert_eq!(
        r.stdout(),
        "Client null sending CONNECT\n\
         Client (null) received CONNACK (0)\n\
         Client null sending PUBLISH (d0, q0, r0, m1, 'd/t', ... (5 bytes))\n\
         Client null sending DISCONNECT\n"
    );
}

#[test]
fn connect_retry_waits_for_a_late_broker() {
    // Hold the port until the broker starts (another test's broker must not
    // take it meanwhile): a listener that hangs up on every connection, as a
    // broker that is still starting might.
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let holding = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (attempt, attempts) = std::sync::mpsc::channel();
    let holder = {
        let holding = holding.clone();
        std::thread::spawn(move || {
            while holding.load(std::sync::atomic::Ordering::Relaxed) {
                if listener.accept().is_ok() {
                    let _ = attempt.send(());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let home = tempfile::tempdir().unwrap();
    let p = port.to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqtt-pub"))
        .env("HOME", home.path())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &p,
            "-t",
            "late",
            "-m",
            "made it",
            "-q",
            "1",
            "--connect-retry",
            "30s",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Hung up on three times, it keeps trying.
    for _ in 0..3 {
        attempts.recv_timeout(WAIT).expect("mqtt-pub tried to connect");
    }
    assert!(child.try_wait().unwrap().is_none(), "gave up before the broker started");
    holding.store(false, std::sync::atomic::Ordering::Relaxed);
    holder.join().unwrap();
    let broker = Broker::start(BrokerConfig {
        port: Some(port),
        ..Default::default()
    });
    let status = crate::support::cmd::finish(child).status;
    assert!(status.success());
    assert!(broker.wait_log("Received PUBLISH from", WAIT), "{}", broker.log());

    // And at the deadline it gives up with exit 1 and says so.
    drop(broker);
    let r = cmd::run(mqtt_pub(
        home.path(),
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &p,
            "-t",
            "late",
            "-m",
            "x",
            "--connect-retry",
            "300ms",
        ],
    ));
    r.expect_code(1);
    assert!(r.stderr().contains("--connect-retry"), "{}", r.stderr());
}

#[test]
fn v5_refused_publish_is_not_success() {
    let cfg = BrokerConfig {
        acl: Some("user aa\ntopic write allowed/#\n".into()),
        ..BrokerConfig::with_users(&[("aa", "secret")])
    };
    let broker = Broker::start(cfg);
    let home = tempfile::tempdir().unwrap();
    let creds = ["-u", "aa", "-P", "secret", "-V", "5", "-q", "1"];
    let ok = cmd::run(pub_on(
        &broker,
        home.path(),
        &[&creds[..], &["-t", "allowed/x", "-m", "y"]].concat(),
    ));
    ok.expect_code(0);
    let denied = cmd::run(pub_on(
        &broker,
        home.path(),
        &[&creds[..], &["-t", "denied", "-m", "y"]].concat(),
    ));
    assert_eq!(denied.code(), 135, "{}\n{}", denied.stderr(), broker.log());
    assert!(
        denied.stderr().contains("Warning: Publish 1 failed: Not authorized."),
        "{}",
        denied.stderr()
    );
    // QoS 2: refused at PUBREC.
    let creds2 = [
        "-u", "aa", "-P", "secret", "-V", "5", "-q", "2", "-t", "denied", "-m", "y",
    ];
    let denied = cmd::run(pub_on(&broker, home.path(), &creds2));
    assert_eq!(denied.code(), 135, "{}\n{}", denied.stderr(), broker.log());
    assert!(
        denied.stderr().contains("failed: Not authorized."),
        "{}",
        denied.stderr()
    );
}

#[test]
fn connection_lost_with_messages_outstanding_exits_7() {
    let mut broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let args = ["-i", "loser", "-t", "lost", "-l", "-q", "1"];
    let (mut child, lines) = crate::support::cmd::spawn_debug(&broker, home.path(), &args);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"one\ntwo\n").unwrap();
    stdin.flush().unwrap();
    // Both acknowledged; the input stays open, so the loss is of the rest of it.
    crate::support::cmd::wait_for_n(&lines, "received PUBACK", 2);
    broker.kill();
    let out = crate::support::cmd::finish(child);
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("The connection was lost"), "{stderr}");
    assert!(
        stderr.contains("2 of 2 messages confirmed, 0 unconfirmed; the rest of the input was not sent"),
        "{stderr}"
    );
}

#[test]
fn unix_socket_with_unix_or_port_zero() {
    let broker = Broker::start(BrokerConfig {
        unix_socket: true,
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    let sock = broker.socket();
    let sock = sock.to_str().unwrap();
    let sub = Sub::start(&broker, "unix", &["-C", "2", "-q", "1", "-F", "%p"]);
    let via_unix = ["--unix", sock, "-t", "unix", "-m", "via --unix", "-q", "1"];
    cmd::run(mqtt_pub(home.path(), &via_unix)).expect_code(0);
    let via_port_0 = ["-h", sock, "-p", "0", "-t", "unix", "-m", "via -p 0", "-q", "1"];
    cmd::run(mqtt_pub(home.path(), &via_port_0)).expect_code(0);
    assert_eq!(sub.text(WAIT), "via --unix\nvia -p 0\n");
}

#[test]
fn id_prefix_appends_the_process_id() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let r = cmd::run(pub_on(
        &broker,
        home.path(),
        &["-I", "pre-", "-t", "x", "-m", "y", "-d"],
    ));
    r.expect_code(0);
    let first = r.stdout().lines().next().unwrap().to_string();
    let id = first
        .strip_prefix("Client ")
        .unwrap()
        .strip_suffix(" sending CONNECT")
        .unwrap()
        .to_string();
    assert!(id.starts_with("pre-") && id[4..].parse::<u32>().is_ok(), "{first}");
    assert!(broker.log().contains(&format!("as {id} ")), "{}", broker.log());
}

#[test]
fn persistent_sessions_resume_across_runs_and_versions() {
    let broker = Broker::start(BrokerConfig {
        persistence: true,
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    for v in ["311", "5"] {
        let a = ["-c", "-i", "keeper", "-V", v, "-t", "s", "-m", "x", "-q", "1"];
        cmd::run(pub_on(&broker, home.path(), &a)).expect_code(0);
    }
    let a = "-c -i keeper5 -V 5 -x 60 -t s -m x -q 1";
    cmd::run(pub_on(&broker, home.path(), &a.split(' ').collect::<Vec<_>>())).expect_code(0);
    assert!(broker.log().contains("as keeper5 (p5, c0, k60)"), "{}", broker.log());
    // The client side of the session is kept for the next run...
    let state = home.path().join(format!(
        ".local/state/mqttkit/sessions/v5-127.0.0.1%3A{}-keeper5",
        broker.port
    ));
    assert!(state.exists(), "{state:?}");
    // ... and a run with another in-flight limit is told how to proceed.
    let a = "-c -i keeper5 -V 5 -x 60 -M 5 -t s -m x";
    let r = cmd::run(pub_on(&broker, home.path(), &a.split(' ').collect::<Vec<_>>()));
    r.expect_code(1);
    assert!(
        r.stderr()
            .contains("was saved with -M 20; run with -M 20 or delete the file"),
        "{}",
        r.stderr()
    );
}

#[test]
fn v5_will_properties_and_the_assigned_client_id() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "will/v5", &["-V", "5", "-C", "1", "-F", "%p|%C|%P|%R"]);
    let args = "-V 5 -t x -l --will-topic will/v5 --will-payload bye -i v5willer \
                -D will content-type text/bye -D will user-property why crash -D will response-topic r/t";
    let mut child = spawn_pub(&broker, home.path(), &args.split_whitespace().collect::<Vec<_>>());
    assert!(broker.wait_log("as v5willer", WAIT), "{}", broker.log());
    child.kill().unwrap();
    crate::support::cmd::finish(child);
    assert_eq!(sub.text(WAIT), "bye|text/bye|why:crash|r/t\n");
    // -d shows the id the broker assigned.
    let r = cmd::run(pub_on(&broker, home.path(), &["-V", "5", "-d", "-t", "x", "-m", "y"]));
    r.expect_code(0);
    let connack = r.stdout().lines().nth(1).unwrap().to_string();
    assert!(
        connack.starts_with("Client auto-") && connack.ends_with(" received CONNACK (0)"),
        "{connack}"
    );
}

#[test]
fn v5_topic_alias_with_repeat() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::start(&broker, "alias/t", &["-V", "5", "-C", "3", "-q", "1", "-F", "%t %p"]);
    let args = "-V 5 -t alias/t -m aliased -q 1 --repeat 3 -D publish topic-alias 1";
    cmd::run(pub_on(&broker, home.path(), &args.split(' ').collect::<Vec<_>>())).expect_code(0);
    assert_eq!(sub.text(WAIT), "alias/t aliased\nalias/t aliased\nalias/t aliased\n");
}
