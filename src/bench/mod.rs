//! mqtt-bench, in three stages: `load` runs a scenario (connect, start
//! every client on one schedule, drain, disconnect), `tally` adds the
//! clients' outcomes up into the report and judges it (`--assert`,
//! `--baseline`), [`report`] is the document and its outputs (text, JSON,
//! HTML: `report::export`, which `mqtt-bench check` shares). The exit:
//! 0 pass, 1 an assertion failed, 2 usage error, 3 the run itself failed.
//! `mqtt-bench check` is a feature of its own ([`crate::check`]).

mod load;
pub mod report;
pub mod stats;
mod tally;

use crate::exit::{self, Exit, Program};
use crate::settings::{BenchJob, ReportSettings};
use report::{Conclusion, Report};

/// Entry point of `mqtt-bench`.
pub fn run(job: BenchJob, _program: &Program) -> anyhow::Result<()> {
    match job {
        BenchJob::Merge {
            reports,
            report: settings,
        } => {
            let reports = reports
                .iter()
                .map(|p| read_report(p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let merged = report::merge(reports).map_err(|e| exit::error(Exit::Usage, format!("{e:#}.")))?;
            exit::status(finish(merged, &settings)?)
        }
        BenchJob::Check(settings) => crate::check::run(*settings),
        BenchJob::Run(settings) => {
            let report_settings = settings.report.clone();
            // Fail on a bad baseline before spending a run on it.
            if let Some(b) = &report_settings.baseline {
                read_report(b)?;
            }
            let report = crate::runtime(settings.threads)?.block_on(load::run(*settings))?;
            exit::status(finish(report, &report_settings)?)
        }
    }
}

/// Verdicts, outputs, exit code.
fn finish(mut r: Report, s: &ReportSettings) -> anyhow::Result<Exit> {
    r.verdicts = s.asserts.iter().map(|a| a.check(&r)).collect();
    if let Some(b) = &s.baseline {
        let base = read_report(b)?;
        r.verdicts
            .extend(tally::verdicts::against_baseline(&r, &base, s.tolerance));
    }
    r.outcome = Conclusion::of(r.run_error.is_some(), r.verdicts.iter().any(|v| !v.pass));
    report::export::publish(&r, s.json.as_deref(), s.html.as_deref())
}

/// Read a JSON report (for merge and --baseline); a bad one is a usage error.
fn read_report(path: &str) -> anyhow::Result<Report> {
    let bad = |why: String| exit::error(Exit::Usage, format!("{path}: {why}."));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    if value.get("scenario").and_then(serde_json::Value::as_str) == Some("check") {
        return Err(bad("a check report, not a load test's".into()));
    }
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(report::SCHEMA) => {}
        Some(v) => {
            return Err(bad(format!(
                "report schema {v}, this mqtt-bench reads {}",
                report::SCHEMA
            )));
        }
        None => return Err(bad("not an mqtt-bench report".into())),
    }
    serde_json::from_value(value).map_err(|e| bad(format!("not an mqtt-bench report: {e}")))
}
