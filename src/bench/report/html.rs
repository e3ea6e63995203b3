//! `--html FILE`: one self-contained page (no scripts, no network) that reads
//! at a glance: the outcome and each assertion's verdict first, then the
//! charts as inline SVG — throughput, end-to-end latency and connections
//! per second, the connection phases, the time to reconnect and the main
//! latency by percentile — and the text summary last.
//!
//! Every line on the page has a colour of its own (a test finds each chart's
//! lines in a screenshot by colour). Rates come from each second's counts ÷
//! the part of the second the run covered, so the last, partial second is a
//! rate like the others (and drawn as a hollow point), not a drop to zero.

use std::fmt::Write;

use super::{Conclusion, Report, Second};
use crate::bench::stats::Hist;

const W: f64 = 760.0;
const H: f64 = 280.0;
const PAD: f64 = 50.0;
/// Room for the y axis labels.
const LEFT: f64 = 80.0;
/// Room for the legend above the plot.
const TOP: f64 = 70.0;

/// A tick label with as many decimals as the scale needs.
fn tick(v: f64, top: f64) -> String {
    if top >= 100.0 {
        format!("{v:.0}")
    } else if top >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// One line of a chart.
struct Series {
    name: String,
    colour: &'static str,
    width: f64,
    /// SVG stroke-dasharray, "" for solid.
    dash: &'static str,
    points: Vec<(f64, f64)>,
    /// Points drawn hollow: partial seconds.
    hollow: Vec<(f64, f64)>,
}

impl Series {
    fn new(name: &str, colour: &'static str, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.to_string(),
            colour,
            width: 2.5,
            dash: "",
            points,
            hollow: Vec::new(),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A line chart with a legend; x ticks are given as (position, label).
fn chart(title: &str, y_label: &str, lines: &[Series], x_ticks: &[(f64, String)], note: &str) -> String {
    let (x0, x1, y1) = bounds(lines, x_ticks);
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - PAD);
    let sy = |y: f64| H - PAD - (y / y1) * (H - PAD - TOP);
    let mut s = format!(
        r#"<section class="chart"><h2>{}</h2><svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#,
        escape(title)
    );
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#444"/>"##,
        b = H - PAD,
        r = W - PAD
    );
    for i in 0..=4 {
        let v = y1 * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}" stroke="#e4e4e4"/><text x="{tx}" y="{y:.1}" text-anchor="end" dominant-baseline="middle">{v}</text>"##,
            y = sy(v),
            r = W - PAD,
            tx = LEFT - 4.0,
            v = tick(v, y1)
        );
    }
    for (x, label) in x_ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            sx(*x),
            H - PAD + 16.0,
            escape(label)
        );
    }
    let _ = write!(
        s,
        r#"<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle">{}</text>"#,
        (H + TOP - PAD) / 2.0,
        (H + TOP - PAD) / 2.0,
        escape(y_label)
    );
    for (i, l) in lines.iter().enumerate() {
        draw(&mut s, i, l, &sx, &sy);
    }
    s.push_str("</svg>");
    if !note.is_empty() {
        let _ = write!(s, r#"<p class="note">{}</p>"#, escape(note));
    }
    s.push_str("</section>");
    s
}

/// The x range of the lines and ticks, and the top of the y axis (a tenth
/// above the highest point; never an empty range).
fn bounds(lines: &[Series], x_ticks: &[(f64, String)]) -> (f64, f64, f64) {
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for (x, y) in lines.iter().flat_map(|l| l.points.iter()) {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    for (x, _) in x_ticks {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
    }
    if x0 >= x1 {
        x1 = x0 + 1.0;
    }
    if y1 <= 0.0 {
        y1 = 1.0;
    }
    (x0, x1, y1 * 1.1)
}

/// Series `i` of a chart: its polyline, its hollow points and its legend entry
/// (in two columns above the plot); `sx`/`sy` map data to the picture.
fn draw(s: &mut String, i: usize, l: &Series, sx: &impl Fn(f64) -> f64, sy: &impl Fn(f64) -> f64) {
    let pts: Vec<String> = l
        .points
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
        .collect();
    let dash = if l.dash.is_empty() {
        String::new()
    } else {
        format!(r#" stroke-dasharray="{}""#, l.dash)
    };
    let _ = write!(
        s,
        r#"<polyline fill="none" stroke="{c}" stroke-width="{w}" stroke-linejoin="round"{dash} points="{p}"/>"#,
        c = l.colour,
        w = l.width,
        p = pts.join(" "),
    );
    for (x, y) in &l.hollow {
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="white" stroke="{}" stroke-width="2"/>"#,
            sx(*x),
            sy(*y),
            l.colour
        );
    }
    // The legend, in two columns above the plot.
    let (lx, ly) = (LEFT + 10.0 + 260.0 * (i % 2) as f64, 18.0 + 16.0 * (i / 2) as f64);
    let _ = write!(
        s,
        r##"<line x1="{lx}" y1="{ly}" x2="{x2}" y2="{ly}" stroke="{c}" stroke-width="{w}"{dash}/><text x="{tx}" y="{ly}" dominant-baseline="middle" fill="#222">{n}</text>"##,
        x2 = lx + 18.0,
        c = l.colour,
        w = l.width,
        tx = lx + 24.0,
        n = escape(&l.name)
    );
}

/// The x axis of the percentile charts: the usual "nines".
fn nines_ticks() -> Vec<(f64, String)> {
    [
        (0.0, "p0"),
        (1.0, "p90"),
        (2.0, "p99"),
        (3.0, "p99.9"),
        (4.0, "p99.99"),
        (5.0, "p99.999"),
    ]
    .map(|(x, l)| (x, l.to_string()))
    .to_vec()
}

/// A histogram as latency (ms) against percentile on the nines scale.
fn percentile_points(h: &Hist) -> Vec<(f64, f64)> {
    (0..=50)
        .map(|k| {
            let nines = f64::from(k) / 10.0;
            let q = 1.0 - 10f64.powf(-nines);
            (nines, h.quantile(q) as f64 / 1000.0)
        })
        .collect()
}

fn time_ticks(r: &Report) -> Vec<(f64, String)> {
    let last = r.series.iter().map(|s| s.t + 1).max().unwrap_or(1);
    let step = (last / 8).max(1);
    (0..=last)
        .step_by(step as usize)
        .map(|t| (t as f64, format!("{t}s")))
        .collect()
}

/// A per-second series as a line: each second's count ÷ the part of the
/// second the run covered, at the middle of that part; partial seconds
/// also as hollow points.
fn per_second(r: &Report, name: &str, colour: &'static str, count: fn(&Second) -> f64) -> Series {
    let at = |s: &Second| (middle(s), count(s) / s.span_s.clamp(0.001, 1.0));
    let mut l = Series::new(name, colour, r.series.iter().map(at).collect());
    l.hollow = r.series.iter().filter(|s| s.span_s < 0.999).map(at).collect();
    l
}

/// The middle of the part of a second the run covered, on the time axis.
fn middle(s: &Second) -> f64 {
    s.t as f64 + s.span_s.clamp(0.001, 1.0) / 2.0
}

/// A note on the partial seconds of the series, if any.
fn partial_note(r: &Report) -> String {
    let partial: Vec<String> = (r.series.iter())
        .filter(|s| s.span_s < 0.999)
        .map(|s| format!("second {} covers {:.2} s", s.t, s.span_s))
        .collect();
    if partial.is_empty() {
        String::new()
    } else {
        format!(
            "Hollow points are partial seconds ({}), drawn as rates like the others.",
            partial.join(", ")
        )
    }
}

/// The outcome and the verdicts, first on the page.
fn verdicts(r: &Report) -> String {
    let failed = r.verdicts.iter().filter(|v| !v.pass).count();
    let (class, head) = match r.outcome {
        Conclusion::Pass if r.verdicts.is_empty() => {
            ("pass", "PASS — the run worked (no assertions given)".to_string())
        }
        Conclusion::Pass => ("pass", format!("PASS — all {} assertions held", r.verdicts.len())),
        Conclusion::Fail => (
            "fail",
            format!("FAIL — {failed} of {} assertions failed", r.verdicts.len()),
        ),
        Conclusion::Error => ("error", "ERROR — the run itself failed".to_string()),
    };
    let mut s = format!(r#"<div class="outcome {class}">{}</div>"#, escape(&head));
    if let Some(e) = &r.run_error {
        let _ = write!(s, r#"<p class="run-error">{}</p>"#, escape(e));
    }
    if !r.verdicts.is_empty() {
        s.push_str(r#"<table class="verdicts"><tr><th>assertion</th><th>measured</th><th>verdict</th></tr>"#);
        for v in &r.verdicts {
            let measured = v.value.map_or("not measured".to_string(), |x| {
                format!("{}", (x * 1000.0).round() / 1000.0)
            });
            let _ = write!(
                s,
                r#"<tr class="{c}"><td><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
                escape(&v.check),
                escape(&measured),
                if v.pass { "pass" } else { "FAIL" },
                c = if v.pass { "pass" } else { "fail" },
            );
        }
        s.push_str("</table>");
    }
    if !r.warnings.is_empty() {
        s.push_str(r#"<ul class="warnings">"#);
        for w in &r.warnings {
            let _ = write!(s, "<li>{}</li>", escape(w));
        }
        s.push_str("</ul>");
    }
    s
}

/// The charts, in the order a reader asks: how much, how fast, whether
/// connections held, how connecting went, and the whole distribution.
fn charts(r: &Report) -> String {
    time_charts(r) + &percentile_charts(r)
}

/// The charts over the run's seconds: throughput, end-to-end latency,
/// connections lost and made again.
fn time_charts(r: &Report) -> String {
    let mut body = String::new();
    let ticks = time_ticks(r);
    let note = partial_note(r);
    if r.series.iter().any(|s| s.sent + s.acked + s.received > 0) {
        // Drawn widest first, so each stays visible where they coincide.
        let mut sent = per_second(r, "sent", "#9ecae1", |s| s.sent as f64);
        sent.width = 7.0;
        let mut acked = per_second(r, "acknowledged", "#2ca02c", |s| s.acked as f64);
        acked.width = 3.0;
        acked.dash = "8 5";
        let received = per_second(r, "received", "#d62728", |s| s.received as f64);
        let mut lines = vec![sent];
        if r.publish.qos > 0 {
            lines.push(acked);
        }
        if r.series.iter().any(|s| s.received > 0) {
            lines.push(received);
        }
        body.push_str(&chart(
            "Throughput per second",
            "messages per second",
            &lines,
            &ticks,
            &note,
        ));
    }
    if r.series.iter().any(|s| s.e2e_p99_us > 0) {
        let line = |name, colour, f: fn(&Second) -> u64| {
            Series::new(
                name,
                colour,
                (r.series.iter())
                    .filter(|s| s.received > 0)
                    .map(|s| (middle(s), f(s) as f64 / 1000.0))
                    .collect(),
            )
        };
        body.push_str(&chart(
            "End-to-end latency per second",
            "ms",
            &[
                line("p50", "#9467bd", |s| s.e2e_p50_us),
                line("p99", "#8c564b", |s| s.e2e_p99_us),
            ],
            &ticks,
            "",
        ));
    }
    if r.series.iter().any(|s| s.disconnects + s.reconnects > 0) {
        let mut lost = per_second(r, "connections lost", "#e377c2", |s| s.disconnects as f64);
        lost.width = 5.0;
        let back = per_second(r, "reconnects", "#17becf", |s| s.reconnects as f64);
        body.push_str(&chart(
            "Connections lost and made again per second",
            "per second",
            &[lost, back],
            &ticks,
            &note,
        ));
    }
    body
}

/// The charts by percentile: connection phases, reconnects, the main latency.
fn percentile_charts(r: &Report) -> String {
    let mut body = String::new();
    let phases: Vec<Series> = [
        ("connect_tcp", "TCP connect", "#ff7f0e"),
        ("connect_tls", "TLS handshake", "#bcbd22"),
        ("connect_ws", "WebSocket upgrade", "#1f77b4"),
        ("connack", "CONNECT → CONNACK", "#98df8a"),
        ("connect", "whole connect", "#393b79"),
    ]
    .iter()
    .filter_map(|(key, name, colour)| {
        let h = Hist::decode(r.histograms.get(*key)?).ok()?;
        Some(Series::new(name, colour, percentile_points(&h)))
    })
    .collect();
    if !phases.is_empty() {
        body.push_str(&chart(
            "Connection phases by percentile",
            "ms",
            &phases,
            &nines_ticks(),
            "",
        ));
    }
    if let Some(h) = r.histograms.get("reconnect").and_then(|h| Hist::decode(h).ok()) {
        body.push_str(&chart(
            "Time to reconnect by percentile (lost → CONNACK)",
            "ms",
            &[Series::new("reconnect", "#7b4173", percentile_points(&h))],
            &nines_ticks(),
            "",
        ));
    }
    let main = ["e2e", "puback", "pubcomp", "lag"]
        .into_iter()
        .find(|n| r.histograms.contains_key(*n));
    if let Some(name) = main
        && let Ok(h) = Hist::decode(&r.histograms[name])
    {
        body.push_str(&chart(
            &format!("Latency by percentile ({name})"),
            "ms",
            &[Series::new(name, "#d6616b", percentile_points(&h))],
            &nines_ticks(),
            "",
        ));
    }
    body
}

/// The whole page.
pub fn page(r: &Report, summary: &str) -> String {
    let scenario = serde_json::to_value(r.scenario)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let body = format!(
        "<h1>mqtt-bench {} — {}</h1><p class=\"when\">{} → {}</p>{}{}<h2>Summary</h2><pre>{}</pre>",
        escape(&scenario),
        escape(&r.config.broker),
        escape(&r.started),
        escape(&r.ended),
        verdicts(r),
        charts(r),
        escape(summary)
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mqtt-bench report</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
}

const STYLE: &str = "body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}\
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}\
.outcome{font-size:1.5em;font-weight:bold;padding:.6em 1em;border-radius:6px;color:white}\
.outcome.pass{background:#2e7d32}.outcome.fail{background:#c62828}.outcome.error{background:#6a1b9a}\
.run-error{color:#6a1b9a;font-weight:bold}\
table.verdicts{border-collapse:collapse;margin:1em 0;width:100%}\
table.verdicts td,table.verdicts th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
tr.pass td:last-child{color:#2e7d32;font-weight:bold}tr.fail td:last-child{color:#c62828;font-weight:bold}\
.warnings li{color:#8a6d00}.note{font-size:12px;color:#555}.when{color:#555}";
