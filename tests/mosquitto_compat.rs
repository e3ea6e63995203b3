//! Drop-in compatibility: MQTT 3.1 through pub, sub and rr; mqtt-rr on
//! MQTT 3.1.1; mosquitto's usage texts under mosquitto's names (and clap's
//! under ours); `-D` values that start with '-'; subscription identifiers in
//! the output; `--proxy` through SOCKS5 and HTTP proxies the tests start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use std::io::Write;

use crate::support::cmd::spawn_rr;
use crate::support::fake::{FakeBroker, read_packet};
use crate::support::proxy::{Kind, Proxy};
use crate::support::ws::WsBridge;
use crate::support::{Broker, Sub, cmd, pub_on};

const WAIT: Duration = Duration::from_secs(20);

/// `dir/NAME` as a symlink to our binary, so it runs under mosquitto's name.
fn as_mosquitto(dir: &Path, name: &str, ours: &str) -> PathBuf {
    let link = dir.join(name);
    if !link.exists() {
        std::os::unix::fs::symlink(ours, &link).unwrap();
    }
    link
}

#[test]
fn mqtt_31_and_311_through_pub_sub_and_rr() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    for v in ["31", "311"] {
        let topic = format!("v{v}/t");
        let sub = Sub::mqtt_sub(&broker, home.path(), &topic, &["-V", v, "-q", "1", "-C", "1", "-v"]);
        // No -i: MQTT 3.1 needs an id of its own making.
        cmd::run(pub_on(
            &broker,
            home.path(),
            &["-V", v, "-q", "1", "-t", &topic, "-m", "hello"],
        ))
        .expect_code(0);
        assert_eq!(sub.text(WAIT), format!("{topic} hello\n"));

        // mqtt-rr: the first message on the response topic is the answer.
        let (req, resp) = (format!("v{v}/req"), format!("v{v}/resp"));
        let responder = Sub::mqtt_sub(&broker, home.path(), &req, &["-V", v, "-C", "1"]);
        let rr = spawn_rr(
            &broker,
            home.path(),
            &["-V", v, "-t", &req, "-e", &resp, "-m", "ping", "-W", "10"],
        );
        assert_eq!(responder.text(WAIT), "ping\n");
        cmd::run(pub_on(&broker, home.path(), &["-V", v, "-t", &resp, "-m", "pong"])).expect_code(0);
        let out = crate::support::cmd::finish(rr);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "pong\n");
    }
    // mosquitto 2.0 logs the protocol as p1 (3.1) and p2 (3.1.1); our
    // generated 3.1 ids look like libmosquitto's.
    let log = broker.log();
    let v31: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("New client connected") && l.contains("(p1,"))
        .collect();
    assert_eq!(v31.len(), 5, "sub, pub, responder, rr and the answer over 3.1:\n{log}");
    assert!(v31.iter().any(|l| l.contains(" as mosq-")), "{log}");
    assert_eq!(log.matches("(p2,").count(), 5, "{log}");
}

#[test]
fn mqtt_31_over_websockets() {
    let broker = Broker::anonymous();
    let ws = WsBridge::start(broker.port, None);
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "ws31/t", &["-C", "1"]);
    let port = ws.port.to_string();
    let args = [
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "--ws",
        "-V",
        "31",
        "-q",
        "2",
        "-t",
        "ws31/t",
        "-m",
        "x",
    ];
    cmd::run(crate::support::mqtt_pub(home.path(), &args)).expect_code(0);
    assert_eq!(sub.text(WAIT), "x\n");
    assert!(broker.log().contains("(p1,"), "{}", broker.log());
}

/// Run `program` with `args`; (exit code, stdout, stderr).
fn run(program: &Path, args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let out = cmd::run({
        let mut c = cmd::binary(program, home.path());
        c.args(args);
        c
    });
    (out.code(), out.stdout(), out.stderr())
}

#[test]
fn usage_errors_in_mosquittos_words_under_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let bin = |name: &str, ours: &str| as_mosquitto(dir.path(), name, ours);
    let pub_ = bin("mosquitto_pub", env!("CARGO_BIN_EXE_mqtt-pub"));
    let sub = bin("mosquitto_sub", env!("CARGO_BIN_EXE_mqtt-sub"));
    let rr = bin("mosquitto_rr", env!("CARGO_BIN_EXE_mqtt-rr"));
    let passwd = bin("mosquitto_passwd", env!("CARGO_BIN_EXE_mqtt-passwd"));
    let use_ = |name: &str| format!("\nUse '{name} --help' to see usage.\n");
    let cases: &[(&Path, &[&str], String)] = &[
        (
            &pub_,
            &["-p"],
            "Error: -p argument given but no port specified.\n\n".to_string(),
        ),
        (
            &pub_,
            &["--qos"],
            "Error: -q argument given but no QoS specified.\n\n".to_string(),
        ),
        (&pub_, &["-C", "1"], "Error: Unknown option '-C'.\n".to_string()),
        (&pub_, &["-q", "3"], "Error: Invalid QoS given: 3\n".to_string()),
        (
            &pub_,
            &["-t", "a/+"],
            "Error: Invalid publish topic 'a/+', does it contain '+' or '#'?\n".to_string(),
        ),
        (
            &pub_,
            &["-V", "5", "-D", "connect", "receive-maximum", "-1"],
            "Error: Property value (-1) out of range for property receive-maximum.\n\n".to_string(),
        ),
        (
            &pub_,
            &["--psk", "key"],
            "Error: --psk-identity required if --psk used.\n".to_string(),
        ),
        (
            &sub,
            &["-T"],
            "Error: -T argument given but no topic filter specified.\n\n".to_string(),
        ),
        (&sub, &["-l"], "Error: Unknown option '-l'.\n".to_string()),
        (
            &sub,
            &["-C", "0"],
            "Error: Invalid message count \"0\".\n\n".to_string(),
        ),
        (
            &rr,
            &["-e"],
            "Error: -e argument given but no response topic specified.\n\n".to_string(),
        ),
        (&rr, &["-r"], "Error: Unknown option '-r'.\n".to_string()),
        (
            &pub_,
            &["-t", "", "-m", "x"],
            "Error: Invalid publish topic '', does it contain '+' or '#'?\n".to_string(),
        ),
        (
            &rr,
            &["-e", "t/#"],
            "Error: Invalid response topic 't/#', does it contain '+' or '#'?\n".to_string(),
        ),
    ];
    for (program, args, first) in cases {
        let name = program.file_name().unwrap().to_str().unwrap();
        let (code, _, stderr) = run(program, args);
        assert_eq!(code, 1, "{name} {args:?}");
        assert_eq!(stderr, format!("{first}{}", use_(name)), "{name} {args:?}");
    }
    let (code, _, stderr) = run(&passwd, &["-H"]);
    assert_eq!(
        (code, stderr.as_str()),
        (1, "Error: -H argument given but not enough other arguments.\n")
    );
    // --help and --version: the text on stdout, status 1, as mosquitto.
    for program in [&pub_, &sub, &rr] {
        for flag in ["--help", "--version"] {
            let (code, stdout, _) = run(program, &[flag]);
            assert_eq!(code, 1, "{} {flag}", program.display());
            assert!(!stdout.is_empty());
        }
    }
}

#[test]
fn usage_errors_keep_clear_wording_under_our_names() {
    let (code, _, stderr) = run(Path::new(env!("CARGO_BIN_EXE_mqtt-pub")), &["-p"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: A value is required for '--port <PORT>'"),
        "{stderr}"
    );
    assert!(stderr.ends_with("Use 'mqtt-pub --help' to see usage.\n"), "{stderr}");
    let (code, stdout, _) = run(Path::new(env!("CARGO_BIN_EXE_mqtt-sub")), &["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Usage:"));
}

#[test]
fn property_values_may_start_with_a_dash_and_options_follow() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "dash/t", &["-V", "5", "-C", "1", "-F", "%P|%p"]);
    let args = [
        "-D",
        "publish",
        "user-property",
        "-k",
        "-v",
        "-D",
        "publish",
        "content-type",
        "-x",
        "-t",
        "dash/t",
        "-m",
        "m",
    ];
    cmd::run(pub_on(&broker, home.path(), &args)).expect_code(0);
    assert_eq!(sub.text(WAIT), "-k:-v|m\n");
}

#[test]
fn subscription_identifiers_are_shown() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let id = ["-V", "5", "-C", "1", "-D", "subscribe", "subscription-identifier", "99"];
    let j = Sub::mqtt_sub(&broker, home.path(), "sid/#", &[&id[..], &["-F", "%j|%S"]].concat());
    let json = Sub::mqtt_sub(&broker, home.path(), "sid/+", &[&id[..], &["--json"]].concat());
    cmd::run(pub_on(&broker, home.path(), &["-V", "5", "-t", "sid/a", "-m", "hi"])).expect_code(0);
    let j = j.text(WAIT);
    assert!(j.contains(r#""properties":{"subscription-identifier":99}"#), "{j}");
    assert!(j.trim_end().ends_with("|99"), "{j}");
    let json = json.text(WAIT);
    assert!(json.contains(r#""subscription-identifiers":[99]"#), "{json}");
}

#[test]
fn proxies_socks5_and_http_connect_for_tcp_and_websockets() {
    let broker = Broker::anonymous();
    let ws = WsBridge::start(broker.port, None);
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "px/t", &["-C", "4"]);
    for kind in [Kind::Socks5, Kind::Http] {
        let proxy = Proxy::start(kind, Some(("user", "pass:word")));
        let url = proxy.url(kind, "user:pass%3Aword@");
        let (port, ws_port) = (broker.port.to_string(), ws.port.to_string());
        for (p, ws_flag) in [(&port, None), (&ws_port, Some("--ws"))] {
            let mut args = vec![
                "-h",
                "127.0.0.1",
                "-p",
                p,
                "--proxy",
                &url,
                "-q",
                "1",
                "-t",
                "px/t",
                "-m",
                "via",
            ];
            args.extend(ws_flag);
            cmd::run(crate::support::mqtt_pub(home.path(), &args)).expect_code(0);
        }
        let expected = [format!("127.0.0.1:{port}"), format!("127.0.0.1:{ws_port}")];
        assert_eq!(proxy.targets(), expected);

        // Wrong password: a clear error, exit 1.
        let bad = proxy.url(kind, "user:nope@");
        let r = cmd::run(crate::support::mqtt_pub(
            home.path(),
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "--proxy",
                &bad,
                "-t",
                "px/t",
                "-m",
                "no",
            ],
        ));
        r.expect_code(1);
        assert!(r.stderr().contains("proxy"), "{}", r.stderr());
    }
    assert_eq!(sub.text(WAIT), "via\nvia\nvia\nvia\n");
    let r = cmd::run(crate::support::mqtt_pub(
        home.path(),
        &["--proxy", "socks4://h", "-t", "t", "-m", "x"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr().starts_with("Error: Unsupported proxy protocol: socks4://h"),
        "{}",
        r.stderr()
    );
}

/// A broker that answers CONNECT (with `connack`) and returns the body of
/// the CONNECT followed by the body of the first PUBLISH (QoS 0).
fn capture(connack: &'static [u8]) -> FakeBroker {
    FakeBroker::start(move |mut s| {
        let (_, mut seen) = read_packet(&mut s).expect("CONNECT");
        s.write_all(connack).unwrap();
        let (kind, publish) = read_packet(&mut s).expect("PUBLISH");
        assert_eq!(kind >> 4, 3, "{kind:#x} {publish:?}");
        seen.extend(publish);
        seen
    })
}

/// mqtt-pub at a fake broker, with `args` split at spaces.
fn pub_to(fake: &FakeBroker, args: &str) -> cmd::Run {
    let home = tempfile::tempdir().unwrap();
    let port = fake.port.to_string();
    let mut all = vec!["-h", "127.0.0.1", "-p", &port];
    all.extend(args.split_whitespace());
    cmd::run(crate::support::mqtt_pub(home.path(), &all))
}

#[test]
fn mqtt_31_connect_on_the_wire() {
    let fake = capture(&[0x20, 2, 0, 0]);
    pub_to(&fake, "-V 31 -t t -m m -k 30").expect_code(0);
    let seen = fake.finish();
    // MQIsdp, level 3, clean session, keep-alive 30, then a 23-byte "mosq-..." id.
    assert_eq!(&seen[..12], b"\x00\x06MQIsdp\x03\x02\x00\x1e");
    assert_eq!(&seen[12..14], &[0, 23]);
    assert!(seen[14..].starts_with(b"mosq-"));
}

#[test]
fn publish_properties_in_command_line_order() {
    let fake = capture(&[0x20, 3, 0, 0, 0]);
    let props = "-D publish user-property a b -D publish content-type c -D publish message-expiry-interval 59 \
                 -D publish user-property d e -D publish payload-format-indicator 1";
    pub_to(&fake, &format!("-i order -t t -m m {props}")).expect_code(0);
    let seen = fake.finish();
    let props: &[u8] = b"\x26\x00\x01a\x00\x01b\x03\x00\x01c\x02\x00\x00\x00\x3b\x26\x00\x01d\x00\x01e\x01\x01";
    let publish = [&[0, 1, b't', props.len() as u8][..], props, b"m"].concat();
    assert!(seen.ends_with(&publish), "{seen:?}");
}

/// A v5 broker that takes one SUBSCRIBE and sends `publishes` (whole packets).
fn sends(publishes: Vec<Vec<u8>>) -> FakeBroker {
    FakeBroker::start(move |mut s| {
        read_packet(&mut s).expect("CONNECT");
        s.write_all(&[0x20, 3, 0, 0, 0]).unwrap();
        let (_, sub) = read_packet(&mut s).expect("SUBSCRIBE");
        s.write_all(&[0x90, 4, sub[0], sub[1], 0, 0]).unwrap();
        for p in publishes {
            s.write_all(&p).unwrap();
        }
        read_packet(&mut s); // DISCONNECT
        Vec::new()
    })
}

/// A QoS 0 v5 PUBLISH of "m" with `props`.
fn v5_publish(topic: &str, props: &[u8]) -> Vec<u8> {
    let mut body = (topic.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(topic.as_bytes());
    body.push(props.len() as u8);
    body.extend_from_slice(props);
    body.push(b'm');
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn every_received_property_is_shown_topic_alias_and_several_identifiers_too() {
    // Topic alias 1 set with the topic, subscription identifiers 5 and 7,
    // message expiry 30; then a PUBLISH by alias only.
    let props = b"\x23\x00\x01\x0b\x05\x0b\x07\x02\x00\x00\x00\x1e";
    let packets = || vec![v5_publish("fa/t", props), v5_publish("", b"\x23\x00\x01")];
    let run = |fake: &FakeBroker, output: &[&str]| {
        let home = tempfile::tempdir().unwrap();
        let port = fake.port.to_string();
        let mut args = vec![
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-i",
            "aliases",
            "-t",
            "fa/#",
            "-V",
            "5",
            "-C",
            "2",
        ];
        args.extend(["-D", "connect", "topic-alias-maximum", "10"]);
        args.extend(output);
        let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-sub"), home.path());
        c.args(&args);
        let r = cmd::run(c);
        r.expect_code(0);
        r.stdout()
    };
    let fake = sends(packets());
    let out = run(&fake, &["-F", "%t|%A|%E|%S|%j"]);
    fake.finish();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("fa/t|1|30|5|{"), "{out}");
    assert!(
        lines[0].contains(
            // In the order the broker sent them, as mosquitto_sub prints them.
            r#""properties":{"topic-alias":1,"subscription-identifier":5,"subscription-identifier":7,"message-expiry-interval":30}"#
        ),
        "{out}"
    );
    assert!(
        lines[1].starts_with("fa/t|1|||{"),
        "the alias resolved to its topic: {out}"
    );

    let fake = sends(packets());
    let out = run(&fake, &["--json"]);
    fake.finish();
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["properties"],
        serde_json::json!({"message-expiry-interval": 30, "topic-alias": 1, "subscription-identifiers": [5, 7]})
    );
}

#[test]
fn watch_gives_each_topic_its_line() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "w/#", &["-w", "-v", "-C", "3"]);
    for (t, m) in [("w/a", "1"), ("w/b", "2"), ("w/a", "3")] {
        cmd::run(pub_on(&broker, home.path(), &["-t", t, "-m", m])).expect_code(0);
    }
    let expected = "\x1b[2J\x1b[1;1HBroker: 127.0.0.1\n\
                    \x1b[2;1Hw/a 1\n\x1b[2;1H\n\
                    \x1b[3;1Hw/b 2\n\x1b[3;1H\n\
                    \x1b[2;1Hw/a 3\n\x1b[3;1H\n";
    assert_eq!(sub.text(WAIT), expected);
}

#[test]
fn no_tls_drops_tls_options_from_the_defaults_file() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("mqtt-pub"), "--cafile /nonexistent/ca.pem\n").unwrap();
    let r = cmd::run(pub_on(&broker, home.path(), &["-t", "t", "-m", "x"]));
    r.expect_code(1);
    assert!(r.stderr().contains("File not found"), "{}", r.stderr());
    cmd::run(pub_on(&broker, home.path(), &["-t", "t", "-m", "x", "--no-tls"])).expect_code(0);
}

/// The subscription options byte of the SUBSCRIBE a subscriber sends to a
/// fake MQTT 5 broker, which then ends the run with one message.
fn subscription_options(program: &Path, args: &[&str]) -> u8 {
    let fake = FakeBroker::start(|mut s| {
        read_packet(&mut s).expect("CONNECT");
        s.write_all(&[0x20, 3, 0, 0, 0]).unwrap();
        let (_, sub) = read_packet(&mut s).expect("SUBSCRIBE");
        s.write_all(&[0x90, 4, sub[0], sub[1], 0, 0]).unwrap();
        s.write_all(&v5_publish("rh", b"")).unwrap();
        read_packet(&mut s); // DISCONNECT
        sub
    });
    let port = fake.port.to_string();
    let home = tempfile::tempdir().unwrap();
    let mut c = cmd::binary(program, home.path());
    // An id of our own: a CONNACK to an empty one must assign one.
    c.args([
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-V",
        "5",
        "-C",
        "1",
        "-W",
        "10",
        "-t",
        "rh",
        "-i",
        "rh",
    ])
    .args(args);
    cmd::run(c).expect_code(0);
    let sub = fake.finish();
    // Packet id, no properties, the topic, then the options.
    assert_eq!(sub[2], 0, "{sub:?}");
    assert_eq!(&sub[3..7], b"\x00\x02rh", "{sub:?}");
    sub[7]
}

#[test]
fn retain_handling_goes_on_the_wire() {
    let sub = Path::new(env!("CARGO_BIN_EXE_mqtt-sub"));
    for (args, options) in [
        (&[][..], 0x00),
        (&["--retain-handling", "always"], 0x00),
        (&["--retain-handling", "new"], 0x10),
        (&["--retain-handling", "never"], 0x20),
        (&["-R"], 0x20),
        (&["--retain-handling", "new", "--retain-as-published"], 0x18),
    ] {
        assert_eq!(subscription_options(sub, args), options, "{args:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, ours, extra) in [
        ("mosquitto_sub", env!("CARGO_BIN_EXE_mqtt-sub"), &[][..]),
        (
            "mosquitto_rr",
            env!("CARGO_BIN_EXE_mqtt-rr"),
            &["-t", "a", "-e", "b", "-m", "x"],
        ),
    ] {
        let link = as_mosquitto(dir.path(), name, ours);
        let mut args = vec!["--retain-handling", "sometimes"];
        args.extend(extra);
        let (code, _, stderr) = run(&link, &args);
        assert_eq!(
            (code, stderr),
            (
                1,
                format!(
                    "Error: Unknown value 'sometimes' for --retain-handling.\n\n\nUse '{name} --help' to see usage.\n"
                )
            )
        );
        let (code, _, stderr) = run(&link, &["--retain-handling"]);
        assert_eq!(
            (code, stderr),
            (
                1,
                format!(
                    "Error: --retain-handling argument given but no option specified.\n\n\nUse '{name} --help' to see usage.\n"
                )
            )
        );
    }
}

#[test]
fn rr_latency_is_printed_after_the_response() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let responder = Sub::mqtt_sub(&broker, home.path(), "lat/req", &["-C", "1"]);
    let rr = spawn_rr(
        &broker,
        home.path(),
        &["-t", "lat/req", "-e", "lat/resp", "-m", "ping", "--latency", "-W", "10"],
    );
    assert_eq!(responder.text(WAIT), "ping\n");
    cmd::run(pub_on(
        &broker,
        home.path(),
        &["-V", "5", "-t", "lat/resp", "-m", "pong"],
    ))
    .expect_code(0);
    let out = crate::support::cmd::finish(rr);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let latency = stdout.strip_prefix("pong\nLatency: ").expect(&stdout);
    let (number, unit) = latency.trim_end().split_at(
        latency
            .trim_end()
            .find(|c: char| c.is_alphabetic())
            .unwrap_or(latency.trim_end().len()),
    );
    assert!(
        number.parse::<f64>().is_ok() && ["ns", "µs", "ms", ""].contains(&unit),
        "{stdout}"
    );
    assert!(stdout.ends_with('\n') && stdout.lines().count() == 2, "{stdout}");
}

#[test]
fn message_rate_counts_instead_of_printing() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "rate/#",
        &["--message-rate", "-W", "3", "-C", "2"],
    );
    let mut c = pub_on(&broker, home.path(), &["-t", "rate/a", "-l", "-q", "1"]);
    c.write_stdin("1\n2\n3\n4\n5\n");
    cmd::run(c).expect_code(0);
    let ended = sub.finish(WAIT);
    // -C is never reached: no message is printed, -W ends the run.
    assert_eq!(ended.code, Some(27), "{}", ended.stderr);
    let out = String::from_utf8(ended.stdout).unwrap();
    let counts: Vec<u64> = out
        .lines()
        .map(|l| l.strip_suffix(" msgs/s").expect(l).parse().unwrap())
        .collect();
    assert!(counts.len() >= 2, "{out}");
    assert_eq!(counts.iter().sum::<u64>(), 5, "{out}");
}

#[test]
fn what_is_missing_comes_before_what_is_checked_at_connect() {
    let dir = tempfile::tempdir().unwrap();
    let pub_ = as_mosquitto(dir.path(), "mosquitto_pub", env!("CARGO_BIN_EXE_mqtt-pub"));
    let sub = as_mosquitto(dir.path(), "mosquitto_sub", env!("CARGO_BIN_EXE_mqtt-sub"));
    // mosquitto_pub: the sentence alone on stderr, its usage on stdout.
    let (_, help, _) = run(&pub_, &["--help"]);
    for args in [
        &["-t", "a"][..],
        &["-t", "a", "--cafile", "/nonexistent"],
        &["-m", "x", "-A", "nowhere"],
    ] {
        let (code, stdout, stderr) = run(&pub_, args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(stderr, "Error: Both topic and message must be supplied.\n", "{args:?}");
        assert_eq!(stdout, help, "{args:?}");
    }
    let (code, _, stderr) = run(&sub, &["--cafile", "/nonexistent", "-i", ""]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("Error: You must specify a topic"), "{stderr}");
    // With the topic there, the connect-time check speaks (before any connection).
    let (code, _, stderr) = run(&sub, &["-t", "a", "-i", "", "-p", "1"]);
    assert_eq!(
        (code, stderr.as_str()),
        (1, "Error: Invalid id and/or clean_session.\n")
    );
    // Under our name, clap's and our clearer words remain.
    let (code, stdout, stderr) = run(Path::new(env!("CARGO_BIN_EXE_mqtt-pub")), &["-t", "a"]);
    assert_eq!(code, 1);
    assert!(
        stdout.is_empty() && stderr.contains("Use 'mqtt-pub --help'"),
        "{stderr}"
    );
}

#[test]
fn options_files_under_mosquittos_names_are_read_as_mosquitto_2_1_reads_them() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sub = as_mosquitto(dir.path(), "mosquitto_sub", env!("CARGO_BIN_EXE_mqtt-sub"));
    // A -o file that is not there is passed over (mqtt-sub refuses it).
    let (code, _, stderr) = run(&sub, &["-o", "/nonexistent"]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("Error: You must specify a topic"), "{stderr}");
    let (code, _, stderr) = run(
        Path::new(env!("CARGO_BIN_EXE_mqtt-sub")),
        &["-o", "/nonexistent", "-t", "a"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read options file /nonexistent"), "{stderr}");
    // -L on the command line replaces the defaults file's host and port.
    let config = home.path().join(".config");
    std::fs::create_dir_all(&config).unwrap();
    // (Were it not, the port would be 1, where nothing listens.)
    std::fs::write(config.join("mqtt-pub"), "-h 127.0.0.1\n-p 1\n-q 1\n").unwrap();
    let url = format!("mqtt://127.0.0.1:{}/cfg/url", broker.port);
    let s = Sub::mqtt_sub(&broker, home.path(), "cfg/url", &["-C", "1"]);
    cmd::run(crate::support::mqtt_pub(home.path(), &["-L", &url, "-m", "via url"])).expect_code(0);
    assert_eq!(s.text(WAIT), "via url\n");
}

#[test]
fn unsubscribing_alone_stays_under_mosquittos_name_and_leaves_under_ours() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sub = as_mosquitto(dir.path(), "mosquitto_sub", env!("CARGO_BIN_EXE_mqtt-sub"));
    let mut args: Vec<&str> = broker.addr_args().iter().map(String::as_str).collect();
    args.extend(["-U", "u/#", "-W", "1"]);
    let (code, _, stderr) = run(&sub, &args);
    assert_eq!((code, stderr.as_str()), (27, "Timed out\n"));
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-sub"), home.path());
    c.args(&args);
    cmd::run(c).expect_code(0);
}

#[test]
fn under_mosquittos_name_the_last_of_v_x_and_d_decides_the_version() {
    let broker = Broker::anonymous();
    let dir = tempfile::tempdir().unwrap();
    let pub_ = as_mosquitto(dir.path(), "mosquitto_pub", env!("CARGO_BIN_EXE_mqtt-pub"));
    let addr: Vec<&str> = broker.addr_args().iter().map(String::as_str).collect();
    for (id, order) in [
        ("v-x", &["-V", "311", "-x", "60"][..]),
        ("x-v", &["-x", "60", "-V", "311"]),
    ] {
        let mut args = addr.clone();
        args.extend(["-t", "vx", "-m", "x", "-i", id]);
        args.extend(order);
        let (code, _, stderr) = run(&pub_, &args);
        assert_eq!(code, 0, "{order:?}: {stderr}");
    }
    // mosquitto 2.0 logs the protocol as p2 (3.1.1) and p5.
    let log = broker.log();
    assert!(log.contains(" as v-x (p5,"), "{log}");
    assert!(log.contains(" as x-v (p2,"), "{log}");
    // Under our name the mix is an error.
    let mut args = addr.clone();
    args.extend(["-t", "vx", "-m", "x", "-V", "311", "-x", "60"]);
    let (code, _, stderr) = run(Path::new(env!("CARGO_BIN_EXE_mqtt-pub")), &args);
    assert_eq!(code, 1);
    assert!(stderr.contains("-x need MQTT v5"), "{stderr}");
}
