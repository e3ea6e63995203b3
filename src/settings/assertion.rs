//! `--assert 'METRIC OP NUMBER'` thresholds over a load test's report. OP
//! is one of `<= < >= > == !=`; NUMBER may end in `%` (divided by 100, for
//! ratios). The metrics are the registry below: [`COUNTS`] (counts, rates,
//! ratios, the generator's costs) and latencies, `[HIST_]STAT_UNIT` with a
//! histogram of [`HISTS`] (none: the scenario's main one), a statistic of
//! [`STATS`] and `ms` or `us` (`p99_ms`, `e2e_p999_us`). The bench computes
//! each by matching on the typed [`Metric`], so a name here is a value there.

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
    /// The metric as it was named (an alias stays an alias in the verdict).
    pub name: String,
    pub metric: Metric,
    pub op: Op,
    pub value: f64,
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.name, self.op.text(), self.value)
    }
}

/// A count, rate or ratio of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Delivered (sub, pubsub), acknowledged (pub), connections (conn), per second.
    Rate,
    /// Messages delivered per second.
    DeliveredRate,
    /// Messages published per second.
    OfferedRate,
    /// Publishes acknowledged per second.
    AckedRate,
    /// The --rate asked for.
    TargetRate,
    /// Connections made per second.
    ConnectRate,
    /// Messages lost.
    Lost,
    /// Lost / expected.
    LossRatio,
    /// Messages delivered more than once.
    Duplicated,
    /// Messages out of their publisher's order.
    OutOfOrder,
    /// Messages the receivers should have had.
    Expected,
    /// Messages received.
    Received,
    /// Distinct messages received.
    Unique,
    /// Messages published.
    Published,
    /// Publishes acknowledged.
    Acked,
    /// Publishes refused by the broker.
    Refused,
    /// Publishes sent after their slot.
    Late,
    /// `--sparkplug`: jumps in an edge node's seq the subscribers saw.
    SeqGaps,
    /// Connections that succeeded.
    Connections,
    /// Connections that failed.
    ConnectFailed,
    /// Failed / attempted connections.
    ConnectFailRatio,
    /// Connections lost.
    Disconnects,
    /// Connections made again.
    Reconnects,
    /// Reconnects that failed.
    ReconnectFailures,
    /// Reconnects in the busiest second.
    PeakReconnectRate,
    /// From the first lost connection to the last one back.
    AllReconnectedS,
    /// Connections not back at the end.
    StillDown,
    /// Failed connects, refusals, SUBACK errors and lost connections.
    Errors,
    /// The generator's CPU seconds.
    CpuS,
    /// The generator's CPU per message.
    CpuUsPerMsg,
    /// The generator's memory per connection.
    RssPerConnKb,
}

/// The count metrics by name (two have a short alias).
pub const COUNTS: &[(&str, Count)] = &[
    ("rate", Count::Rate),
    ("delivered_rate", Count::DeliveredRate),
    ("offered_rate", Count::OfferedRate),
    ("acked_rate", Count::AckedRate),
    ("target_rate", Count::TargetRate),
    ("connect_rate", Count::ConnectRate),
    ("loss", Count::Lost),
    ("lost", Count::Lost),
    ("loss_ratio", Count::LossRatio),
    ("duplicated", Count::Duplicated),
    ("dup", Count::Duplicated),
    ("out_of_order", Count::OutOfOrder),
    ("expected", Count::Expected),
    ("received", Count::Received),
    ("unique", Count::Unique),
    ("published", Count::Published),
    ("acked", Count::Acked),
    ("refused", Count::Refused),
    ("late", Count::Late),
    ("seq_gaps", Count::SeqGaps),
    ("connections", Count::Connections),
    ("connect_failed", Count::ConnectFailed),
    ("connect_fail_ratio", Count::ConnectFailRatio),
    ("disconnects", Count::Disconnects),
    ("reconnects", Count::Reconnects),
    ("reconnect_failures", Count::ReconnectFailures),
    ("peak_reconnect_rate", Count::PeakReconnectRate),
    ("all_reconnected_s", Count::AllReconnectedS),
    ("still_down", Count::StillDown),
    ("errors", Count::Errors),
    ("cpu_s", Count::CpuS),
    ("cpu_us_per_msg", Count::CpuUsPerMsg),
    ("rss_per_conn_kb", Count::RssPerConnKb),
];

/// A latency histogram of a report; its name is its key in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    E2e,
    Service,
    Puback,
    Pubrec,
    Pubcomp,
    Connect,
    ConnectTcp,
    ConnectTls,
    ConnectWs,
    Connack,
    Reconnect,
    Suback,
    Lag,
}

pub const HISTS: &[(&str, Timing)] = &[
    ("e2e", Timing::E2e),
    ("service", Timing::Service),
    ("puback", Timing::Puback),
    ("pubrec", Timing::Pubrec),
    ("pubcomp", Timing::Pubcomp),
    ("connect", Timing::Connect),
    ("connect_tcp", Timing::ConnectTcp),
    ("connect_tls", Timing::ConnectTls),
    ("connect_ws", Timing::ConnectWs),
    ("connack", Timing::Connack),
    ("reconnect", Timing::Reconnect),
    ("suback", Timing::Suback),
    ("lag", Timing::Lag),
];

impl Timing {
    /// The histogram's key in the report.
    pub fn key(self) -> &'static str {
        HISTS.iter().find(|(_, h)| *h == self).map_or("", |(n, _)| n)
    }
}

/// A statistic of a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    P50,
    P90,
    P95,
    P99,
    P999,
    Max,
    Min,
    Mean,
}

pub const STATS: &[(&str, Stat)] = &[
    ("p50", Stat::P50),
    ("p90", Stat::P90),
    ("p95", Stat::P95),
    ("p99", Stat::P99),
    ("p999", Stat::P999),
    ("max", Stat::Max),
    ("min", Stat::Min),
    ("mean", Stat::Mean),
];

/// What an assertion reads from a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Count(Count),
    /// A latency statistic (`hist` `None`: the scenario's main histogram),
    /// in ms (`us` false) or µs.
    Latency {
        hist: Option<Timing>,
        stat: Stat,
        us: bool,
    },
}

fn find<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

impl Metric {
    /// The metric called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Metric> {
        if let Some(c) = find(COUNTS, name) {
            return Some(Metric::Count(c));
        }
        let (base, us) = match name.strip_suffix("_ms") {
            Some(b) => (b, false),
            None => (name.strip_suffix("_us")?, true),
        };
        let (hist, stat) = match base.rsplit_once('_') {
            Some((h, s)) => (Some(find(HISTS, h)?), s),
            None => (None, base),
        };
        Some(Metric::Latency {
            hist,
            stat: find(STATS, stat)?,
            us,
        })
    }
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
        let name = metric.to_string();
        let metric = Metric::parse(&name).ok_or_else(|| {
            let counts: Vec<&str> = COUNTS.iter().map(|(n, _)| *n).collect();
            format!(
                "--assert '{text}': unknown metric '{name}'. Metrics: {}, and latencies such as p99_ms, e2e_p999_us, puback_p50_ms, connect_max_ms.",
                counts.join(", ")
            )
        })?;
        let value = match number.strip_suffix('%') {
            Some(n) => n.parse::<f64>().map(|v| v / 100.0),
            None => number.parse::<f64>(),
        }
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("--assert '{text}': '{number}' is not a number."))?;
        Ok(Assertion {
            name,
            metric,
            op,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_names_every_metric() {
        let readme = include_str!("../../README.md");
        let names = COUNTS.iter().map(|(n, _)| *n);
        let names = names
            .chain(HISTS.iter().map(|(n, _)| *n))
            .chain(STATS.iter().map(|(n, _)| *n));
        for name in names {
            assert!(readme.contains(name), "README.md does not name the metric {name}");
        }
    }

    #[test]
    fn parses_thresholds() {
        let a = Assertion::parse("p99_ms <= 20").unwrap();
        assert_eq!((a.name.as_str(), a.op, a.value), ("p99_ms", Op::Le, 20.0));
        let main_p99 = Metric::Latency {
            hist: None,
            stat: Stat::P99,
            us: false,
        };
        assert_eq!(a.metric, main_p99);
        assert_eq!(
            Assertion::parse("e2e_p999_us<1").unwrap().metric,
            Metric::Latency {
                hist: Some(Timing::E2e),
                stat: Stat::P999,
                us: true
            }
        );
        assert_eq!(
            Assertion::parse("dup==0").unwrap().metric,
            Metric::Count(Count::Duplicated)
        );
        assert!(Assertion::parse("connect_tls_p99_ms<5").is_ok());
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
