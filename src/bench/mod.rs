//! mqtt-bench: runs a scenario ([`run`]: connect, start every client on one
//! schedule, drain, disconnect), builds the report ([`report`]), prints it
//! ([`text`], `--json`, [`html`]) and turns the verdicts into the exit code:
//! 0 pass, 1 an assertion failed, 2 usage error, 3 the run itself failed.
//! `check` ([`check`]) probes a broker's features instead, with its own
//! report and the same exit codes.

mod load;
pub mod report;
pub mod stats;
mod tally;

use std::io::Write;

use crate::exit::{self, Exit, Program};
use crate::settings::{BenchJob, ReportSettings};
use report::Report;

/// Entry point of `mqtt-bench`.
pub fn main(job: BenchJob, _program: &Program) -> anyhow::Result<()> {
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

/// Verdicts, outputs, exit code. With `--quiet` nothing goes to stderr (a
/// report on stdout stays pure JSON, e.g. for `kubectl logs`).
fn finish(mut r: Report, s: &ReportSettings) -> anyhow::Result<Exit> {
    r.verdicts = s.asserts.iter().map(|a| a.check(&r)).collect();
    if let Some(b) = &s.baseline {
        let base = read_report(b)?;
        r.verdicts
            .extend(tally::verdicts::against_baseline(&r, &base, s.tolerance));
    }
    let exit;
    (exit, r.outcome) = outcome(r.run_error.is_some(), r.verdicts.iter().any(|v| !v.pass));
    let summary = report::text::summary(&r);
    let json_to_stdout = s.json.as_deref() == Some("-");
    if json_to_stdout {
        crate::exit::diag(format_args!("{}", summary.trim_end()));
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(summary.as_bytes())?;
        out.flush()?;
    }
    if let Some(path) = &s.json {
        let mut doc = serde_json::to_string_pretty(&r)?;
        doc.push('\n');
        write_output(path, doc.as_bytes())?;
    }
    if let Some(path) = &s.html {
        write_output(path, report::html::page(&r, &summary).as_bytes())?;
    }
    if exit == Exit::Error {
        crate::exit::diag(format_args!(
            "Error: the run failed: {}",
            r.run_error.as_deref().unwrap_or("")
        ));
    } else if exit == Exit::AssertFailed {
        let failed = r.verdicts.iter().filter(|v| !v.pass).count();
        crate::exit::diag(format_args!(
            "Error: {failed} of {} assertions failed.",
            r.verdicts.len()
        ));
    }
    Ok(exit)
}

/// The exit code and outcome of a run (or a check): it failed, or an
/// assertion did, or it passed.
pub(crate) fn outcome(run_failed: bool, assertion_failed: bool) -> (Exit, report::Outcome) {
    if run_failed {
        (Exit::Error, report::Outcome::Error)
    } else if assertion_failed {
        (Exit::AssertFailed, report::Outcome::Fail)
    } else {
        (Exit::Ok, report::Outcome::Pass)
    }
}

pub(crate) fn write_output(path: &str, bytes: &[u8]) -> anyhow::Result<()> {
    if path == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    }
    std::fs::write(path, bytes).map_err(|e| exit::error(Exit::Usage, format!("cannot write {path}: {e}.")))
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
