//! The probes of a check. Each connects its own clients (fresh ids, clean
//! sessions unless it tests sessions), works under the check's topic prefix,
//! notes what it sent and what came back, and returns an outcome per item.
//! "Nothing arrived" is decided by a sentinel where one can be had: a
//! message sent after the one that must not arrive, on the same path, so
//! the probe waits for an event rather than for a time.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep, sleep_until};

use super::probe::{Ctx, Evidence, Finding, ProbeClient, Stop, filter, ms, out, with_props};
use super::report::Res;
use crate::bench::stats::Hist;
use crate::client::ConnectFailure;
use crate::mqtt::{ConnAckProps, Filter, Message, Protocol, PublishProps, QoS, SubscribeProps, connack_v3, reason};
use crate::settings::check::CheckItem;
use crate::settings::{Credentials, Will};

/// What one probe found: an outcome per item.
pub type Found = Vec<(CheckItem, Finding)>;

/// How long an expected answer may take.
const ANSWER: Duration = Duration::from_secs(2);
/// How long the session probe waits for a 1 s message expiry to pass.
pub const EXPIRY_WAIT: Duration = Duration::from_millis(2200);
/// The will delay asked for, and how long its probe waits for the will.
const WILL_DELAY: u32 = 2;
pub const WILL_DELAY_WAIT: Duration = Duration::from_secs(6);

/// Every name of a probe with the same outcome.
pub fn all(items: &[CheckItem], o: &Finding) -> Found {
    items.iter().map(|i| (*i, o.clone())).collect()
}

/// A lost connection or a missing answer, as a failed item.
fn stopped(what: &str, s: Stop) -> Finding {
    Finding::fail(format!("{what}: {s}"))
}

/// A failed connect in words: the CONNACK's code and its meaning, or what
/// went wrong before one came.
fn refusal(f: &ConnectFailure, v5: bool) -> String {
    match f.refused {
        Some(c) if v5 => format!("refused: 0x{c:02x} {}", reason(c)),
        Some(c) => format!("refused: {c} {}", connack_v3(c)),
        None => f.brief(),
    }
}

/// Whether a refusal code means "I do not do that" rather than an error.
fn not_supported(code: u8) -> bool {
    matches!(code, 0x9A | 0x9B | 0x9E | 0xA1 | 0xA2 | 0x84 | 0x01)
}

/// A probe's client could not connect: its items fail with the first line of why.
fn not_connected(f: crate::client::ConnectFailure) -> Finding {
    Finding::fail(f.brief())
}

fn qos_of(n: u8) -> QoS {
    QoS::from_u8(n).expect("0, 1 or 2")
}

macro_rules! connect {
    ($ctx:expr, $ev:expr, $label:expr, $s:expr) => {
        match $ctx.connect($ev, $label, &$s).await {
            Ok(c) => c,
            Err(f) => return Finding::fail(format!("{} could not connect: {}", $label, f.brief())),
        }
    };
}

/// A subscriber "sub" on `topic` at `qos` (its SUBACK in), then a
/// publisher "pub": the two clients most probes start with.
macro_rules! sub_and_pub {
    ($ctx:expr, $ev:expr, $topic:expr, $qos:expr) => {{
        let mut sub = connect!($ctx, $ev, "sub", $ctx.settings());
        tri!(
            "SUBSCRIBE",
            sub.subscribe(filter($topic, $qos), SubscribeProps::default(), ANSWER)
                .await
        );
        (sub, connect!($ctx, $ev, "pub", $ctx.settings()))
    }};
}

macro_rules! tri {
    ($what:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => return stopped($what, s),
        }
    };
}

mod connect;
mod latency;
mod limits;
mod mqtt5;
mod qos;
mod retain;
mod sessions;
mod topics;

pub use connect::*;
pub use latency::*;
pub use limits::*;
pub use mqtt5::*;
pub use qos::*;
pub use retain::*;
pub use sessions::*;
pub use topics::*;
