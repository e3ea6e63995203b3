//! mqtt-sub's output, byte for byte: the default, -v, -N, -F end to end,
//! %j/%J/--pretty, and --json round trips through mqtt-pub --jsonl.

use std::time::Duration;

use crate::support::{Broker, Sub, cmd, pub_on};

const WAIT: Duration = Duration::from_secs(20);

fn publish(broker: &Broker, home: &std::path::Path, args: &[&str]) {
    cmd::run(pub_on(broker, home, args)).expect_code(0);
}

/// `"tst":"<anything>"` → `"tst":"T"`, so JSON can be compared exactly.
fn no_tst(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\"tst\":") {
        let (head, tail) = rest.split_at(i + 6);
        out.push_str(head);
        let open = tail.find('"').unwrap();
        out.push_str(&tail[..open]);
        let close = open + 1 + tail[open + 1..].find('"').unwrap();
        out.push_str("\"T\"");
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn default_verbose_and_no_eol_modes() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &[u8])] = &[
        (&[], b"hello\n\x00bin\xff\n"),
        (&["-v"], b"o/t hello\no/t (null)\no/t \x00bin\xff\n"),
        (&["-N"], b"hello\x00bin\xff"),
        (&["-v", "-N"], b"o/t helloo/t \x00bin\xff"),
    ];
    let bin = home.path().join("bin");
    std::fs::write(&bin, b"\x00bin\xff").unwrap();
    for (flags, want) in cases {
        let args: Vec<&str> = ["-C", "3", "-q", "1"].iter().chain(flags.iter()).copied().collect();
        let sub = Sub::mqtt_sub(&broker, home.path(), "o/t", &args);
        publish(&broker, home.path(), &["-t", "o/t", "-m", "hello", "-q", "1"]);
        publish(&broker, home.path(), &["-t", "o/t", "-n", "-q", "1"]);
        publish(
            &broker,
            home.path(),
            &["-t", "o/t", "-f", bin.to_str().unwrap(), "-q", "1"],
        );
        let end = sub.finish(WAIT);
        assert_eq!(end.code, Some(0), "{flags:?}: {}", end.stderr);
        assert_eq!(
            end.stdout,
            *want,
            "{flags:?}: {:?}",
            String::from_utf8_lossy(&end.stdout)
        );
    }
}

#[test]
fn format_end_to_end_with_v5_properties() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let fmt = "%t|%p|%q|%r|%m|%l|%x|%C|%D|%F|%P|%R|%S|%I|%04l|\\t|@@";
    let args = [
        "-V",
        "5",
        "-q",
        "1",
        "-C",
        "1",
        "-F",
        fmt,
        "-D",
        "subscribe",
        "subscription-identifier",
        "56",
    ];
    let sub = Sub::mqtt_sub(&broker, home.path(), "fmt/test", &args);
    let props = "-V 5 -q 1 -t fmt/test -m message -D publish payload-format-indicator 1 \
                 -D publish message-expiry-interval 3600 -D publish content-type plain/text \
                 -D publish response-topic /dev/null -D publish correlation-data corr123 \
                 -D publish user-property name1 value1 -D publish user-property name2 value2";
    publish(&broker, home.path(), &props.split_whitespace().collect::<Vec<_>>());
    let end = sub.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    let out = String::from_utf8(end.stdout).unwrap();
    let fields: Vec<&str> = out.trim_end_matches('\n').split('|').collect();
    assert_eq!(
        fields[..13],
        [
            "fmt/test",
            "message",
            "1",
            "0",
            "1",
            "7",
            "6d657373616765",
            "plain/text",
            "corr123",
            "1",
            "name1:value1 name2:value2",
            "/dev/null",
            "56"
        ]
    );
    // %I in local time, TZ=UTC here.
    assert!(
        fields[13].ends_with("+0000") && fields[13].len() == 24,
        "{}",
        fields[13]
    );
    assert_eq!(fields[14..], ["0007", "\t", "@"]);
}

#[test]
fn json_conversions_and_pretty() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let sub = Sub::mqtt_sub(&broker, home.path(), "j/t", &["-q", "1", "-C", "2", "-F", "%j"]);
    publish(
        &broker,
        home.path(),
        &["-t", "j/t", "-q", "1", "-m", "quote\" back\\ nl\n tab\t é"],
    );
    publish(&broker, home.path(), &["-t", "j/t", "-n"]);
    let out = String::from_utf8(sub.output(WAIT)).unwrap();
    assert_eq!(
        no_tst(&out),
        concat!(
            r#"{"tst":"T","topic":"j/t","qos":1,"retain":false,"payloadlen":24,"mid":1,"payload":"quote\" back\\ nl\n tab\t é"}"#,
            "\n",
            r#"{"tst":"T","topic":"j/t","qos":0,"retain":false,"payloadlen":0,"payload":null}"#,
            "\n"
        )
    );

    let sub = Sub::mqtt_sub(&broker, home.path(), "j/J", &["-C", "2", "-F", "%J"]);
    publish(
        &broker,
        home.path(),
        &["-t", "j/J", "-m", r#"{"temperature":27.0,"humidity":57}"#],
    );
    publish(&broker, home.path(), &["-t", "j/J", "-m", "not json"]);
    let end = sub.finish(WAIT);
    let out = String::from_utf8(end.stdout).unwrap();
    assert_eq!(
        no_tst(&out),
        "{\"tst\":\"T\",\"topic\":\"j/J\",\"qos\":0,\"retain\":false,\"payloadlen\":34,\"payload\":{\"temperature\":27,\"humidity\":57}}\n\n"
    );
    assert_eq!(end.stderr, "Error: Message payload is not valid JSON on topic j/J.\n");

    let sub = Sub::mqtt_sub(
        &broker,
        home.path(),
        "j/p",
        &["-V", "5", "-C", "1", "-q", "1", "-F", "%j", "--pretty"],
    );
    let args = "-V 5 -q 1 -t j/p -m message -D publish content-type plain/text -D publish user-property k v";
    publish(&broker, home.path(), &args.split(' ').collect::<Vec<_>>());
    let out = String::from_utf8(sub.output(WAIT)).unwrap();
    assert_eq!(
        no_tst(&out),
        "{\n\t\"tst\":\t\"T\",\n\t\"topic\":\t\"j/p\",\n\t\"qos\":\t1,\n\t\"retain\":\tfalse,\n\t\"payloadlen\":\t7,\n\t\"mid\":\t1,\n\t\"properties\":\t{\n\t\t\"content-type\":\t\"plain/text\",\n\t\t\"user-properties\":\t[{\n\t\t\t\t\"k\":\t\"v\"\n\t\t\t}]\n\t},\n\t\"payload\":\t\"message\"\n}\n"
    );
}

#[test]
fn json_lines_round_trip_binary_payloads_through_mqtt_pub() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let binary: Vec<u8> = vec![0, 1, 0xff, b'\n', 0xfe, b'"'];
    let bin = home.path().join("bin");
    std::fs::write(&bin, &binary).unwrap();

    let capture = Sub::mqtt_sub(
        &broker,
        home.path(),
        "rt/#",
        &["-V", "5", "-q", "1", "-C", "3", "--json"],
    );
    publish(
        &broker,
        home.path(),
        &["-t", "rt/bin", "-f", bin.to_str().unwrap(), "-q", "1"],
    );
    publish(&broker, home.path(), &["-t", "rt/text", "-m", "héllo wörld", "-q", "1"]);
    let props = "-V 5 -t rt/props -m p -q 1 -D publish content-type c/t -D publish user-property a b \
                 -D publish correlation-data cd -D publish response-topic rt/resp";
    publish(&broker, home.path(), &props.split_whitespace().collect::<Vec<_>>());
    let end = capture.finish(WAIT);
    assert_eq!(end.code, Some(0), "{}", end.stderr);
    let lines = String::from_utf8(end.stdout).unwrap();
    assert!(lines.contains(r#""payload_base64":"AAH/Cv4i""#), "{lines}");
    for line in lines.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("valid JSON");
    }

    // Replay the capture and compare what arrives with the originals, byte for byte.
    let oracle = Sub::start(
        &broker,
        "rt/#",
        &["-V", "5", "-q", "1", "-C", "3", "-F", "%t %r %x %C %P %D %R"],
    );
    let mut c = pub_on(&broker, home.path(), &["--jsonl", "-V", "5"]);
    c.write_stdin(lines);
    cmd::run(c).expect_code(0);
    let got = oracle.text(WAIT);
    let mut got: Vec<&str> = got.lines().collect();
    got.sort();
    assert_eq!(
        got,
        [
            "rt/bin 0 0001ff0afe22    ".to_string(),
            "rt/props 0 70 c/t a:b cd rt/resp".to_string(),
            format!("rt/text 0 {}    ", crate::support::hex("héllo wörld".as_bytes())),
        ]
    );
}
