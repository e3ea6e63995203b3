//! The clock of one message: sampled once, shown as `%I`, `%U`, `@` strftime
//! codes, `@N` and JSON's `tst`, in local time.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Local};

/// When a message was handled.
#[derive(Debug, Clone, Copy)]
pub struct Stamp(DateTime<Local>);

impl Stamp {
    pub fn now() -> Stamp {
        Stamp(Local::now())
    }

    /// `%I`: `2026-11-25T19:52:28+0000`.
    pub fn iso(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M:%S%z").to_string()
    }

    /// JSON `tst`: `2026-11-25T19:52:29.608994+0000` (mosquitto 2.0.13+).
    pub fn tst(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M:%S%.6f%z").to_string()
    }

    /// `%U`: seconds and nanoseconds since the epoch, `1795636348.694174357`.
    pub fn epoch(&self) -> String {
        format!("{}.{:09}", self.0.timestamp(), self.0.timestamp_subsec_nanos())
    }

    /// `@N`: the nanoseconds, nine digits.
    pub fn nanos(&self) -> String {
        format!("{:09}", self.0.timestamp_subsec_nanos())
    }

    /// `@c`: `strftime("%c")`; a code strftime does not know is printed as
    /// written, as glibc does.
    pub fn strftime(&self, code: char) -> String {
        let spec = format!("%{code}");
        let items: Vec<Item<'_>> = StrftimeItems::new(&spec).collect();
        if items.iter().any(|i| matches!(i, Item::Error)) {
            return spec;
        }
        self.0.format_with_items(items.into_iter()).to_string()
    }
}
