//! SIGINT and SIGTERM while `mqtt-pub -l`/`--jsonl` is reading (or, after
//! the input ended, waiting for confirmations): stop reading, wait (at most
//! [`GRACE`], or until a second signal) for the messages already sent to be
//! confirmed, say how many were, and exit 128 + the signal's number — or 7
//! when some stayed unconfirmed.

use std::time::Duration;

use super::deliver::Delivered;
use crate::exit::{Exit, diag};
use crate::signals::name;

/// How long an interrupted run waits for outstanding confirmations.
pub const GRACE: Duration = Duration::from_secs(5);

/// Interrupted while still connecting (`--connect-retry`): nothing was sent.
pub fn before_connecting(signo: i32) -> Exit {
    diag(format_args!(
        "Interrupted by {} before the connection was up: nothing was sent.",
        name(signo)
    ));
    Exit::Signal(signo)
}

/// Report an interrupted delivery (`all_read`: the input had ended, only
/// confirmations were awaited); the exit code.
pub fn finish(d: &Delivered, signo: i32, all_read: bool) -> Exit {
    let name = name(signo);
    let unconfirmed = d.sent - d.confirmed - d.rejected - d.failed;
    diag(format_args!(
        "Interrupted by {name}: {} of {} messages confirmed{}{}.",
        d.confirmed,
        d.sent,
        if unconfirmed > 0 {
            format!(", {unconfirmed} unconfirmed")
        } else {
            String::new()
        },
        if all_read {
            ""
        } else {
            "; the rest of the input was not read"
        }
    ));
    if unconfirmed > 0 || d.lost.is_some() {
        Exit::ConnLost
    } else {
        Exit::Signal(signo)
    }
}
