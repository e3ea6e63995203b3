//! `--assert 'METRIC OP NUMBER'` thresholds and `--baseline` comparison over
//! the report's metrics. OP is one of `<= < >= > == !=`; NUMBER may end in
//! `%` (divided by 100, for ratios). Metrics:
//!
//! - latency, in ms or µs: `{e2e,service,puback,pubrec,pubcomp,connect,suback,lag}_{p50,p90,p95,p99,p999,max,min,mean}_{ms,us}`,
//!   and without a prefix (`p99_ms`) the scenario's main latency: end to end
//!   (sub, pubsub), the publish acknowledgement (pub at QoS 1/2), the
//!   schedule lag (pub at QoS 0) or connect (conn); the phases of every
//!   connect: `connect_tcp`, `connect_tls`, `connect_ws`, `connack`
//!   (`connect_tls_p99_ms`); `reconnect`, from a lost connection to the next
//!   CONNACK;
//! - rates in msg/s: `rate` (delivered for sub/pubsub, acknowledged for pub,
//!   connections for conn), `delivered_rate`, `offered_rate`, `acked_rate`,
//!   `target_rate`, `connect_rate`;
//! - counts: `loss`/`lost`, `loss_ratio`, `duplicated`/`dup`, `out_of_order`,
//!   `expected`, `received`, `unique`, `published`, `acked`, `refused`,
//!   `late`, `connections`, `connect_failed`, `connect_fail_ratio`,
//!   `disconnects`, `reconnects`, `reconnect_failures`, `errors`;
//! - reconnect storms: `peak_reconnect_rate` (reconnects in the busiest
//!   second), `all_reconnected_s` (from the first lost connection to the last
//!   one back; not measured while any is still down), `still_down`;
//! - the generator: `cpu_s`, `cpu_us_per_msg`, `rss_per_conn_kb`.

use std::fmt;

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
    pub(crate) fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Le => a <= b,
            Op::Lt => a < b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }

    pub(crate) fn text(self) -> &'static str {
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
    "reconnect_failures",
    "peak_reconnect_rate",
    "all_reconnected_s",
    "still_down",
    "errors",
    "cpu_s",
    "cpu_us_per_msg",
    "rss_per_conn_kb",
];
const HISTS: &[&str] = &[
    "e2e",
    "service",
    "puback",
    "pubrec",
    "pubcomp",
    "connect",
    "connect_tcp",
    "connect_tls",
    "connect_ws",
    "connack",
    "reconnect",
    "suback",
    "lag",
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

/// `NAME OP NUMBER` (no spaces) → its three parts, at the first operator
/// (the longer of two that start at the same place).
pub(crate) fn split_op(t: &str) -> Option<(&str, Op, &str)> {
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
        .min_by_key(|(i, len, _)| (*i, usize::MAX - len))?;
    Some((&t[..at], op, &t[at + len..]))
}

impl Assertion {
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (metric, op, number) =
            split_op(&t).ok_or_else(|| format!("--assert '{text}': expected METRIC OP NUMBER, e.g. 'p99_ms<=20'."))?;
        let metric = metric.to_string();
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
