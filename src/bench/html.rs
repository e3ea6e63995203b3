//! `--html FILE`: one self-contained page (no scripts, no network) with the
//! summary, the latency distribution by percentile, and throughput and
//! latency over time, as inline SVG.

use std::fmt::Write;

use super::report::Report;
use super::stats::Hist;

const W: f64 = 720.0;
const H: f64 = 260.0;
const PAD: f64 = 50.0;
/// Room for the y axis labels.
const LEFT: f64 = 80.0;

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
struct Line {
    name: String,
    colour: &'static str,
    points: Vec<(f64, f64)>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A line chart; x ticks are given as (position, label).
fn chart(title: &str, y_label: &str, lines: &[Line], x_ticks: &[(f64, String)]) -> String {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for (x, y) in all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    if x0 >= x1 {
        x1 = x0 + 1.0;
    }
    if y1 <= 0.0 {
        y1 = 1.0;
    }
    let y1 = y1 * 1.1;
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - PAD);
    let sy = |y: f64| H - PAD + -(y / y1) * (H - 2.0 * PAD);
    let mut s = format!(
        r#"<h2>{}</h2><svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#,
        escape(title)
    );
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/><line x1="{LEFT}" y1="{PAD}" x2="{LEFT}" y2="{b}" stroke="#444"/>"##,
        b = H - PAD,
        r = W - PAD
    );
    for i in 0..=4 {
        let v = y1 * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{y:.1}" text-anchor="end" dominant-baseline="middle">{v}</text>"##,
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
        H / 2.0,
        H / 2.0,
        escape(y_label)
    );
    for (i, l) in lines.iter().enumerate() {
        let pts: Vec<String> = l
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{p}"/><text x="{lx}" y="{ly}" fill="{c}">{n}</text>"#,
            c = l.colour,
            p = pts.join(" "),
            lx = W - PAD - 140.0,
            ly = PAD - 20.0 + 14.0 * i as f64,
            n = escape(&l.name)
        );
    }
    s.push_str("</svg>");
    s
}

/// Latency against percentile, x on the usual "nines" scale.
fn distribution(name: &str, h: &Hist) -> String {
    let points: Vec<(f64, f64)> = (0..=50)
        .map(|k| {
            let nines = f64::from(k) / 10.0;
            let q = 1.0 - 10f64.powf(-nines);
            (nines, h.quantile(q) as f64 / 1000.0)
        })
        .collect();
    let ticks = [
        (0.0, "p0"),
        (1.0, "p90"),
        (2.0, "p99"),
        (3.0, "p99.9"),
        (4.0, "p99.99"),
        (5.0, "p99.999"),
    ]
    .map(|(x, l)| (x, l.to_string()));
    chart(
        &format!("Latency distribution ({name})"),
        "ms",
        &[Line {
            name: name.to_string(),
            colour: "#1f77b4",
            points,
        }],
        &ticks,
    )
}

fn time_ticks(r: &Report) -> Vec<(f64, String)> {
    let last = r.series.last().map_or(1, |s| s.t.max(1));
    let step = (last / 8).max(1);
    (0..=last)
        .step_by(step as usize)
        .map(|t| (t as f64, format!("{t}s")))
        .collect()
}

/// The whole page.
pub fn page(r: &Report, summary: &str) -> String {
    let mut body = format!("<h1>mqtt-bench {:?}</h1><pre>{}</pre>", r.scenario, escape(summary));
    let main = ["e2e", "puback", "pubcomp", "lag", "connect"]
        .into_iter()
        .find(|n| r.histograms.contains_key(*n));
    if let Some(name) = main
        && let Ok(h) = Hist::decode(&r.histograms[name])
    {
        body.push_str(&distribution(name, &h));
    }
    if !r.series.is_empty() {
        let series = |name: &str, colour, f: fn(&super::report::Second) -> f64| Line {
            name: name.to_string(),
            colour,
            points: r.series.iter().map(|s| (s.t as f64, f(s))).collect(),
        };
        let ticks = time_ticks(r);
        body.push_str(&chart(
            "Throughput over time",
            "messages per second",
            &[
                series("sent", "#1f77b4", |s| s.sent as f64),
                series("acknowledged", "#2ca02c", |s| s.acked as f64),
                series("received", "#d62728", |s| s.received as f64),
            ],
            &ticks,
        ));
        if r.series.iter().any(|s| s.e2e_p99_us > 0) {
            body.push_str(&chart(
                "End-to-end latency over time",
                "ms",
                &[
                    series("p50", "#1f77b4", |s| s.e2e_p50_us as f64 / 1000.0),
                    series("p99", "#d62728", |s| s.e2e_p99_us as f64 / 1000.0),
                ],
                &ticks,
            ));
        }
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mqtt-bench report</title><style>body{{font-family:sans-serif;max-width:800px;margin:2em auto}}pre{{background:#f6f6f6;padding:1em;overflow-x:auto}}</style></head><body>{body}</body></html>\n"
    )
}
