//! Checking `--assert` thresholds (parsed in `settings::assertion`) and
//! `--baseline` comparisons against a report.

use super::report::{Report, Verdict, round3};
use crate::settings::{Assertion, Kind, Op};

impl Assertion {
    pub fn check(&self, r: &Report) -> Verdict {
        let value = metric(r, &self.metric);
        Verdict {
            check: self.to_string(),
            value,
            pass: value.is_some_and(|v| self.op.holds(v, self.value)),
        }
    }
}

/// The scenario's main latency histogram.
fn main_latency(r: &Report) -> &'static str {
    match r.scenario {
        Kind::Sub | Kind::Pubsub => "e2e",
        Kind::Conn => "connect",
        Kind::Pub => match r.publish.qos {
            0 => "lag",
            1 => "puback",
            _ => "pubcomp",
        },
    }
}

/// The value of a metric in a report; `None` when it was not measured.
pub fn metric(r: &Report, name: &str) -> Option<f64> {
    let d = &r.delivery;
    let p = &r.publish;
    let c = &r.connections;
    let receivers = matches!(r.scenario, Kind::Sub | Kind::Pubsub);
    let sum = |m: &std::collections::BTreeMap<String, u64>| m.values().sum::<u64>() as f64;
    Some(match name {
        "rate" => match r.scenario {
            Kind::Sub | Kind::Pubsub => d.delivered_rate,
            Kind::Pub if p.qos == 0 => p.offered_rate,
            Kind::Pub => p.acked_rate,
            Kind::Conn => c.connect_rate,
        },
        "delivered_rate" if receivers => d.delivered_rate,
        "offered_rate" => p.offered_rate,
        "acked_rate" => p.acked_rate,
        "target_rate" => p.target_rate?,
        "connect_rate" => c.connect_rate,
        "loss" | "lost" if receivers => d.lost as f64,
        "loss_ratio" if receivers => d.loss_ratio,
        "duplicated" | "dup" if receivers => d.duplicated as f64,
        "out_of_order" if receivers => d.out_of_order as f64,
        "expected" if receivers => d.expected as f64,
        "received" if receivers => d.received as f64,
        "unique" if receivers => d.unique as f64,
        "published" => p.published as f64,
        "acked" => p.acked as f64,
        "refused" => sum(&p.refused),
        "late" => p.late as f64,
        "connections" => c.succeeded as f64,
        "connect_failed" => c.failed as f64,
        "connect_fail_ratio" if c.attempted > 0 => c.failed as f64 / c.attempted as f64,
        "disconnects" => sum(&c.disconnects),
        "reconnects" => c.reconnects as f64,
        "reconnect_failures" => c.reconnect_failures as f64,
        "peak_reconnect_rate" => c.peak_reconnect_rate as f64,
        "all_reconnected_s" => c.all_reconnected_s?,
        "still_down" => c.still_down as f64,
        "errors" => (c.failed + p.refused.values().sum::<u64>()) as f64 + sum(&c.suback_errors) + sum(&c.disconnects),
        "cpu_s" => r.generator.cpu_s,
        "cpu_us_per_msg" => r.generator.cpu_us_per_message,
        "rss_per_conn_kb" => r.generator.rss_per_connection_bytes as f64 / 1024.0,
        _ => return latency(r, name),
    })
}

fn latency(r: &Report, name: &str) -> Option<f64> {
    let (base, scale) = match name.strip_suffix("_ms") {
        Some(b) => (b, 1000.0),
        None => (name.strip_suffix("_us")?, 1.0),
    };
    let (hist, stat) = match base.rsplit_once('_') {
        Some((h, s)) => (h, s),
        None => (main_latency(r), base),
    };
    let s = r.latency.get(hist)?;
    let us = match stat {
        "p50" => s.p50_us as f64,
        "p90" => s.p90_us as f64,
        "p95" => s.p95_us as f64,
        "p99" => s.p99_us as f64,
        "p999" => s.p999_us as f64,
        "max" => s.max_us as f64,
        "min" => s.min_us as f64,
        "mean" => s.mean_us,
        _ => return None,
    };
    Some(us / scale)
}

/// Regressions against a saved report: rates may fall and latencies grow by
/// at most `tolerance` (a fraction); loss, duplicates and errors may not grow.
pub fn against_baseline(r: &Report, base: &Report, tolerance: f64) -> Vec<Verdict> {
    let mut out = Vec::new();
    let mut check = |name: &str, op: Op, limit: Option<f64>, how: String| {
        let (Some(limit), Some(value)) = (limit, metric(r, name)) else {
            return;
        };
        out.push(Verdict {
            check: format!("{name}{}{} ({how})", op.text(), round3(limit)),
            value: Some(value),
            pass: op.holds(value, limit),
        });
    };
    let pct = tolerance * 100.0;
    let b = metric(base, "rate");
    check(
        "rate",
        Op::Ge,
        b.map(|b| b * (1.0 - tolerance)),
        format!("baseline {} - {pct}%", fmt_opt(b)),
    );
    for name in ["p50_ms", "p99_ms"] {
        let b = metric(base, name);
        check(
            name,
            Op::Le,
            b.map(|b| b * (1.0 + tolerance)),
            format!("baseline {} + {pct}%", fmt_opt(b)),
        );
    }
    for name in ["loss", "duplicated", "errors"] {
        let b = metric(base, name);
        check(name, Op::Le, b, "baseline".to_string());
    }
    out
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| round3(v).to_string())
}
