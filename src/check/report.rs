//! A check's report: each item with its result, value, detail and evidence;
//! the latency sample; the verdicts of `--assert`; the table on stdout.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::bench::report::Conclusion;
use crate::bench::report::export::Document;
use crate::bench::stats::Summary;
use crate::settings::CheckAssertion;
use crate::settings::check::{CheckItem, Group};

/// The JSON report's schema version (a check report's own series).
pub const SCHEMA: u32 = 1;

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Res {
    /// The broker did what MQTT promises.
    Pass,
    /// It did something else (the detail says what).
    Fail,
    /// It does not offer the feature (and said so, or refused it cleanly).
    Unsupported,
    /// Not tried: something it needs was not there (no connection, an
    /// older protocol version, no credentials given).
    Skipped,
    /// A value the broker reported (a CONNACK property, a version).
    Info,
}

impl Res {
    fn text(self) -> &'static str {
        match self {
            Res::Pass => "pass",
            Res::Fail => "FAIL",
            Res::Unsupported => "unsupported",
            Res::Skipped => "skipped",
            Res::Info => "",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    #[serde(rename = "name")]
    pub item: CheckItem,
    pub group: Group,
    pub result: Res,
    /// The item's value, where it has one (a limit, a flag, a version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    pub detail: String,
    /// What was sent and what came back.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckVerdict {
    pub check: String,
    pub pass: bool,
    /// The item's result or value the check looked at.
    pub found: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckConfig {
    pub topic_prefix: String,
    pub max_payload: usize,
    pub probe_timeout_s: f64,
    /// The MQTT version the behaviour probes spoke (3, 4 or 5), if any.
    pub protocol: Option<u8>,
    pub tls: bool,
    pub username: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub schema: u32,
    pub tool: String,
    /// Always "check" (a load test's report names its scenario here too).
    pub scenario: &'static str,
    pub broker: String,
    pub config: CheckConfig,
    pub started: String,
    pub duration_s: f64,
    /// The MQTT 5 CONNACK's properties as the broker sent them (absent ones
    /// left out).
    pub connack: Option<BTreeMap<String, Value>>,
    pub items: Vec<ItemResult>,
    /// Connect and QoS 0/1/2 round trips (publish to delivery), µs.
    pub latency: BTreeMap<String, Summary>,
    pub verdicts: Vec<CheckVerdict>,
    pub outcome: Conclusion,
    /// Why the check could not run (the broker could not be reached).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CheckReport {
    pub fn item(&self, item: CheckItem) -> Option<&ItemResult> {
        self.items.iter().find(|i| i.item == item)
    }

    /// Judge every `--assert`.
    pub fn judge(&mut self, asserts: &[CheckAssertion]) {
        self.verdicts = asserts.iter().map(|a| verdict(self, a)).collect();
    }

    /// The table on stdout: one line per item, then the latency sample and
    /// the verdicts.
    pub fn table(&self) -> String {
        let mut out = format!("mqtt-bench check: {} ({:.1} s)\n", self.broker, self.duration_s);
        if let Some(e) = &self.error {
            out.push_str(&format!("  {e}\n"));
        }
        let width = self.items.iter().map(|i| i.item.name().len()).max().unwrap_or(10);
        let mut group = None;
        for i in &self.items {
            if group != Some(i.group) {
                group = Some(i.group);
                out.push_str(&format!("{}\n", i.group.title()));
            }
            let (result, detail) = match (i.result, &i.value) {
                // A long value (an assigned id, a version) goes with the detail.
                (Res::Info, Some(v)) if value_text(v).chars().count() > 12 => {
                    ("info".to_string(), format!("{}: {}", value_text(v), i.detail))
                }
                (Res::Info, Some(v)) => (value_text(v), i.detail.clone()),
                (Res::Info, None) => ("-".into(), i.detail.clone()),
                (r, _) => (r.text().into(), i.detail.clone()),
            };
            out.push_str(&format!("  {:width$}  {:12} {}\n", i.item.name(), result, detail));
        }
        if !self.verdicts.is_empty() {
            out.push_str("assertions\n");
            for v in &self.verdicts {
                out.push_str(&format!(
                    "  {} {} (found {})\n",
                    if v.pass { "pass" } else { "FAIL" },
                    v.check,
                    value_text(&v.found)
                ));
            }
        }
        out
    }
}

impl Document for CheckReport {
    fn text(&self) -> String {
        self.table()
    }

    fn json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }

    fn conclusion(&self) -> Conclusion {
        self.outcome
    }

    fn failure(&self) -> String {
        format!("the check could not run: {}", self.error.as_deref().unwrap_or(""))
    }

    fn assertions(&self) -> (usize, usize) {
        let failed = self.verdicts.iter().filter(|v| !v.pass).count();
        (failed, self.verdicts.len())
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Whether a value counts as "yes": true, a number other than 0, a
/// non-empty string.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => false,
    }
}

fn verdict(r: &CheckReport, a: &CheckAssertion) -> CheckVerdict {
    let item = r.item(a.item());
    // What the check looked at: an item's value when it is one, else its result.
    let result = item.map_or(Value::Null, |i| match (i.result, &i.value) {
        (Res::Info, Some(v)) => v.clone(),
        (r, _) => serde_json::to_value(r).unwrap_or(Value::Null),
    });
    // An item holds when it passed, or when it is a value that says yes.
    let holds = item.map(|i| match i.result {
        Res::Pass => Some(true),
        Res::Fail | Res::Unsupported => Some(false),
        Res::Skipped => None,
        Res::Info => i.value.as_ref().map(truthy),
    });
    let (pass, found) = match a {
        CheckAssertion::Holds(_) => (holds.flatten() == Some(true), result),
        CheckAssertion::Not(_) => (holds.flatten() == Some(false), result),
        CheckAssertion::Compare { op, value, .. } => {
            let v = item.and_then(|i| i.value.clone()).unwrap_or(Value::Null);
            let x = match &v {
                Value::Number(n) => n.as_f64(),
                Value::Bool(b) => Some(f64::from(u8::from(*b))),
                _ => None,
            };
            (x.is_some_and(|x| op.holds(x, *value)), v)
        }
    };
    CheckVerdict {
        check: a.to_string(),
        pass,
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(items: Vec<(&str, Res, Option<Value>)>) -> CheckReport {
        CheckReport {
            schema: SCHEMA,
            tool: String::new(),
            scenario: "check",
            broker: String::new(),
            config: CheckConfig {
                topic_prefix: String::new(),
                max_payload: 0,
                probe_timeout_s: 5.0,
                protocol: Some(5),
                tls: false,
                username: None,
            },
            started: String::new(),
            duration_s: 0.0,
            connack: None,
            items: items
                .into_iter()
                .map(|(name, result, value)| ItemResult {
                    item: CheckItem::from_name(name).unwrap(),
                    group: Group::Behaviour,
                    result,
                    value,
                    detail: String::new(),
                    evidence: Vec::new(),
                })
                .collect(),
            latency: BTreeMap::new(),
            verdicts: Vec::new(),
            outcome: Conclusion::Pass,
            error: None,
        }
    }

    #[test]
    fn verdicts_read_results_and_values() {
        let mut r = report(vec![
            ("retain", Res::Unsupported, None),
            ("qos2", Res::Pass, None),
            ("will_delay", Res::Skipped, None),
            ("retain_available", Res::Info, Some(json!(false))),
            ("max_packet_size", Res::Info, Some(json!(2000))),
            ("max_payload", Res::Pass, Some(json!(1024))),
        ]);
        let asserts: Vec<CheckAssertion> = [
            "!retain",
            "qos2",
            "retain",
            "will_delay",
            "!will_delay",
            "!retain_available",
            "max_packet_size>=1048576",
            "max_payload==1KiB",
        ]
        .iter()
        .map(|a| CheckAssertion::parse(a).unwrap())
        .collect();
        r.judge(&asserts);
        let got: Vec<(String, bool)> = r.verdicts.iter().map(|v| (v.check.clone(), v.pass)).collect();
        let want = [
            ("!retain", true),
            ("qos2", true),
            ("retain", false),
            // A skipped item proves nothing either way.
            ("will_delay", false),
            ("!will_delay", false),
            ("!retain_available", true),
            ("max_packet_size>=1048576", false),
            ("max_payload==1024", true),
        ];
        assert_eq!(got, want.map(|(c, p)| (c.to_string(), p)));
        assert_eq!(r.verdicts[5].found, json!(false));
        assert_eq!(r.verdicts[6].found, json!(2000));
    }
}
