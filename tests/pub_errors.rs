//! Usage and connection errors: mosquitto's messages and exit codes.

use crate::support::{Broker, BrokerConfig, cmd, mqtt_pub};

fn err(args: &[&str]) -> cmd::Run {
    let home = tempfile::tempdir().unwrap();
    cmd::run(mqtt_pub(home.path(), args))
}

#[test]
fn usage_errors_exit_1_with_mosquittos_words() {
    let cases: &[(&[&str], &str)] = &[
        (&["-t", "a", "-m", "x", "-q", "3"], "Error: Invalid QoS given: 3\n"),
        (&["-t", "a", "-m", "x", "-q", "abc"], "Error: Invalid QoS given: abc\n"),
        (
            &["-t", "a", "-m", "x", "-p", "70000"],
            "Error: Invalid port given: 70000\n",
        ),
        (
            &["-t", "a/#", "-m", "x"],
            "Error: Invalid publish topic 'a/#', does it contain '+' or '#'?\n",
        ),
        (&["-t", "a/+/b", "-m", "x"], "Error: Invalid publish topic 'a/+/b'"),
        (
            &["-t", "a", "-m", "x", "-l"],
            "Error: Only one type of message can be sent at once.",
        ),
        (
            &["-t", "a", "-m", "x", "-m", "y"],
            "Error: Only one type of message can be sent at once.",
        ),
        (&["-t", "a"], "Error: Both topic and message must be supplied.\n"),
        (&["-m", "x"], "Error: Both topic and message must be supplied.\n"),
        (
            &["-t", "a", "-m", "x", "-k", "4"],
            "Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.",
        ),
        (
            &["-t", "a", "-m", "x", "-M", "0"],
            "Error: Maximum inflight messages must be greater than 0",
        ),
        (
            &["-t", "a", "-m", "x", "-V", "31", "-D", "publish", "content-type", "x"],
            "Error: -D properties need MQTT v5, but -V 31 was given.",
        ),
        (
            &["-t", "a", "-m", "x", "-V", "7"],
            "Error: Invalid protocol version argument given.",
        ),
        (
            &["-t", "a", "-m", "x", "-c"],
            "Error: You must provide a client id if you are using the -c option.",
        ),
        (
            &["-t", "a", "-m", "x", "-c", "-V", "5"],
            "Error: You must provide a client id if you are using an infinite session expiry interval.",
        ),
        (
            &["-t", "a", "-m", "x", "-i", "a", "-I", "b"],
            "Error: -i and -I argument cannot be used together.",
        ),
        (
            &["-t", "a", "-m", "x", "--will-payload", "p"],
            "Error: Will payload given, but no will topic given.",
        ),
        (
            &["-t", "a", "-m", "x", "--will-qos", "3", "--will-topic", "w"],
            "Error: Invalid will QoS 3.",
        ),
        (
            &["-t", "a", "-m", "x", "--repeat", "0"],
            "Error: --repeat argument must be >0.",
        ),
        (
            &["-t", "a", "-m", "x", "--repeat-delay", "-1"],
            "Error: --repeat-delay argument must be >=0.0.",
        ),
        (
            &["-t", "a", "-m", "x", "-x", "soon"],
            "Error: session-expiry-interval not a number.",
        ),
        (
            &["-t", "a", "-m", "x", "-D", "publish", "bogus", "1"],
            "Error: Invalid property name bogus given in --property argument.",
        ),
        (
            &["-t", "a", "-m", "x", "-D", "connect", "topic-alias", "1"],
            "Error: topic-alias property not allowed for connect",
        ),
        (
            &["-t", "a", "-m", "x", "-D", "publish", "content-type"],
            "Error: --property argument given but not enough arguments specified.",
        ),
        (
            &["-t", "a", "-m", "x", "-D", "publish", "content-type", "x", "-V", "311"],
            "Error: -D properties need MQTT v5",
        ),
        (
            &["-t", "a", "-m", "x", "--cafile", "ca.pem"],
            "Error: Problem setting TLS options: File not found: ca.pem.",
        ),
        (
            &["-L", "mqtt://host", "-m", "x"],
            "Error: Invalid URL for -L argument specified - topic missing.",
        ),
        (&["-L", "http://host/t", "-m", "x"], "Error: Unsupported URL scheme."),
        (&["--nonsense"], "Error: Unknown option '--nonsense'.\n"),
        (&["-t"], "Error: "),
    ];
    for (args, expected) in cases {
        let r = err(args);
        assert_eq!(r.code(), 1, "{args:?}: {}", r.stderr());
        assert!(
            r.stderr().starts_with(expected),
            "{args:?}: got {:?}, want {expected:?}",
            r.stderr()
        );
        assert!(
            r.stderr().ends_with("Use 'mqtt-pub --help' to see usage.\n"),
            "{args:?}: {}",
            r.stderr()
        );
        assert!(r.stdout().is_empty(), "{args:?}");
    }
}

#[test]
fn a_value_starting_with_a_dash_is_still_a_value() {
    let broker = Broker::anonymous();
    let sub = crate::support::Sub::start(&broker, "-m", &["-C", "1", "-F", "%t %p"]);
    let mut a = broker.addr_args().to_vec();
    a.extend(["-t", "-m", "-m", "-t"].map(String::from));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    err(&a).expect_code(0);
    assert_eq!(sub.text(std::time::Duration::from_secs(20)), "-m -t\n");
}

#[test]
fn input_errors_exit_1_without_connecting() {
    let r = err(&["-p", "1", "-t", "a", "-f", "/nonexistent/file"]);
    r.expect_code(1);
    // mosquitto 2.1's words, under every name.
    assert_eq!(
        r.stderr(),
        "Error: Unable to read file \"/nonexistent/file\": No such file or directory.\n\
         Error loading input file \"/nonexistent/file\".\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let r = err(&["-p", "1", "-t", "a", "-f", dir.path().to_str().unwrap()]);
    r.expect_code(1);
    assert!(r.stderr().contains("\": Is a directory."), "{}", r.stderr());
    let home = tempfile::tempdir().unwrap();
    let mut c = mqtt_pub(home.path(), &["-p", "1", "-t", "a", "-s"]);
    c.write_stdin(&b""[..]);
    let r = cmd::run(c);
    r.expect_code(1);
    assert!(r.stderr().starts_with("Error: Zero length input."), "{}", r.stderr());
}

#[test]
fn closed_port_exits_1() {
    let port = crate::support::broker::free_port().to_string();
    let r = err(&["-h", "127.0.0.1", "-p", &port, "-t", "a", "-m", "x"]);
    r.expect_code(1);
    assert!(r.stderr().starts_with("Error: Connection refused"), "{}", r.stderr());
}

#[test]
fn quiet_silences_runtime_errors_only() {
    let port = crate::support::broker::free_port().to_string();
    let r = err(&["-h", "127.0.0.1", "-p", &port, "-t", "a", "-m", "x", "--quiet"]);
    r.expect_code(1);
    assert_eq!(r.stderr(), "");
    let r = err(&["-t", "a", "-m", "x", "-q", "9", "--quiet"]);
    r.expect_code(1);
    assert!(r.stderr().starts_with("Error: Invalid QoS given: 9"));
}

#[test]
fn wrong_password_exits_with_the_connack_code() {
    let broker = Broker::start(BrokerConfig::with_users(&[("aa", "right")]));
    let mut a = broker.addr_args().to_vec();
    a.extend(["-t", "a", "-m", "x", "-u", "aa", "-P", "wrong"].map(String::from));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let r = err(&a);
    r.expect_code(5);
    assert_eq!(
        r.stderr(),
        "Connection error: Connection Refused: not authorised.\nError: The connection was refused.\n"
    );
    let v5: Vec<&str> = a.iter().copied().chain(["-V", "5"]).collect();
    let r = err(&v5);
    r.expect_code(135);
    assert_eq!(r.stderr(), "Connection error: Not authorized\n");
    // Anonymous is refused too.
    let r = err(&a[..a.len() - 4]);
    r.expect_code(5);
}

#[test]
fn help_and_version_go_to_stdout_and_exit_0() {
    let r = err(&["--help"]);
    r.expect_code(0);
    assert!(r.stdout().contains("Usage: mqtt-pub"), "{}", r.stdout());
    assert!(r.stdout().contains("-h, --host <HOST>"));
    let r = err(&["--version"]);
    r.expect_code(0);
    assert_eq!(r.stdout(), format!("mqtt-pub {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn bind_address_is_used_or_refused() {
    let broker = Broker::anonymous();
    let mut a = broker.addr_args().to_vec();
    a.extend(["-t", "bound", "-m", "x", "--nodelay"].map(String::from));
    let mut ok: Vec<&str> = a.iter().map(String::as_str).collect();
    ok.extend(["-A", "127.0.0.1"]);
    err(&ok).expect_code(0);
    let bad: Vec<&str> = a.iter().map(String::as_str).chain(["-A", "192.0.2.1"]).collect();
    let r = err(&bad);
    r.expect_code(1);
    assert!(r.stderr().contains("Cannot assign requested address"), "{}", r.stderr());
    let r = err(&["-t", "a", "-m", "x", "-A", "not-an-ip"]);
    r.expect_code(1);
    assert!(
        r.stderr().starts_with("Error: Invalid bind address 'not-an-ip'"),
        "{}",
        r.stderr()
    );
}
