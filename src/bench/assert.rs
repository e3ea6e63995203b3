//! `--assert 'METRIC OP NUMBER'` thresholds and `--baseline` comparison over
//! the report's metrics. OP is one of `<= < >= > == !=`; NUMBER may end in
//! `%` (divided by 100, for ratios). Metrics:
//!
//! - latency, in ms or µs: `{e2e,service,puback,pubrec,pubcomp,connect,suback,lag}_{p50,p90,p95,p99,p999,max,min,mean}_{ms,us}`,
//!   and without a prefix (`p99_ms`) the scenario's main latency: end to end
//!   (sub, pubsub), the publish acknowledgement (pub at QoS 1/2), the
//!   schedule lag (pub at QoS 0) or connect (conn);
//! - rates in msg/s: `rate` (delivered for sub/pubsub, acknowledged for pub,
//!   connections for conn), `delivered_rate`, `offered_rate`, `acked_rate`,
//!   `target_rate`, `connect_rate`;
//! - counts: `loss`/`lost`, `loss_ratio`, `duplicated`/`dup`, `out_of_order`,
//!   `expected`, `received`, `unique`, `published`, `acked`, `refused`,
//!   `late`, `connections`, `connect_failed`, `connect_fail_ratio`,
//!   `disconnects`, `reconnects`, `errors`;
//! - the generator: `cpu_s`, `cpu_us_per_msg`, `rss_per_conn_kb`.

use std::fmt;

use super::report::{Report, Verdict, round3};
use crate::settings::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Le => a <= b,
            Op::Lt => a < b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

/// One parsed threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub metric: String,
    pub op: Op,
    pub value: f64,
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.metric, self.op.text(), self.value)
    }
}

const COUNTS: &[&str] = &[
    "rate",
    "delivered_rate",
    "offered_rate",
    "acked_rate",
    "target_rate",
    "connect_rate",
    "loss",
    "lost",
    "loss_ratio",
    "duplicated",
    "dup",
    "out_of_order",
    "expected",
    "received",
    "unique",
    "published",
    "acked",
    "refused",
    "late",
    "connections",
    "connect_failed",
    "connect_fail_ratio",
    "disconnects",
    "reconnects",
    "errors",
    "cpu_s",
    "cpu_us_per_msg",
    "rss_per_conn_kb",
];
const HISTS: &[&str] = &[
    "e2e", "service", "puback", "pubrec", "pubcomp", "connect", "suback", "lag",
];
const STATS: &[&str] = &["p50", "p90", "p95", "p99", "p999", "max", "min", "mean"];

fn known(metric: &str) -> bool {
    if COUNTS.contains(&metric) {
        return true;
    }
    let Some(base) = metric.strip_suffix("_ms").or_else(|| metric.strip_suffix("_us")) else {
        return false;
    };
    let stat = base.rsplit('_').next().unwrap_or(base);
    let prefix = base.strip_suffix(stat).map(|p| p.trim_end_matches('_'));
    STATS.contains(&stat) && prefix.is_some_and(|p| p.is_empty() || HISTS.contains(&p))
}

impl Assertion {
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let (at, len, op) = ops
            .iter()
            .filter_map(|(s, op)| t.find(s).map(|i| (i, s.len(), *op)))
            .min_by_key(|(i, len, _)| (*i, usize::MAX - len))
            .ok_or_else(|| format!("--assert '{text}': expected METRIC OP NUMBER, e.g. 'p99_ms<=20'."))?;
        let metric = t[..at].to_string();
        let number = &t[at + len..];
        if !known(&metric) {
            return Err(format!(
                "--assert '{text}': unknown metric '{metric}'. Metrics: {}, and latencies such as p99_ms, e2e_p999_us, puback_p50_ms, connect_max_ms.",
                COUNTS.join(", ")
            ));
        }
        let value = match number.strip_suffix('%') {
            Some(n) => n.parse::<f64>().map(|v| v / 100.0),
            None => number.parse::<f64>(),
        }
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("--assert '{text}': '{number}' is not a number."))?;
        Ok(Assertion { metric, op, value })
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_thresholds() {
        let a = Assertion::parse("p99_ms <= 20").unwrap();
        assert_eq!((a.metric.as_str(), a.op, a.value), ("p99_ms", Op::Le, 20.0));
        assert_eq!(Assertion::parse("loss==0").unwrap().op, Op::Eq);
        assert_eq!(Assertion::parse("loss_ratio<0.1%").unwrap().value, 0.001);
        assert_eq!(Assertion::parse("rate>9500").unwrap().op, Op::Gt);
        assert!(Assertion::parse("e2e_p999_us<500").is_ok());
        assert!(Assertion::parse("connect_max_ms<500").is_ok());
        assert!(Assertion::parse("p98_ms<1").unwrap_err().contains("unknown metric"));
        assert!(Assertion::parse("bogus>1").unwrap_err().contains("unknown metric"));
        assert!(Assertion::parse("loss=0").unwrap_err().contains("METRIC OP NUMBER"));
        assert!(Assertion::parse("loss<=x").unwrap_err().contains("not a number"));
    }
}
