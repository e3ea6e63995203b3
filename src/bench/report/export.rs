//! The outputs of a finished document — a load test's report (after a run or
//! a merge) or a check's: one exporter per format behind one interface, and
//! the conclusion every document ends with (its exit, and what stderr says).

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::exit::{self, Exit};

/// What a run or a check came to, as CI reads it (and the exit code says).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Conclusion {
    /// It worked and every assertion held.
    #[default]
    Pass,
    /// An assertion (or baseline check) failed.
    Fail,
    /// The run itself failed.
    Error,
}

impl Conclusion {
    /// `failed`: the run itself did not work; `assertion_failed`: it did,
    /// but not every assertion held.
    pub fn of(failed: bool, assertion_failed: bool) -> Conclusion {
        match (failed, assertion_failed) {
            (true, _) => Conclusion::Error,
            (false, true) => Conclusion::Fail,
            (false, false) => Conclusion::Pass,
        }
    }

    pub fn exit(self) -> Exit {
        match self {
            Conclusion::Pass => Exit::Ok,
            Conclusion::Fail => Exit::AssertFailed,
            Conclusion::Error => Exit::Error,
        }
    }
}

/// What the exporters need of a document.
pub trait Document {
    /// The plain-text summary.
    fn text(&self) -> String;
    /// The JSON document.
    fn json(&self) -> serde_json::Result<String>;
    /// The HTML page (`text`: the summary, which the page ends with), for a
    /// document that has one.
    fn html(&self, _text: &str) -> Option<String> {
        None
    }
    fn conclusion(&self) -> Conclusion;
    /// Why it failed, when it did (`Conclusion::Error`): `the run failed: ...`.
    fn failure(&self) -> String;
    /// How many assertions failed, of how many.
    fn assertions(&self) -> (usize, usize);
}

/// What stderr says last when `doc` did not pass.
fn closing(doc: &dyn Document) -> Option<String> {
    match doc.conclusion() {
        Conclusion::Pass => None,
        Conclusion::Error => Some(format!("Error: {}", doc.failure())),
        Conclusion::Fail => {
            let (failed, of) = doc.assertions();
            Some(format!("Error: {failed} of {of} assertions failed."))
        }
    }
}

/// One output format.
pub trait Exporter {
    /// Write `doc` (`text`: its summary, made once).
    fn export(&self, doc: &dyn Document, text: &str) -> anyhow::Result<()>;
}

/// The summary: on stdout, or on stderr (unless `--quiet`) when the JSON
/// has stdout, so that stays pure JSON (e.g. for `kubectl logs`).
struct Text {
    to_stderr: bool,
}

impl Exporter for Text {
    fn export(&self, _doc: &dyn Document, text: &str) -> anyhow::Result<()> {
        if self.to_stderr {
            exit::diag(format_args!("{}", text.trim_end()));
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        Ok(out.flush()?)
    }
}

/// `--json FILE` (`-`: stdout).
struct Json(String);

impl Exporter for Json {
    fn export(&self, doc: &dyn Document, _text: &str) -> anyhow::Result<()> {
        let mut json = doc.json()?;
        json.push('\n');
        write_to(&self.0, json.as_bytes())
    }
}

/// `--html FILE`.
struct Html(String);

impl Exporter for Html {
    fn export(&self, doc: &dyn Document, text: &str) -> anyhow::Result<()> {
        match doc.html(text) {
            Some(page) => write_to(&self.0, page.as_bytes()),
            None => Ok(()),
        }
    }
}

/// Write `doc` in every format asked for — the summary always, JSON and HTML
/// to their files — then say why it did not pass; its exit.
pub fn publish(doc: &dyn Document, json: Option<&str>, html: Option<&str>) -> anyhow::Result<Exit> {
    let mut exporters: Vec<Box<dyn Exporter>> = vec![Box::new(Text {
        to_stderr: json == Some("-"),
    })];
    exporters.extend(json.map(|p| Box::new(Json(p.to_string())) as Box<dyn Exporter>));
    exporters.extend(html.map(|p| Box::new(Html(p.to_string())) as Box<dyn Exporter>));
    let text = doc.text();
    for e in &exporters {
        e.export(doc, &text)?;
    }
    if let Some(closing) = closing(doc) {
        exit::diag(format_args!("{closing}"));
    }
    Ok(doc.conclusion().exit())
}

fn write_to(path: &str, bytes: &[u8]) -> anyhow::Result<()> {
    if path == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    }
    std::fs::write(path, bytes).map_err(|e| exit::error(Exit::Usage, format!("cannot write {path}: {e}.")))
}
