//! The defaults file, `-o`, the program name from argv[0], and credentials
//! that never need to be on argv.

use std::time::Duration;

use crate::support::{Broker, BrokerConfig, Sub, cmd, mqtt_pub};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn defaults_file_in_home_config_is_read_before_argv() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".config")).unwrap();
    let cfg = format!("# defaults\n-h 127.0.0.1\n-p {}\n-t cfg/topic \n-q 1\n", broker.port);
    std::fs::write(home.path().join(".config/mqtt-pub"), cfg).unwrap();
    // The value is the rest of the line, trailing space included.
    let sub = Sub::start(&broker, "cfg/topic ", &["-C", "1", "-q", "2", "-F", "%q %p"]);
    cmd::run(mqtt_pub(home.path(), &["-m", "from defaults"])).expect_code(0);
    assert_eq!(sub.text(WAIT), "1 from defaults\n");
    // The command line overrides a scalar from the file.
    let sub = Sub::start(&broker, "cli/topic", &["-C", "1", "-q", "2", "-F", "%q %p"]);
    cmd::run(mqtt_pub(home.path(), &["-m", "override", "-t", "cli/topic", "-q", "0"])).expect_code(0);
    assert_eq!(sub.text(WAIT), "0 override\n");
    // A message option in the file and one on the command line conflict.
    std::fs::write(home.path().join(".config/mqtt-pub"), "-m from file\n").unwrap();
    let r = cmd::run(mqtt_pub(home.path(), &["-t", "x", "-n"]));
    r.expect_code(1);
    assert!(
        r.stderr()
            .starts_with("Error: Only one type of message can be sent at once.")
    );
}

#[test]
fn xdg_config_home_and_dash_o_choose_the_file() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let xdg = tempfile::tempdir().unwrap();
    std::fs::write(
        xdg.path().join("mqtt-pub"),
        format!("-p {}\n-h 127.0.0.1\n-t xdg\n", broker.port),
    )
    .unwrap();
    let sub = Sub::start(&broker, "xdg", &["-C", "1", "-F", "%p"]);
    let mut c = mqtt_pub(home.path(), &["-m", "via xdg"]);
    c.env("XDG_CONFIG_HOME", xdg.path());
    cmd::run(c).expect_code(0);
    assert_eq!(sub.text(WAIT), "via xdg\n");

    let opts = home.path().join("opts");
    std::fs::write(&opts, format!("-p {}\n-h 127.0.0.1\n-t by-o\n", broker.port)).unwrap();
    let sub = Sub::start(&broker, "by-o", &["-C", "1", "-F", "%p"]);
    let mut c = mqtt_pub(home.path(), &["-o", opts.to_str().unwrap(), "-m", "via -o"]);
    c.env("XDG_CONFIG_HOME", xdg.path());
    cmd::run(c).expect_code(0);
    assert_eq!(sub.text(WAIT), "via -o\n");

    let r = cmd::run(mqtt_pub(
        home.path(),
        &["-o", "/nonexistent/opts", "-t", "a", "-m", "x"],
    ));
    r.expect_code(1);
    assert!(
        r.stderr().contains("cannot read options file /nonexistent/opts"),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_symlink_named_mosquitto_pub_behaves_as_mosquitto_pub() {
    let broker = Broker::anonymous();
    let home = tempfile::tempdir().unwrap();
    let link = home.path().join("mosquitto_pub");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mqtt-pub"), &link).unwrap();
    let r = cmd::run({
        let mut c = cmd::binary(&link, home.path());
        c.args(["-q", "7", "-t", "a", "-m", "x"]);
        c
    });
    r.expect_code(1);
    assert_eq!(
        r.stderr(),
        "Error: Invalid QoS given: 7\n\nUse 'mosquitto_pub --help' to see usage.\n"
    );
    // Its defaults file is ~/.config/mosquitto_pub.
    std::fs::create_dir_all(home.path().join(".config")).unwrap();
    std::fs::write(
        home.path().join(".config/mosquitto_pub"),
        format!("-h 127.0.0.1\n-p {}\n", broker.port),
    )
    .unwrap();
    let sub = Sub::start(&broker, "sym", &["-C", "1", "-F", "%p"]);
    let mut c = cmd::binary(&link, home.path());
    c.args(["-t", "sym", "-m", "as mosquitto_pub"]);
    cmd::run(c).expect_code(0);
    assert_eq!(sub.text(WAIT), "as mosquitto_pub\n");
}

#[test]
fn credentials_from_environment_and_file() {
    let broker = Broker::start(BrokerConfig::with_users(&[("aa", "s3cret"), ("bb", "other")]));
    let home = tempfile::tempdir().unwrap();
    let mut a = broker.addr_args().to_vec();
    a.extend(["-t", "auth", "-m", "x", "-q", "1"].map(String::from));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let mut c = mqtt_pub(home.path(), &a);
    c.env("MQTT_USERNAME", "aa").env("MQTT_PASSWORD", "s3cret");
    cmd::run(c).expect_code(0);

    let pw = home.path().join("pw");
    std::fs::write(&pw, "other\n").unwrap();
    let with_file: Vec<&str> = a
        .iter()
        .copied()
        .chain(["-u", "bb", "--pw-file", pw.to_str().unwrap()])
        .collect();
    cmd::run(mqtt_pub(home.path(), &with_file)).expect_code(0);

    let mut c = mqtt_pub(home.path(), &a);
    c.env("MQTT_USERNAME", "aa").env("MQTT_PASSWORD", "wrong");
    cmd::run(c).expect_code(5);
}
