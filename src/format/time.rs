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

/// A JSON `tst` read back (`mqtt-pub --replay`): ours and mosquitto
/// 2.0.13+'s `…29.608994+0000`, 2.0.11's `…29.608994Z+0000`, or RFC 3339.
pub fn parse_tst(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    let offset_form = |t: &str| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z").ok();
    offset_form(text)
        .or_else(|| {
            let at = text
                .rfind(['+', '-'])
                .filter(|&i| i > 0 && text.as_bytes()[i - 1] == b'Z')?;
            offset_form(&format!("{}{}", &text[..at - 1], &text[at..]))
        })
        .or_else(|| DateTime::parse_from_rfc3339(text).ok())
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

    #[test]
    fn tst_reads_back_in_each_form_it_is_written() {
        let ours = Stamp::now();
        let back = parse_tst(&ours.tst()).unwrap();
        assert_eq!(back.timestamp_micros(), ours.0.timestamp_micros());
        let micros = |t: &str| parse_tst(t).map(|d| d.timestamp_micros());
        let plain = micros("2026-11-25T19:52:29.608994+0000");
        assert!(plain.is_some());
        assert_eq!(micros("2026-11-25T19:52:29.608994Z+0000"), plain);
        assert_eq!(micros("2026-11-25T19:52:29.608994Z"), plain);
        assert_eq!(micros("2026-11-25T21:52:29.608994+02:00"), plain);
        assert_eq!(micros("2026-11-25T14:52:29.608994-0500"), plain);
        assert_eq!(micros("yesterday"), None);
    }
}
