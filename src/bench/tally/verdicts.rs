//! Checking `--assert` thresholds (parsed in `settings::assertion`) and
//! `--baseline` comparisons against a report.

use crate::bench::report::{Report, Verdict, round3};
use crate::settings::assertion::{Count, Metric, Stat, Timing};
use crate::settings::{Assertion, Op, ScenarioKind};

impl Assertion {
    pub fn check(&self, r: &Report) -> Verdict {
        let value = metric(r, self.metric);
        Verdict {
            check: self.to_string(),
            value,
            pass: value.is_some_and(|v| self.op.holds(v, self.value)),
        }
    }
}

/// The scenario's main latency histogram.
fn main_latency(r: &Report) -> Timing {
    match r.scenario {
        ScenarioKind::Sub | ScenarioKind::Pubsub => Timing::E2e,
        ScenarioKind::Conn => Timing::Connect,
        ScenarioKind::Pub => match r.publish.qos {
            0 => Timing::Lag,
            1 => Timing::Puback,
            _ => Timing::Pubcomp,
        },
    }
}

/// The value of a metric in a report; `None` when it was not measured.
pub fn metric(r: &Report, m: Metric) -> Option<f64> {
    match m {
        Metric::Count(c) => count(r, c),
        Metric::Latency { hist, stat, us } => {
            let s = r.latency.get(hist.unwrap_or_else(|| main_latency(r)).key())?;
            let micros = match stat {
                Stat::P50 => s.p50_us as f64,
                Stat::P90 => s.p90_us as f64,
                Stat::P95 => s.p95_us as f64,
                Stat::P99 => s.p99_us as f64,
                Stat::P999 => s.p999_us as f64,
                Stat::Max => s.max_us as f64,
                Stat::Min => s.min_us as f64,
                Stat::Mean => s.mean_us,
            };
            Some(if us { micros } else { micros / 1000.0 })
        }
    }
}

fn count(r: &Report, c: Count) -> Option<f64> {
    let d = &r.delivery;
    let p = &r.publish;
    let n = &r.connections;
    let receivers = matches!(r.scenario, ScenarioKind::Sub | ScenarioKind::Pubsub);
    // Delivery figures mean nothing without receivers.
    let delivery = |v: f64| receivers.then_some(v);
    let sum = |m: &std::collections::BTreeMap<String, u64>| m.values().sum::<u64>() as f64;
    Some(match c {
        Count::Rate => match r.scenario {
            ScenarioKind::Sub | ScenarioKind::Pubsub => d.delivered_rate,
            ScenarioKind::Pub if p.qos == 0 => p.offered_rate,
            ScenarioKind::Pub => p.acked_rate,
            ScenarioKind::Conn => n.connect_rate,
        },
        Count::DeliveredRate => delivery(d.delivered_rate)?,
        Count::OfferedRate => p.offered_rate,
        Count::AckedRate => p.acked_rate,
        Count::TargetRate => p.target_rate?,
        Count::ConnectRate => n.connect_rate,
        Count::Lost => delivery(d.lost as f64)?,
        Count::LossRatio => delivery(d.loss_ratio)?,
        Count::Duplicated => delivery(d.duplicated as f64)?,
        Count::OutOfOrder => delivery(d.out_of_order as f64)?,
        Count::Expected => delivery(d.expected as f64)?,
        Count::Received => delivery(d.received as f64)?,
        Count::Unique => delivery(d.unique as f64)?,
        Count::Published => p.published as f64,
        Count::Acked => p.acked as f64,
        Count::Refused => sum(&p.refused),
        Count::Late => p.late as f64,
        Count::SeqGaps => r.sparkplug.as_ref()?.seq_gaps as f64,
        Count::Connections => n.succeeded as f64,
        Count::ConnectFailed => n.failed as f64,
        Count::ConnectFailRatio if n.attempted > 0 => n.failed as f64 / n.attempted as f64,
        Count::ConnectFailRatio => return None,
        Count::Disconnects => sum(&n.disconnects),
        Count::Reconnects => n.reconnects as f64,
        Count::ReconnectFailures => n.reconnect_failures as f64,
        Count::PeakReconnectRate => n.peak_reconnect_rate as f64,
        Count::AllReconnectedS => n.all_reconnected_s?,
        Count::StillDown => n.still_down as f64,
        Count::Errors => (n.failed as f64) + sum(&p.refused) + sum(&n.suback_errors) + sum(&n.disconnects),
        Count::CpuS => r.generator.cpu_s,
        Count::CpuUsPerMsg => r.generator.cpu_us_per_message,
        Count::RssPerConnKb => r.generator.rss_per_connection_bytes as f64 / 1024.0,
    })
}

/// Regressions against a saved report: rates may fall and latencies grow by
/// at most `tolerance` (a fraction); loss, duplicates and errors may not grow.
pub fn against_baseline(r: &Report, base: &Report, tolerance: f64) -> Vec<Verdict> {
    let mut out = Vec::new();
    let mut check = |name: &str, m: Metric, op: Op, limit: Option<f64>, how: String| {
        let (Some(limit), Some(value)) = (limit, metric(r, m)) else {
            return;
        };
        out.push(Verdict {
            check: format!("{name}{}{} ({how})", op.text(), round3(limit)),
            value: Some(value),
            pass: op.holds(value, limit),
        });
    };
    let pct = tolerance * 100.0;
    let rate = Metric::Count(Count::Rate);
    let b = metric(base, rate);
    check(
        "rate",
        rate,
        Op::Ge,
        b.map(|b| b * (1.0 - tolerance)),
        format!("baseline {} - {pct}%", fmt_opt(b)),
    );
    for (name, stat) in [("p50_ms", Stat::P50), ("p99_ms", Stat::P99)] {
        let m = Metric::Latency {
            hist: None,
            stat,
            us: false,
        };
        let b = metric(base, m);
        check(
            name,
            m,
            Op::Le,
            b.map(|b| b * (1.0 + tolerance)),
            format!("baseline {} + {pct}%", fmt_opt(b)),
        );
    }
    for (name, count) in [
        ("loss", Count::Lost),
        ("duplicated", Count::Duplicated),
        ("errors", Count::Errors),
    ] {
        let m = Metric::Count(count);
        check(name, m, Op::Le, metric(base, m), "baseline".to_string());
    }
    out
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| round3(v).to_string())
}
