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

/// mqtt-rr `--latency`: `Latency: ...` as mosquitto_rr 2.1 prints it —
/// seconds and nine decimals from one second up, else ns, µs or ms.
pub fn latency(d: std::time::Duration) -> String {
    let ns = d.subsec_nanos();
    if d.as_secs() > 0 {
        format!("Latency: {}.{ns:09}", d.as_secs())
    } else if ns < 1_000 {
        format!("Latency: {ns}ns")
    } else if ns < 1_000_000 {
        format!("Latency: {:.6}µs", f64::from(ns) / 1e3)
    } else {
        format!("Latency: {:.6}ms", f64::from(ns) / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn latency_as_mosquitto_rr_prints_it() {
        assert_eq!(latency(Duration::from_nanos(999)), "Latency: 999ns");
        assert_eq!(latency(Duration::from_nanos(1_500)), "Latency: 1.500000µs");
        assert_eq!(latency(Duration::from_micros(2_345)), "Latency: 2.345000ms");
        assert_eq!(latency(Duration::from_millis(1_020)), "Latency: 1.020000000");
    }
}
