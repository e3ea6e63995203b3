//! The human summary printed at the end of a run (and of a merge).

use std::fmt::Write;

use super::Report;
use crate::bench::stats::Summary;
use crate::settings::ScenarioKind;

fn ms(us: u64) -> String {
    let v = us as f64 / 1000.0;
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn latency_line(s: &Summary) -> String {
    format!(
        "p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {} ms  ({} samples)",
        ms(s.p50_us),
        ms(s.p90_us),
        ms(s.p99_us),
        ms(s.p999_us),
        ms(s.max_us),
        ms(s.mean_us as u64),
        s.count
    )
}

fn rate(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn causes(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{v}× {k}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The summary, several lines, each `label  figures`.
pub fn summary(r: &Report) -> String {
    let mut o = String::new();
    let cfg = &r.config;
    let _ = writeln!(
        o,
        "mqtt-bench {}: {} (shards {:?} of {}), measured {:.1} s",
        serde_json::to_value(r.scenario)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        cfg.broker,
        r.shards,
        r.shard_count,
        r.window_s
    );
    connections(r, &mut o);
    publishing(r, &mut o);
    delivery(r, &mut o);
    generator_and_verdicts(r, &mut o);
    o
}

/// Connections, their latencies, subscription failures, disconnects.
fn connections(r: &Report, o: &mut String) {
    let c = &r.connections;
    let _ = writeln!(
        *o,
        "  connections  {} of {} connected in {:.2} s ({} /s){}",
        c.succeeded,
        c.attempted,
        c.connect_phase_s,
        rate(c.connect_rate),
        if c.failed > 0 {
            format!(", {} FAILED: {}", c.failed, causes(&c.errors))
        } else {
            String::new()
        }
    );
    if let Some(s) = r.latency.get("connect") {
        let _ = writeln!(*o, "  connect      {}", latency_line(s));
    }
    // Each layer of a connect on its own: a slow TLS terminator shows
    // apart from a slow broker.
    let phases: Vec<String> = [
        ("connect_tcp", "tcp"),
        ("connect_tls", "tls"),
        ("connect_ws", "ws"),
        ("connack", "connack"),
    ]
    .iter()
    .filter_map(|(name, label)| {
        r.latency
            .get(*name)
            .map(|s| format!("{label} p50 {} p99 {}", ms(s.p50_us), ms(s.p99_us)))
    })
    .collect();
    if !phases.is_empty() {
        let _ = writeln!(*o, "  phases       {} ms", phases.join(" · "));
    }
    if c.brokers.len() > 1 {
        let brokers: Vec<String> = (c.brokers.iter())
            .map(|(b, n)| format!("{b} {}/{}", n.succeeded, n.attempted))
            .collect();
        let _ = writeln!(*o, "  brokers      {} connected", brokers.join(", "));
    }
    if let Some(s) = r.latency.get("suback") {
        let _ = writeln!(*o, "  suback       {}", latency_line(s));
    }
    if !c.suback_errors.is_empty() {
        let _ = writeln!(*o, "  subscribe    FAILED: {}", causes(&c.suback_errors));
    }
    if !c.disconnects.is_empty() || c.reconnects > 0 {
        let _ = writeln!(
            *o,
            "  disconnects  {} ({}), {} reconnects",
            c.disconnects.values().sum::<u64>(),
            causes(&c.disconnects),
            c.reconnects
        );
    }
    if let Some(s) = r.latency.get("reconnect") {
        let _ = writeln!(
            *o,
            "  reconnect    back within p50 {} p99 {} max {} ms; {}; peak {} reconnects/s; {} attempts failed",
            ms(s.p50_us),
            ms(s.p99_us),
            ms(s.max_us),
            match c.all_reconnected_s {
                Some(v) => format!("all back {v:.2} s after the first loss"),
                None => format!("{} STILL DOWN at the end", c.still_down),
            },
            c.peak_reconnect_rate,
            c.reconnect_failures
        );
    }
}

/// What was sent and acknowledged (pub, pubsub).
fn publishing(r: &Report, o: &mut String) {
    let p = &r.publish;
    if r.scenario == ScenarioKind::Pub || r.scenario == ScenarioKind::Pubsub {
        let target = p.target_rate.map_or("as fast as possible".to_string(), |t| {
            format!("target {} msg/s", rate(t))
        });
        let _ = writeln!(
            *o,
            "  publish      {} sent at QoS {}, offered {} msg/s ({target}), {} late by > 1 ms",
            p.published,
            p.qos,
            rate(p.offered_rate),
            p.late
        );
        if p.qos > 0 {
            let _ = writeln!(
                *o,
                "  acked        {} ({} msg/s){}{}",
                p.acked,
                rate(p.acked_rate),
                if p.refused.is_empty() {
                    String::new()
                } else {
                    format!(", REFUSED: {}", causes(&p.refused))
                },
                if p.no_subscribers > 0 {
                    format!(", {} with no matching subscribers", p.no_subscribers)
                } else {
                    String::new()
                }
            );
        }
        for (name, label) in [
            ("lag", "sched. lag"),
            ("puback", "PUBACK"),
            ("pubrec", "PUBREC"),
            ("pubcomp", "PUBCOMP"),
        ] {
            if let Some(s) = r.latency.get(name) {
                let _ = writeln!(*o, "  {label:<11}  {}", latency_line(s));
            }
        }
    }
}

/// What arrived (sub, pubsub).
fn delivery(r: &Report, o: &mut String) {
    let d = &r.delivery;
    if r.scenario == ScenarioKind::Sub || r.scenario == ScenarioKind::Pubsub {
        let _ = writeln!(
            *o,
            "  delivery     {} expected, {} received, {} lost ({:.4}%), {} duplicated, {} out of order{}",
            d.expected,
            d.unique,
            d.lost,
            d.loss_ratio * 100.0,
            d.duplicated,
            d.out_of_order,
            if d.foreign > 0 {
                format!(", {} without an mqtt-bench header", d.foreign)
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            *o,
            "  throughput   {} msg/s delivered, {:.2} MB/s",
            rate(d.delivered_rate),
            d.bytes_rate / 1e6
        );
        if let Some(s) = r.latency.get("e2e") {
            let _ = writeln!(*o, "  end to end   {}", latency_line(s));
        }
        if let Some(s) = r.latency.get("service") {
            let _ = writeln!(*o, "  from send    {}", latency_line(s));
        }
    }
    if let Some(sp) = &r.sparkplug {
        let _ = writeln!(
            *o,
            "  sparkplug    {} births, {} deaths heard; {} seq gaps ({} messages skipped); {} rebirths answered",
            sp.births, sp.deaths, sp.seq_gaps, sp.seq_skipped, sp.rebirths
        );
    }
}

/// The generator's costs, warnings, a run failure and the verdicts.
fn generator_and_verdicts(r: &Report, o: &mut String) {
    let g = &r.generator;
    let _ = writeln!(
        *o,
        "  generator    {:.2} CPU-s on {} CPUs ({} µs/msg), peak RSS {:.1} MiB{}",
        g.cpu_s,
        g.cpus,
        g.cpu_us_per_message,
        g.max_rss_bytes as f64 / 1048576.0,
        if g.rss_per_connection_bytes > 0 {
            format!(", {:.1} KiB per connection", g.rss_per_connection_bytes as f64 / 1024.0)
        } else {
            String::new()
        }
    );
    for w in &r.warnings {
        let _ = writeln!(*o, "  warning      {w}");
    }
    if let Some(e) = &r.run_error {
        let _ = writeln!(*o, "  RUN FAILED   {e}");
    }
    for v in &r.verdicts {
        let value = v.value.map_or("not measured".to_string(), |v| {
            format!("measured {}", (v * 1000.0).round() / 1000.0)
        });
        let _ = writeln!(
            *o,
            "  {}         {} ({value})",
            if v.pass { "pass" } else { "FAIL" },
            v.check
        );
    }
}
