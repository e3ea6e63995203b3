//! `mqtt-bench check`: what a broker supports and whether it keeps MQTT's
//! promises. The probes ([`probes`]) run one after another, each with its
//! own time limit, under a topic prefix of their own; what they leave
//! (retained messages, sessions) is cleared at the end. The report
//! ([`report`]) lists every item with its result, value, detail and
//! evidence, a latency sample, and the verdicts of `--assert`; exit codes
//! as the other scenarios: 0 every assertion held, 1 one failed, 2 usage,
//! 3 the broker could not be reached at all.

mod probe;
mod probes;
mod report;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Duration;

use serde_json::json;
use tokio::time::{Instant, timeout};

use crate::client::{Connector, target_of};
use crate::exit::{self, Exit};
use crate::mqtt::Protocol;
use crate::settings::CheckSettings;
use crate::settings::check::{BEHAVIOUR, CONNACK, LATENCY, item_place};
use probe::{Ctx, Evidence, Outcome};
use probes::Found;
use report::{CheckConfig, CheckReport, Item, Res};

/// Entry point of `mqtt-bench check`.
pub fn main(s: CheckSettings) -> anyhow::Result<()> {
    let mut r = crate::runtime(1)?.block_on(run(&s))?;
    r.judge(&s.asserts);
    let exit;
    (exit, r.outcome) = super::outcome(r.error.is_some(), r.verdicts.iter().any(|v| !v.pass));
    let table = r.table();
    if s.json.as_deref() == Some("-") {
        crate::exit::diag(format_args!("{}", table.trim_end()));
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(table.as_bytes())?;
        out.flush()?;
    }
    if let Some(path) = &s.json {
        let mut doc = serde_json::to_string_pretty(&r)?;
        doc.push('\n');
        super::write_output(path, doc.as_bytes())?;
    }
    if let Some(e) = &r.error {
        crate::exit::diag(format_args!("Error: the check could not run: {e}"));
    } else if exit == Exit::AssertFailed {
        let failed = r.verdicts.iter().filter(|v| !v.pass).count();
        crate::exit::diag(format_args!(
            "Error: {failed} of {} assertions failed.",
            r.verdicts.len()
        ));
    }
    exit::status(exit)
}

/// The items found so far, and the probes' shared context.
struct Run<'a> {
    ctx: &'a Ctx,
    items: Vec<Item>,
    s: &'a CheckSettings,
}

impl Run<'_> {
    fn result(&self, name: &str) -> Option<Res> {
        self.items.iter().find(|i| i.name == name).map(|i| i.result)
    }

    fn push(&mut self, found: Found, evidence: &[String]) {
        for (name, o) in found {
            let (_, group) = item_place(name).unwrap_or_else(|| panic!("{name} is not a check item"));
            self.items.push(Item {
                name,
                group,
                result: o.res,
                value: o.value,
                detail: o.detail,
                evidence: evidence.to_vec(),
            });
        }
    }

    /// Run one probe with the time limit; every name it reports gets an
    /// item (a probe cut off fails all of its items).
    async fn probe(&mut self, names: &[&'static str], f: impl AsyncFnOnce(&Ctx, &Evidence) -> Found) {
        self.probe_waiting(names, Duration::ZERO, f).await;
    }

    /// [`Run::probe`] for a probe of one item.
    async fn one(&mut self, name: &'static str, f: impl AsyncFnOnce(&Ctx, &Evidence) -> Outcome) {
        self.probe(&[name], async |c, e| vec![(name, f(c, e).await)]).await;
    }

    /// [`Run::probe`] for a probe that waits `wait` by design (an expiry,
    /// a will delay) on top of the time limit.
    async fn probe_waiting(
        &mut self,
        names: &[&'static str],
        wait: Duration,
        f: impl AsyncFnOnce(&Ctx, &Evidence) -> Found,
    ) {
        let ev = Evidence::default();
        let limit = self.s.probe_timeout + wait;
        let found = match timeout(limit, f(self.ctx, &ev)).await {
            Ok(found) => found,
            Err(_) => probes::all(
                names,
                &Outcome::fail(format!(
                    "no result within {limit:?} (--probe-timeout {:?})",
                    self.s.probe_timeout
                )),
            ),
        };
        let evidence = ev.take();
        self.push(found, &evidence);
    }

    /// Items that cannot run, all with the same outcome.
    fn skip(&mut self, names: &[&'static str], o: &Outcome) {
        self.push(probes::all(names, o), &[]);
    }
}

/// Items that need MQTT 5.
const V5_ONLY: &[&str] = &[
    "will_delay",
    "no_local",
    "retain_as_published",
    "retain_handling",
    "topic_alias",
    "subscription_identifiers",
    "properties_relayed",
];

async fn run(s: &CheckSettings) -> anyhow::Result<CheckReport> {
    let started_wall = chrono::Local::now();
    let started = Instant::now();
    let connector = Connector::new(&s.conn).map_err(|f| f.into_error())?;
    let ctx = Ctx::new(s.conn.clone(), connector, s.prefix.clone(), s.max_payload);
    let mut run = Run {
        ctx: &ctx,
        items: Vec::new(),
        s,
    };
    let mut latency = BTreeMap::new();
    let mut error = None;
    wait_for_broker(&ctx, s).await;

    let spoken = versions(&mut run).await;
    let speaks_v5 = run.result("mqtt5") == Some(Res::Pass);
    if !spoken.answered {
        error = Some(format!(
            "no CONNACK from {} in any MQTT version: {}",
            target_of(&s.conn.endpoint),
            run.items.first().map(|i| i.detail.clone()).unwrap_or_default()
        ));
    }
    let version = spoken.for_probes(s.protocol);
    // Access is tried in the version the probes speak, or one that works.
    ctx.speak(version.or(spoken.newest()).unwrap_or(s.conn.protocol));
    if let Some(v) = version {
        *ctx.connack.borrow_mut() = spoken.connacks.get(&v).cloned();
    }
    let access = access(&mut run).await;
    if let Some(v) = version {
        ctx.speak(v);
    }
    let can_run = spoken.answered && access && version.is_some();
    let why_not = why_not(&spoken, s.protocol, version, access);

    const ZERO_ID: &[&str] = &["zero_length_client_id", "assigned_client_identifier"];
    match can_run {
        true => run.probe(ZERO_ID, probes::zero_length_id).await,
        false => run.skip(ZERO_ID, &Outcome::skipped(why_not.clone())),
    }
    let connack = ctx.connack.borrow().clone();
    connack_items(
        &mut run,
        connack.as_ref(),
        version,
        can_run.then_some(speaks_v5),
        &why_not,
    );

    if can_run {
        behaviour(&mut run, speaks_v5).await;
        latency = latency_items(&mut run).await;
        let ev = Evidence::default();
        let _ = timeout(s.probe_timeout, probes::clean_up(&ctx, &ev)).await;
    } else {
        run.skip(BEHAVIOUR, &Outcome::skipped(why_not.clone()));
        run.skip(LATENCY, &Outcome::skipped(why_not));
    }

    // In the report's order.
    let mut items = run.items;
    items.sort_by_key(|i| item_place(i.name).map(|(at, _)| at));
    Ok(CheckReport {
        schema: report::SCHEMA,
        tool: format!("mqtt-bench {}", env!("CARGO_PKG_VERSION")),
        scenario: "check",
        broker: target_of(&s.conn.endpoint),
        config: config(s, version),
        started: started_wall.to_rfc3339(),
        duration_s: (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        connack: connack.as_ref().map(probes::connack_json),
        items,
        latency,
        verdicts: Vec::new(),
        outcome: Default::default(),
        error,
    })
}

/// The report's record of how the check was run (`version`: what the probes spoke).
fn config(s: &CheckSettings, version: Option<Protocol>) -> CheckConfig {
    CheckConfig {
        topic_prefix: s.prefix.clone(),
        max_payload: s.max_payload,
        probe_timeout_s: s.probe_timeout.as_secs_f64(),
        protocol: version.map(Protocol::level),
        tls: s.conn.tls.is_some(),
        username: s.conn.credentials.username.clone(),
    }
}

/// Why the behaviour probes cannot run (when they cannot).
fn why_not(spoken: &Spoken, asked: Option<Protocol>, version: Option<Protocol>, access: bool) -> String {
    match (asked, version) {
        _ if !spoken.answered => "the broker could not be reached".to_string(),
        (Some(v), None) => format!("MQTT {} (-V {}) was not accepted", v.name(), v.number()),
        _ if !access => "no connection was accepted (give -u/-P?)".to_string(),
        _ => "no protocol version was accepted".to_string(),
    }
}

/// `--connect-retry`: wait for a broker that is still starting (CI).
async fn wait_for_broker(ctx: &Ctx, s: &CheckSettings) {
    if let Some(d) = s.conn.connect_retry {
        let mut w = ctx.settings();
        w.protocol = Protocol::V311;
        w.connect_retry = Some(d);
        let waited = timeout(
            d + Duration::from_secs(15),
            ctx.connect(&Evidence::default(), "wait", &w),
        )
        .await;
        if let Ok(Ok(c)) = waited {
            c.disconnect().await;
        }
    }
}

/// Which versions the broker answered, accepted, and with which CONNACK.
struct Spoken {
    answered: bool,
    accepted: HashMap<Protocol, bool>,
    connacks: HashMap<Protocol, crate::mqtt::ConnAckProps>,
}

impl Spoken {
    fn accepts(&self, v: Protocol) -> bool {
        self.accepted.get(&v) == Some(&true)
    }

    /// The newest version accepted.
    fn newest(&self) -> Option<Protocol> {
        [Protocol::V5, Protocol::V311, Protocol::V31]
            .into_iter()
            .find(|v| self.accepts(*v))
    }

    /// The version the behaviour probes speak: `-V` if accepted, or the newest.
    fn for_probes(&self, asked: Option<Protocol>) -> Option<Protocol> {
        match asked {
            Some(v) => self.accepts(v).then_some(v),
            None => self.newest(),
        }
    }
}

/// The items mqtt31, mqtt311 and mqtt5: CONNECT in each version.
async fn versions(run: &mut Run<'_>) -> Spoken {
    let (ctx, s) = (run.ctx, run.s);
    let mut spoken = Spoken {
        answered: false,
        accepted: HashMap::new(),
        connacks: HashMap::new(),
    };
    for (v, name) in [
        (Protocol::V31, "mqtt31"),
        (Protocol::V311, "mqtt311"),
        (Protocol::V5, "mqtt5"),
    ] {
        let ev = Evidence::default();
        let seen = match timeout(s.probe_timeout, probes::version(ctx, &ev, v)).await {
            Ok(seen) => seen,
            Err(_) => probes::VersionSeen {
                outcome: Outcome::fail(format!("no CONNACK within {:?}", s.probe_timeout)),
                answered: false,
                accepted: false,
                connack: None,
            },
        };
        spoken.answered |= seen.answered;
        spoken.accepted.insert(v, seen.accepted);
        if let Some(c) = seen.connack {
            spoken.connacks.insert(v, c);
        }
        let mut o = seen.outcome;
        // No MQTT 5 CONNACK in time from a broker that speaks 3.1.1: it
        // does not speak 5 (some never answer one).
        if v == Protocol::V5 && o.res == Res::Fail && !seen.answered && spoken.accepted.values().any(|a| *a) {
            o = Outcome::unsupported(format!("{} (it answered MQTT 3.1.1)", o.detail)).with(json!(false));
        }
        run.push(vec![(name, o)], &ev.take());
    }
    spoken
}

/// The items anonymous and credentials; true when a connection was accepted.
async fn access(run: &mut Run<'_>) -> bool {
    let ev = Evidence::default();
    let (found, access) = match timeout(run.s.probe_timeout, probes::access(run.ctx, &ev)).await {
        Ok(r) => r,
        Err(_) => (
            probes::all(
                &["anonymous", "credentials"],
                &Outcome::fail("no result within --probe-timeout"),
            ),
            false,
        ),
    };
    run.push(found, &ev.take());
    access
}

/// The MQTT 5 CONNACK's items. `runs`: `None` when the probes cannot run,
/// else whether the broker speaks MQTT 5.
fn connack_items(
    run: &mut Run<'_>,
    connack: Option<&crate::mqtt::ConnAckProps>,
    version: Option<Protocol>,
    runs: Option<bool>,
    why_not: &str,
) {
    match (connack, version) {
        (Some(p), Some(Protocol::V5)) => run.push(probes::connack_items(p), &[]),
        _ if runs.is_none() => run.skip(CONNACK, &Outcome::skipped(why_not)),
        // An MQTT 5 CONNACK without properties: every default applies.
        (None, Some(Protocol::V5)) => run.push(probes::connack_items(&Default::default()), &[]),
        _ if runs == Some(true) => run.skip(
            CONNACK,
            &Outcome::skipped(format!("-V {} given", run.ctx.version().number())),
        ),
        _ => run.skip(CONNACK, &Outcome::unsupported("the broker does not speak MQTT 5")),
    }
}

/// The latency sample's items (and its summaries, for the report).
async fn latency_items(run: &mut Run<'_>) -> BTreeMap<String, crate::bench::stats::Summary> {
    let (ctx, s) = (run.ctx, run.s);
    let mut latency = BTreeMap::new();
    let ev = Evidence::default();
    let sample = probes::latency(ctx, &ev, max_qos(run), s.probe_timeout);
    match timeout(s.probe_timeout, sample).await {
        Ok(Ok(hists)) => {
            let mut found = Vec::new();
            for (name, h) in hists {
                let sm = h.summary();
                for (stat, us) in [("p50", sm.p50_us), ("p99", sm.p99_us)] {
                    let key = format!("{name}_{stat}_ms");
                    if let Some(item) = LATENCY.iter().find(|n| **n == key) {
                        let detail = format!("{} samples", sm.count);
                        found.push((*item, Outcome::info(json!(us as f64 / 1000.0), detail)));
                    }
                }
                latency.insert(name.to_string(), sm);
            }
            // The QoS levels whose round trip did not pass.
            for n in LATENCY {
                if !found.iter().any(|(f, _)| f == n) {
                    let qos = n.split('_').next().unwrap_or_default();
                    let o = match run.result(qos) {
                        Some(Res::Unsupported) => Outcome::unsupported(format!("see {qos}")),
                        _ => Outcome::skipped(format!("the {qos} round trip did not pass")),
                    };
                    found.push((n, o));
                }
            }
            run.push(found, &[]);
        }
        Ok(Err(o)) => run.skip(LATENCY, &o),
        Err(_) => run.skip(LATENCY, &Outcome::fail("no result within --probe-timeout")),
    }
    latency
}

/// The highest QoS the round trips got through.
fn max_qos(run: &Run) -> u8 {
    if run.result("qos2") == Some(Res::Pass) {
        2
    } else if run.result("qos1") == Some(Res::Pass) {
        1
    } else {
        0
    }
}

/// The behaviour probes, in the order of [`BEHAVIOUR`].
async fn behaviour(run: &mut Run<'_>, speaks_v5: bool) {
    for q in 0..=2u8 {
        let name = ["qos0", "qos1", "qos2"][usize::from(q)];
        run.one(name, async |c, e| probes::round_trip(c, e, q).await).await;
    }
    let qos2 = run.result("qos2");
    run.one("qos2_exactly_once", async |c, e| probes::exactly_once(c, e, qos2).await)
        .await;
    run.one("retain", probes::retain).await;
    run.probe(&["wildcard_plus", "wildcard_hash"], probes::wildcards).await;
    run.one("dollar_topics", probes::dollar_topics).await;
    run.one("shared_subscriptions", probes::shared).await;
    let has_qos2 = qos2 == Some(Res::Pass);
    run.probe_waiting(
        &["persistent_session", "offline_qos1", "offline_qos2", "message_expiry"],
        probes::EXPIRY_WAIT,
        async |c, e| probes::persistent_session(c, e, has_qos2).await,
    )
    .await;
    run.one("will", async |c, e| probes::will(c, e, false).await).await;

    let v5 = run.ctx.v5();
    let not_v5 = if speaks_v5 {
        Outcome::skipped(format!("MQTT 5 only; -V {} given", run.ctx.version().number()))
    } else {
        Outcome::unsupported("MQTT 5 only: the broker does not speak it")
    };
    if v5 {
        run.probe_waiting(&["will_delay"], probes::WILL_DELAY_WAIT, async |c, e| {
            vec![("will_delay", probes::will(c, e, true).await)]
        })
        .await;
        run.one("no_local", probes::no_local).await;
        let retain = run.result("retain");
        if retain == Some(Res::Pass) {
            run.one("retain_as_published", probes::retain_as_published).await;
            run.one("retain_handling", probes::retain_handling).await;
        } else {
            let o = match retain {
                Some(Res::Unsupported) => Outcome::unsupported("no retained messages (see retain)"),
                _ => Outcome::skipped("retained messages did not pass (see retain)"),
            };
            run.skip(&["retain_as_published", "retain_handling"], &o);
        }
        run.one("topic_alias", probes::topic_alias).await;
        run.one("subscription_identifiers", probes::subscription_identifiers)
            .await;
        run.one("properties_relayed", probes::properties_relayed).await;
    } else {
        run.skip(V5_ONLY, &not_v5);
    }
    run.one("qos1_order", probes::qos1_order).await;
    run.one("max_payload", probes::max_payload).await;
    run.one("max_topic_length", probes::max_topic_length).await;
    run.one("max_client_id_length", probes::max_client_id_length).await;
    run.probe(&["sys_topics", "broker_version"], probes::sys_topics).await;
}
