//! The binaries under test, run hermetically: an empty HOME, no
//! XDG_CONFIG_HOME, no MQTT_* variables, and a timeout.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

/// A finished run, with helpers for assertions.
pub struct Run {
    pub out: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    /// Assert the exit code, showing both streams when it is wrong.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// A command for a binary of this package, with a clean environment.
pub fn binary(path: impl AsRef<OsStr>, home: &Path) -> Command {
    let mut c = Command::new(path);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .timeout(Duration::from_secs(120));
    c
}

pub fn run(mut c: Command) -> Run {
    Run {
        out: c.output().expect("run command"),
    }
}

/// `mqtt-pub` against `broker` (its `-h` and `-p` first), with `args`.
pub fn pub_on(broker: &super::Broker, home: &Path, args: &[&str]) -> Command {
    let mut c = mqtt_pub(home, &[]);
    c.args(broker.addr_args()).args(args);
    c
}

/// `mqtt-pub` started in the background with a piped stdin (for tests that
/// kill it, or the broker, mid-run).
pub fn spawn_pub(broker: &super::Broker, home: &Path, args: &[&str]) -> std::process::Child {
    background_pub(broker, home, args).spawn().expect("start mqtt-pub")
}

/// `mqtt-pub` against `broker` with `args`: stdin and stderr piped, stdout discarded.
fn background_pub(broker: &super::Broker, home: &Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_mqtt-pub"));
    c.env("HOME", home)
        .args(broker.addr_args())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    c
}

/// mqtt-pub `-d` with `args` (stdin piped), and its debug lines as they
/// come: a test waits for the client's own events instead of for time.
pub fn spawn_debug(
    broker: &super::Broker,
    home: &Path,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = background_pub(broker, home, args)
        .arg("-d")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start mqtt-pub");
    let rx = lines_of(&mut child);
    (child, rx)
}

/// A spawned child's stdout (piped), line by line as it comes.
pub fn lines_of(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait for a debug line containing `needle`.
pub fn wait_for(lines: &std::sync::mpsc::Receiver<String>, needle: &str) {
    wait_for_n(lines, needle, 1);
}

/// Wait for `n` more debug lines containing `needle` (packet ids are the
/// library's business: count events rather than name them).
pub fn wait_for_n(lines: &std::sync::mpsc::Receiver<String>, needle: &str, n: usize) {
    let wait = Duration::from_secs(20);
    let end = std::time::Instant::now() + wait;
    let mut seen = 0;
    while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(needle) => {
                seen += 1;
                if seen == n {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => panic!("{seen} of {n} '{needle}' from mqtt-pub -d: {e}"),
        }
    }
    panic!("{seen} of {n} '{needle}' from mqtt-pub -d within {wait:?}");
}

/// `mqtt-rr` against `broker`, started in the background with piped output.
pub fn spawn_rr(broker: &super::Broker, home: &Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_mqtt-rr"))
        .env("HOME", home)
        .args(broker.addr_args())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start mqtt-rr")
}

/// Lower-case hex, as mosquitto_sub's `%x` prints a payload.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `mqtt-pub` with `args`.
pub fn mqtt_pub(home: &Path, args: &[&str]) -> Command {
    let mut c = binary(env!("CARGO_BIN_EXE_mqtt-pub"), home);
    c.args(args);
    c
}

/// Run `command` on a pseudo-terminal (`script(1)`, util-linux), typing each of
/// `lines` after a pause so it answers a prompt; (exit code, what the terminal showed).
pub fn on_terminal(command: &str, lines: &[&str], home: &Path) -> (i32, String) {
    use std::io::Write;
    let mut child = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env("HOME", home)
        .env_remove("MQTT_PASSWORD")
        .env_remove("MQTT_USERNAME")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    let mut stdin = child.stdin.take().unwrap();
    let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = {
        let screen = screen.clone();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    for (i, line) in lines.iter().enumerate() {
        // Type only once the (i+1)-th prompt ("...: ") is on the screen, and
        // a moment later, when the terminal's echo is off: a fixed pause was
        // too short on a loaded machine.
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while String::from_utf8_lossy(&screen.lock().unwrap()).matches(": ").count() <= i
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        stdin.write_all(line.as_bytes()).unwrap();
    }
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let screen = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    (status.code().unwrap_or(-1), screen)
}

/// How long a spawned child may run before the test kills it (and fails).
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Wait for a spawned child like `wait_with_output`, but kill it once
/// [`DEADLINE`] has passed, so a hang fails the test instead of stalling CI.
pub fn finish(child: std::process::Child) -> std::process::Output {
    let pid = child.id();
    let watchdog = Watchdog::start(pid, DEADLINE);
    let out = child.wait_with_output().expect("wait for the child");
    assert!(
        !watchdog.stop(),
        "the child (pid {pid}) ran past its deadline and was killed"
    );
    out
}

/// Wait (up to `limit`) for `child` to exit, killing it at the limit: its
/// exit code, `None` when it had to be killed (or a signal ended it).
pub fn wait_or_kill(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let watchdog = Watchdog::start(child.id(), limit);
    let status = child.wait().expect("wait for the child");
    if watchdog.stop() { None } else { status.code() }
}

/// Kills a process with SIGKILL unless stopped before `limit`: a channel
/// wakes it at once when the process ends, no polling.
struct Watchdog {
    done: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    fn start(pid: u32, limit: Duration) -> Watchdog {
        let (done, ended) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let overdue = ended.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout);
            if overdue {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            overdue
        });
        Watchdog { done, thread }
    }

    /// The process has ended: whether the watchdog had to kill it.
    fn stop(self) -> bool {
        let _ = self.done.send(());
        self.thread.join().unwrap()
    }
}
