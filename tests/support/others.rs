//! Brokers other than mosquitto, installed inside the checkout by
//! `scripts/test` (`ensure_other_brokers` in scripts/lib.sh): aedes 0.51 and
//! 1.2 (Node.js, `tests/brokers/aedes`) and amqtt (Python,
//! `tests/brokers/amqtt`). Each starts on a free 127.0.0.1 port, is ready
//! when it says it listens, and is killed on drop (aedes also stops when its
//! standard input closes, should the test process die first).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::broker::free_port;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// aedes 0.51, the line most deployments run.
    Aedes0,
    /// aedes 1.2.
    Aedes1,
    /// amqtt 0.12 (MQTT 3.1.1 only, like aedes).
    Amqtt,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Aedes0 => "aedes 0.51",
            Kind::Aedes1 => "aedes 1.2",
            Kind::Amqtt => "amqtt 0.12",
        }
    }
}

pub struct OtherBroker {
    pub kind: Kind,
    pub port: u16,
    addr: Vec<String>,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

fn brokers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/brokers")
}

fn missing(what: &Path) -> ! {
    panic!(
        "{} is not installed: run scripts/test (or `. scripts/lib.sh; ensure_other_brokers`), \
         which installs aedes with npm and amqtt with pip inside tests/brokers/",
        what.display()
    )
}

impl OtherBroker {
    pub fn start(kind: Kind) -> OtherBroker {
        let mut last = String::new();
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let mut c = match kind {
                Kind::Aedes0 | Kind::Aedes1 => {
                    let root = brokers_dir().join("aedes");
                    if !root.join("node_modules/aedes-1").exists() {
                        missing(&root.join("node_modules"));
                    }
                    let mut c = Command::new("node");
                    c.arg(root.join("broker.mjs"))
                        .arg(port.to_string())
                        .arg(if kind == Kind::Aedes1 { "1" } else { "0" });
                    c
                }
                Kind::Amqtt => {
                    let bin = brokers_dir().join("amqtt/.venv/bin/amqtt");
                    if !bin.exists() {
                        missing(&bin);
                    }
                    let conf = dir.path().join("amqtt.yaml");
                    std::fs::write(
                        &conf,
                        format!(
                            "listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:{port}\n\
                             plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n    allow_anonymous: true\n"
                        ),
                    )
                    .unwrap();
                    let mut c = Command::new(bin);
                    c.arg("-c").arg(conf);
                    c
                }
            };
            let mut child = c
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", kind.name()));
            let lines = Arc::new(Mutex::new(Vec::new()));
            let (tx, rx) = channel();
            for stream in [
                Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
                Box::new(child.stderr.take().unwrap()),
            ] {
                let (lines, tx) = (lines.clone(), tx.clone());
                std::thread::spawn(move || {
                    for line in BufReader::new(stream).lines().map_while(Result::ok) {
                        lines.lock().unwrap().push(line.clone());
                        let _ = tx.send(line);
                    }
                });
            }
            let ready = match kind {
                Kind::Aedes0 | Kind::Aedes1 => format!("listening {port}"),
                Kind::Amqtt => format!("bind to 127.0.0.1:{port}"),
            };
            let broker = OtherBroker {
                kind,
                port,
                addr: vec!["-h".into(), "127.0.0.1".into(), "-p".into(), port.to_string()],
                child,
                lines,
                _dir: dir,
            };
            if wait_line(&rx, &ready, Duration::from_secs(20)) {
                return broker;
            }
            last = broker.log();
        }
        panic!("{} did not start:\n{last}", kind.name());
    }

    /// `-h 127.0.0.1 -p PORT`.
    pub fn addr_args(&self) -> &[String] {
        &self.addr
    }

    /// What the broker printed so far.
    pub fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

fn wait_line(rx: &Receiver<String>, needle: &str, wait: Duration) -> bool {
    let end = Instant::now() + wait;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

impl Drop for OtherBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How mqtt-sub's `-d` lines begin (mosquitto_sub's words).
const DEBUG_PREFIXES: [&str; 3] = ["Client ", "Subscribed (mid", "Connection lost ("];

/// `mqtt-sub -d` with `args`, on any broker: ready once its own debug output
/// shows the SUBACK (the broker need not log subscriptions). Message lines
/// are told from debug lines by their beginnings ([`DEBUG_PREFIXES`]).
pub struct Listener {
    child: Child,
    rx: Receiver<String>,
    pub messages: Vec<String>,
    pub debug: Vec<String>,
}

impl Listener {
    pub fn start(addr: &[String], home: &Path, args: &[&str]) -> Listener {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mqtt-sub"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .args(addr)
            .arg("-d")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mqtt-sub");
        let (tx, rx) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut l = Listener {
            child,
            rx,
            messages: Vec::new(),
            debug: Vec::new(),
        };
        assert!(
            l.until(Duration::from_secs(20), |l| l
                .debug
                .iter()
                .any(|d| d.contains("received SUBACK"))),
            "mqtt-sub was not subscribed within 20 s:\n{}",
            l.debug.join("\n")
        );
        l
    }

    /// Read lines until `done` holds or `wait` has passed (or the output
    /// ends); whether `done` held.
    pub fn until(&mut self, wait: Duration, done: impl Fn(&Listener) -> bool) -> bool {
        let end = Instant::now() + wait;
        while !done(self) {
            let Some(left) = end.checked_duration_since(Instant::now()) else {
                return false;
            };
            match self.rx.recv_timeout(left) {
                Ok(line) if DEBUG_PREFIXES.iter().any(|p| line.starts_with(p)) => self.debug.push(line),
                Ok(line) => self.messages.push(line),
                Err(_) => return done(self),
            }
        }
        true
    }

    /// Wait for `n` messages in all; the messages so far.
    pub fn take(&mut self, n: usize, wait: Duration) -> &[String] {
        self.until(wait, |l| l.messages.len() >= n);
        &self.messages
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for the process to exit (killed after `wait`); its exit code and
    /// every message.
    pub fn finish(mut self, wait: Duration) -> (Option<i32>, Vec<String>) {
        let code = super::cmd::wait_or_kill(&mut self.child, wait);
        self.until(Duration::from_secs(5), |_| false);
        (code, std::mem::take(&mut self.messages))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
