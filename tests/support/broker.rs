//! Start Debian's `mosquitto` with a generated config on a free 127.0.0.1
//! port, wait until it accepts connections, and kill it on drop.

use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What the broker should look like.
#[derive(Default, Clone)]
pub struct BrokerConfig {
    /// Users for a password file; non-empty means `allow_anonymous false`.
    pub users: Vec<(String, String)>,
    /// ACL file contents (needs users).
    pub acl: Option<String>,
    pub persistence: bool,
    /// Extra config lines.
    pub extra: String,
    /// Listen on this port instead of a free one.
    pub port: Option<u16>,
    /// Also listen on a unix socket, [`Broker::socket`].
    pub unix_socket: bool,
    /// Use this password file (`allow_anonymous false`) instead of `users`.
    pub password_file: Option<PathBuf>,
    /// Make the listener TLS: (CA file, certificate, key, require a client certificate).
    pub tls: Option<(PathBuf, PathBuf, PathBuf, bool)>,
    /// Also listen on this port of ::1 (plain MQTT).
    pub ipv6_port: Option<u16>,
}

impl BrokerConfig {
    pub fn with_users(users: &[(&str, &str)]) -> Self {
        BrokerConfig {
            users: users.iter().map(|(u, p)| (u.to_string(), p.to_string())).collect(),
            ..Default::default()
        }
    }
}

pub struct Broker {
    pub port: u16,
    addr: Vec<String>,
    pub dir: tempfile::TempDir,
    child: Child,
    log: PathBuf,
}

/// The path of a program, or a failure that says how to install it.
pub fn require(program: &str) -> PathBuf {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
        "/sbin",
        "/bin",
    ] {
        let p = Path::new(dir).join(program);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "`{program}` is not installed. Install the broker and its clients with \
         `apt-get update && apt-get install -y mosquitto mosquitto-clients` (scripts/test does this)."
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Broker {
    pub fn anonymous() -> Broker {
        Broker::start(BrokerConfig::default())
    }

    pub fn start(cfg: BrokerConfig) -> Broker {
        let mosquitto = require("mosquitto");
        let mut last_err = String::new();
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = cfg.port.unwrap_or_else(free_port);
            let conf = write_config(dir.path(), port, &cfg);
            let log = dir.path().join("mosquitto.log");
            let child = Command::new(&mosquitto)
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start mosquitto");
            let addr = vec!["-h".into(), "127.0.0.1".into(), "-p".into(), port.to_string()];
            let mut broker = Broker {
                port,
                addr,
                dir,
                child,
                log,
            };
            if broker.wait_ready() {
                return broker;
            }
            last_err = broker.log();
        }
        panic!("mosquitto did not start: {last_err}");
    }

    /// Ready when *this* mosquitto has logged that it runs (its listeners are
    /// open) and accepts a connection: another test's broker that happened to
    /// get the same port must not pass for ours.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        let runs = |log: &str| log.lines().filter(|l| l.contains(" running")).count();
        let before = runs(&self.log());
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if runs(&self.log()) > before && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Wait until the broker's log contains `needle`.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        self.wait_log_line(|l| l.contains(needle), timeout)
    }

    /// Wait until a line of the broker's log satisfies `pred`.
    pub fn wait_log_line(&self, pred: impl Fn(&str) -> bool, timeout: Duration) -> bool {
        self.wait_log_until(|log| log.lines().any(&pred), timeout)
    }

    /// Wait until `needle` stands in at least `n` lines of the broker's log.
    pub fn wait_log_count(&self, needle: &str, n: usize, timeout: Duration) -> bool {
        self.wait_log_until(|log| log.lines().filter(|l| l.contains(needle)).count() >= n, timeout)
    }

    /// Wait until `n` lines of the log satisfy `pred`.
    pub fn wait_log_count_by(&self, pred: impl Fn(&str) -> bool, n: usize, timeout: Duration) -> bool {
        self.wait_log_until(|log| log.lines().filter(|l| pred(l)).count() >= n, timeout)
    }

    /// Wait until the whole log satisfies `ready` (the log is a file: it is
    /// read again every 10 ms).
    fn wait_log_until(&self, ready: impl Fn(&str) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if std::fs::read_to_string(&self.log).is_ok_and(|l| ready(&l)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `-h 127.0.0.1 -p PORT` for a client command line.
    pub fn addr_args(&self) -> &[String] {
        &self.addr
    }

    /// The unix socket path (with `unix_socket`).
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("mqtt.sock")
    }

    /// Kill the broker and start it again on the same port, with the same
    /// configuration and persistence file.
    pub fn restart(&mut self, down_for: Duration) {
        // SIGTERM: mosquitto writes its persistence file as it stops.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        std::thread::sleep(down_for);
        self.child = Command::new(require("mosquitto"))
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("restart mosquitto");
        assert!(self.wait_ready(), "mosquitto did not restart:\n{}", self.log());
    }

    /// The broker's process id (to stop and continue it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kill the broker now (for connection-loss tests).
    pub fn kill(&mut self) {
        // SIGKILL: no clean shutdown, as in a crash; persistence is what was saved.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_config(dir: &Path, port: u16, cfg: &BrokerConfig) -> PathBuf {
    let mut c = String::new();
    // Started as root, mosquitto drops to the `mosquitto` user and could no
    // longer read our 0600 files.
    writeln!(c, "user root").unwrap();
    writeln!(c, "listener {port} 127.0.0.1").unwrap();
    if let Some((ca, cert, key, require)) = &cfg.tls {
        writeln!(
            c,
            "cafile {}\ncertfile {}\nkeyfile {}",
            ca.display(),
            cert.display(),
            key.display()
        )
        .unwrap();
        if *require {
            writeln!(c, "require_certificate true").unwrap();
        }
    }
    writeln!(c, "max_queued_messages 0").unwrap();
    writeln!(c, "log_dest file {}", dir.join("mosquitto.log").display()).unwrap();
    writeln!(c, "log_type all").unwrap();
    if let Some(file) = &cfg.password_file {
        writeln!(c, "allow_anonymous false").unwrap();
        writeln!(c, "password_file {}", file.display()).unwrap();
    } else if cfg.users.is_empty() {
        writeln!(c, "allow_anonymous true").unwrap();
    } else {
        let pwfile = dir.join("passwd");
        let _ = std::fs::remove_file(&pwfile);
        std::fs::write(&pwfile, "").unwrap();
        for (user, pass) in &cfg.users {
            let ok = Command::new(require("mosquitto_passwd"))
                .args(["-b"])
                .arg(&pwfile)
                .args([user, pass])
                .status()
                .unwrap()
                .success();
            assert!(ok, "mosquitto_passwd failed");
        }
        writeln!(c, "allow_anonymous false").unwrap();
        writeln!(c, "password_file {}", pwfile.display()).unwrap();
    }
    if let Some(acl) = &cfg.acl {
        let aclfile = dir.join("acl");
        std::fs::write(&aclfile, acl).unwrap();
        writeln!(c, "acl_file {}", aclfile.display()).unwrap();
    }
    if let Some(p6) = cfg.ipv6_port {
        writeln!(c, "listener {p6} ::1").unwrap();
    }
    if cfg.unix_socket {
        writeln!(c, "listener 0 {}", dir.join("mqtt.sock").display()).unwrap();
    }
    if cfg.persistence {
        writeln!(c, "persistence true").unwrap();
        writeln!(c, "persistence_location {}/", dir.display()).unwrap();
    }
    c.push_str(&cfg.extra);
    let path = dir.join("mosquitto.conf");
    std::fs::write(&path, c).unwrap();
    path
}
