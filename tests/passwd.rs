//! mqtt-passwd: files a real mosquitto accepts, mosquitto_passwd's files
//! verified, every error case, and nothing ever lost from a file.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::support::broker::require;
use crate::support::cmd::on_terminal;
use crate::support::{Broker, BrokerConfig, cmd};

fn passwd(home: &Path, args: &[&str]) -> cmd::Run {
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-passwd"), home);
    c.args(args);
    cmd::run(c)
}

fn passwd_stdin(home: &Path, args: &[&str], stdin: &str) -> cmd::Run {
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-passwd"), home);
    c.args(args).write_stdin(stdin.to_string());
    cmd::run(c)
}

/// Can `user`/`password` publish through a broker using `file`?
fn login(file: &Path, home: &Path, user: &str, password: &str) -> i32 {
    let broker = Broker::start(BrokerConfig {
        password_file: Some(file.to_path_buf()),
        ..Default::default()
    });
    let mut c = cmd::binary(env!("CARGO_BIN_EXE_mqtt-pub"), home);
    c.args(broker.addr_args())
        .args(["-t", "t", "-m", "x", "-u", user])
        .env("MQTT_PASSWORD", password);
    cmd::run(c).code()
}

#[test]
fn files_written_by_mqtt_passwd_are_accepted_by_mosquitto() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    let f = file.to_str().unwrap();
    passwd(home.path(), &["-c", "-b", f, "aa", "default-secret"]).expect_code(0);
    assert!(
        std::fs::read(&file).unwrap().ends_with(b"==\n"),
        "a new file's line has its newline"
    );
    passwd(home.path(), &["-b", "-H", "sha512", f, "bb", "sha-secret"]).expect_code(0);
    passwd(home.path(), &["-b", "-I", "1000", f, "cc", "pässwörd"]).expect_code(0);
    std::fs::write(
        &file,
        [std::fs::read(&file).unwrap(), b"dd:plain-secret\nee:gone\n".to_vec()].concat(),
    )
    .unwrap();
    passwd(home.path(), &["-U", "-I", "1000", f]).expect_code(0);
    passwd(home.path(), &["-D", f, "ee"]).expect_code(0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("plain-secret") && !text.contains("ee:"), "{text}");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

    for (user, password) in [
        ("aa", "default-secret"),
        ("bb", "sha-secret"),
        ("cc", "pässwörd"),
        ("dd", "plain-secret"),
    ] {
        assert_eq!(login(&file, home.path(), user, password), 0, "{user}");
    }
    assert_eq!(login(&file, home.path(), "aa", "wrong"), 5);
    assert_eq!(login(&file, home.path(), "ee", "gone"), 5);
}

#[test]
fn files_written_by_mosquitto_passwd_are_verified() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    let f = file.to_str().unwrap();
    std::fs::write(&file, "").unwrap();
    for (args, user, pw) in [
        (&[][..], "u1", "password1"),
        (&["-H", "sha512"][..], "u2", "password2"),
        (&["-I", "1000"][..], "u3", "pässwörd"),
    ] {
        let ok = Command::new(require("mosquitto_passwd"))
            .args(args)
            .args(["-b", f, user, pw])
            .status()
            .unwrap();
        assert!(ok.success());
        passwd(home.path(), &["--verify", "-b", f, user, pw]).expect_code(0);
        let r = passwd(home.path(), &["--verify", "-b", f, user, "nope"]);
        r.expect_code(1);
        assert_eq!(r.stderr(), format!("Error: The password for {user} does not match.\n"));
    }
    passwd_stdin(home.path(), &["--verify", "--stdin", f, "u1"], "password1\n").expect_code(0);
    let r = passwd(home.path(), &["--verify", "-b", f, "nobody", "x"]);
    r.expect_code(1);
    assert_eq!(r.stderr(), "Warning: User nobody not found in password file.\n");
}

#[test]
fn error_cases_exit_1_and_change_nothing() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    let f = file.to_str().unwrap();
    std::fs::write(&file, "# keep me\nalice:$7$1$b/kfHUcQPnha4rdu$C4J1r5t+es6BXTWHEYPm9uRpTBHWN4BpuK3LxXgth/oX33hVqj/QTaV8aux6txlNZRftgCI9ZiAcCX3hsT7Aig==\n").unwrap();
    // As a password file should be (a world-readable one is warned about).
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = std::fs::read(&file).unwrap();
    let long = "x".repeat(65536);
    let cases: &[(&[&str], &str)] = &[
        (&["-H", "md5", f, "u"], "Error: Unknown hash type 'md5'\n"),
        (&["-I", "0", f, "u"], "Error: Number of iterations must be > 0.\n"),
        (&["-I", "abc", f, "u"], "Error: Number of iterations must be > 0.\n"),
        (&["-c", "-D", f, "u"], "Error: -c and -D cannot be used together.\n"),
        (&["-c", "-U", f], "Error: -c and -U cannot be used together.\n"),
        (&["-D", "-U", f], "Error: -D and -U cannot be used together.\n"),
        (
            &["-b", "-D", f, "u", "p"],
            "Error: -b and -D cannot be used together.\n",
        ),
        (
            &["-c", "-b", f, "u"],
            "Error: -c argument given but password file, username, or password missing.\n",
        ),
        (
            &["-c", f],
            "Error: -c argument given but password file or username missing.\n",
        ),
        (
            &["-D", f],
            "Error: -D argument given but password file or username missing.\n",
        ),
        (&["-U"], "Error: -U argument given but password file missing.\n"),
        (
            &["-b", f, "a:b", "p"],
            "Error: Username must not contain the ':' character.\n",
        ),
        (
            &["-b", f, "a\u{1}b", "p"],
            "Error: Username must not contain control characters.\n",
        ),
        (
            &["-b", f, &long, "p"],
            "Error: Username must be less than 65536 characters long.\n",
        ),
        (
            &["-b", f, "u", &long],
            "Error: Password must be less than 65536 characters long.\n",
        ),
        (&["-D", f, "carol"], "Warning: User carol not found in password file.\n"),
        (
            &["-c", "-b", f, "u", "p"],
            &format!("Error: Unable to open file {f} for writing. File exists.\n"),
        ),
        (
            &["-b", "/nonexistent/pw", "u", "p"],
            "Error: Unable to open password file /nonexistent/pw. No such file or directory.\n",
        ),
        (
            &["-c", "-b", "/nonexistent/dir/pw", "u", "p"],
            "Error: Unable to open file /nonexistent/dir/pw for writing. No such file or directory.\n",
        ),
    ];
    for (args, want) in cases {
        let r = passwd(home.path(), args);
        assert_eq!(r.code(), 1, "{args:?}: {}", r.stderr());
        assert_eq!(&r.stderr(), want, "{args:?}");
        assert_eq!(std::fs::read(&file).unwrap(), before, "{args:?} changed the file");
    }
    // Prompts: a mismatch is exit 2, an empty password exit 1.
    let r = passwd_stdin(home.path(), &[f, "u"], "one\ntwo\n");
    r.expect_code(2);
    assert_eq!(
        (r.stdout(), r.stderr()),
        (
            "Password: \nReenter password: \n".into(),
            "Error: Passwords do not match.\n".into()
        )
    );
    let r = passwd_stdin(home.path(), &[f, "u"], "");
    r.expect_code(1);
    assert_eq!(r.stderr(), "Error: Empty password.\n");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    // A line that is not user:password stops the run; mosquitto_passwd truncates here.
    std::fs::write(&file, "alice:x\nnot a user line\nbob:y\n").unwrap();
    let r = passwd(home.path(), &["-b", "-I", "1000", f, "carol", "z"]);
    r.expect_code(1);
    assert!(r.stderr().contains("line 2"), "{}", r.stderr());
    assert_eq!(std::fs::read(&file).unwrap(), b"alice:x\nnot a user line\nbob:y\n");
}

#[test]
fn comments_blank_lines_crlf_and_mode_are_kept() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    let f = file.to_str().unwrap();
    // mosquitto_passwd adding carol here truncates the file at the blank line and exits 0.
    std::fs::write(&file, "# users for the broker\r\nalice:x\r\n\r\nbob:y\r\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    passwd(home.path(), &["-b", "-I", "1000", f, "carol", "z"]).expect_code(0);
    let text = std::fs::read_to_string(&file).unwrap();
    let (head, carol) = text.rsplit_once("carol:").unwrap();
    assert_eq!(head, "# users for the broker\r\nalice:x\r\n\r\nbob:y\r\n");
    assert!(carol.starts_with("$7$1000$") && carol.ends_with("\r\n"), "{carol:?}");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o640);
    // -U hashes plaintext only; the existing hash stays as it was.
    passwd(home.path(), &["-U", "-I", "1000", f]).expect_code(0);
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.contains(&format!("carol:{carol}")) && after.starts_with("# users for the broker\r\nalice:$7$1000$"));
    passwd(home.path(), &["--verify", "-b", f, "bob", "y"]).expect_code(0);
}

#[test]
fn a_symlink_is_followed_and_kept() {
    let home = tempfile::tempdir().unwrap();
    let real = home.path().join("real-pw");
    std::fs::write(&real, "alice:x\n").unwrap();
    let link = home.path().join("pw");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    passwd(home.path(), &["-b", "-I", "1000", link.to_str().unwrap(), "bob", "y"]).expect_code(0);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .starts_with("alice:x\nbob:$7$1000$")
    );
}

#[test]
fn a_failed_write_leaves_the_file_untouched() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    std::fs::write(&file, "alice:x\n").unwrap();
    // No file may grow (ulimit -f 0): the temporary copy cannot be written.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 0; exec {} -b -I 1000 {} bob y",
            env!("CARGO_BIN_EXE_mqtt-passwd"),
            file.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file is unchanged"));
    assert_eq!(std::fs::read(&file).unwrap(), b"alice:x\n");
    let leftovers = std::fs::read_dir(home.path()).unwrap().count();
    assert_eq!(leftovers, 1, "a temporary file was left behind");
}

#[test]
fn concurrent_runs_lose_nothing() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    std::fs::write(&file, "").unwrap();
    let children: Vec<_> = (0..8)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_mqtt-passwd"))
                .args(["-b", "-I", "1000", file.to_str().unwrap(), &format!("user{i}"), "pw"])
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        assert!(crate::support::cmd::finish(c).status.success());
    }
    let text = std::fs::read_to_string(&file).unwrap();
    for i in 0..8 {
        assert!(text.contains(&format!("user{i}:$7$1000$")), "user{i} lost:\n{text}");
    }
}

#[test]
fn print_and_stdin_keep_passwords_off_argv() {
    let home = tempfile::tempdir().unwrap();
    let r = passwd_stdin(home.path(), &["--print", "--stdin", "-I", "1000", "aa"], "s3cret\n");
    r.expect_code(0);
    let line = r.stdout();
    assert!(line.starts_with("aa:$7$1000$") && line.ends_with("==\n"), "{line}");
    let file = home.path().join("pw");
    std::fs::write(&file, &line).unwrap();
    passwd(home.path(), &["--verify", "-b", file.to_str().unwrap(), "aa", "s3cret"]).expect_code(0);
    let r = passwd_stdin(home.path(), &["--print", "--stdin", "-H", "argon2id", "bb"], "x\n");
    r.expect_code(0);
    assert!(r.stdout().starts_with("bb:$argon2id$v=19$m=47104,t=1,p=1$"));
}

#[test]
fn prompts_on_a_terminal_do_not_echo() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    let command = format!(
        "{} -c -I 1000 {} tty-user",
        env!("CARGO_BIN_EXE_mqtt-passwd"),
        file.display()
    );
    // Typed after each prompt appears; the terminal would echo them if echo were on.
    let (code, screen) = on_terminal(&command, &["typed-secret\n", "typed-secret\n"], home.path());
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("Password: ") && screen.contains("Reenter password: "),
        "{screen}"
    );
    assert!(!screen.contains("typed-secret"), "the password was echoed: {screen}");
    passwd(
        home.path(),
        &["--verify", "-b", file.to_str().unwrap(), "tty-user", "typed-secret"],
    )
    .expect_code(0);
}

#[test]
fn mosquitto_2_1_messages_and_dash_for_stdout() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    let f = file.to_str().unwrap();
    // What it did, on stdout, as mosquitto_passwd 2.1 says it.
    let r = passwd(home.path(), &["-c", "-b", f, "aa", "one"]);
    r.expect_code(0);
    assert_eq!(r.stdout(), "Adding password for user aa\n");
    let r = passwd(home.path(), &["-b", f, "bb", "two"]);
    assert_eq!(r.stdout(), "Adding password for user bb\n");
    let r = passwd(home.path(), &["-b", f, "aa", "three"]);
    assert_eq!(r.stdout(), "Updating password for user aa\n");
    assert_eq!(login(&file, home.path(), "aa", "three"), 0);

    // -c -: the new file on stdout, and no file named '-'.
    let r = passwd(home.path(), &["-c", "-b", "-", "cc", "four"]);
    r.expect_code(0);
    assert!(r.stdout().starts_with("cc:$7$210000$"), "{}", r.stdout());
    assert_eq!(r.stdout().lines().count(), 1);
    let r = passwd_stdin(home.path(), &["-c", "-", "dd"], "pw\npw\n");
    r.expect_code(0);
    assert!(
        r.stdout().starts_with("Password: \nReenter password: \ndd:$7$"),
        "{}",
        r.stdout()
    );
    for args in [&["-b", "-", "ee", "x"][..], &["-D", "-", "ee"], &["-U", "-"]] {
        let r = passwd(home.path(), args);
        r.expect_code(1);
        assert!(r.stderr().contains("'-' (standard output)"), "{args:?}: {}", r.stderr());
    }
    assert!(!home.path().join("-").exists() && !Path::new("-").exists());
}

#[test]
fn under_mosquittos_name_it_hashes_as_mosquitto_2_1_2() {
    let home = tempfile::tempdir().unwrap();
    let link = home.path().join("mosquitto_passwd");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mqtt-passwd"), &link).unwrap();
    let run = |args: &[&str]| {
        let mut c = cmd::binary(&link, home.path());
        c.args(args).current_dir(home.path());
        cmd::run(c)
    };
    // mosquitto 2.1.2's default: sha512-pbkdf2 with 1000 iterations.
    let r = run(&["-c", "-b", "-", "aa", "x"]);
    r.expect_code(0);
    assert!(r.stdout().starts_with("aa:$7$1000$"), "{}", r.stdout());
    // Its build has no argon2: neither its tool nor its broker can use one.
    let file = home.path().join("pw");
    let r = run(&["-c", "-H", "argon2id", "-b", file.to_str().unwrap(), "aa", "x"]);
    r.expect_code(10);
    assert_eq!(r.stderr(), "Error: Unable to hash password.\n");
    assert!(!file.exists());
    // Too few arguments: the usage on stdout and nothing else.
    let r = run(&["pw"]);
    r.expect_code(1);
    assert_eq!(r.stderr(), "");
    assert_eq!(r.stdout(), run(&["--help"]).stdout());
    // A file that exists is named by its full path, as mosquitto does.
    run(&["-c", "-b", file.to_str().unwrap(), "aa", "x"]).expect_code(0);
    let r = run(&["-c", "-b", "pw", "aa", "x"]);
    r.expect_code(1);
    let full = std::fs::canonicalize(&file).unwrap();
    assert_eq!(
        r.stderr(),
        format!(
            "Error: Unable to open file {} for writing. File exists.\n",
            full.display()
        )
    );
}

#[test]
fn a_world_readable_file_is_warned_about_and_keeps_its_mode() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("pw");
    std::fs::write(&file, "aa:x\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = passwd(home.path(), &["-b", file.to_str().unwrap(), "bb", "y"]);
    r.expect_code(0);
    let full = std::fs::canonicalize(&file).unwrap();
    assert_eq!(
        r.stderr(),
        format!(
            "Warning: File {0} has world readable permissions. Future versions will refuse to load this file.\n\
             To fix this, use `chmod 0700 {0}`.\n",
            full.display()
        )
    );
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o644);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = passwd(home.path(), &["-D", file.to_str().unwrap(), "bb"]);
    assert_eq!((r.code(), r.stderr()), (0, String::new()));
}
