//! SIGINT and SIGTERM, caught instead of killing the process: one listener
//! pair per program, made once, so a signal that lands between two waits is
//! never lost (a listener made later would not see it).

use tokio::signal::unix::{Signal, SignalKind, signal};

/// SIGINT's number.
pub const SIGINT: i32 = 2;
/// SIGTERM's number.
pub const SIGTERM: i32 = 15;

/// Both signals, listened to from creation on.
pub struct Signals {
    int: Signal,
    term: Signal,
}

impl Signals {
    /// Start listening (inside a tokio runtime).
    pub fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// The next signal's number.
    pub async fn recv(&mut self) -> i32 {
        tokio::select! {
            _ = self.int.recv() => SIGINT,
            _ = self.term.recv() => SIGTERM,
        }
    }
}

/// `SIGINT` or `SIGTERM`, for messages.
pub fn name(signo: i32) -> &'static str {
    if signo == SIGINT { "SIGINT" } else { "SIGTERM" }
}
