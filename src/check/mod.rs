//! `mqtt-bench check`: what a broker supports and whether it keeps MQTT's
//! promises. The items are `settings::check`'s registry; this module runs
//! the connect stage (each MQTT version, access, client ids, the CONNACK),
//! then the behaviour probes of `behaviour`'s table (each in `probes/`, one
//! file per subject) one after another, each with its own time limit,
//! under a topic prefix of their own, then the latency sample; what they
//! leave (retained messages, sessions) is cleared at the end. The report
//! (`report`) lists every item with its result, value, detail and
//! evidence, a latency sample, and the verdicts of `--assert`, through the
//! load tests' exporters; exit codes as the other scenarios: 0 every
//! assertion held, 1 one failed, 2 usage, 3 the broker could not be
//! reached at all.

mod behaviour;
mod probe;
mod probes;
mod report;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use serde_json::json;
use tokio::time::{Instant, timeout};

use crate::bench::report::{Conclusion, export};
use crate::client::{Connector, target_of};
use crate::exit;
use crate::mqtt::Protocol;
use crate::settings::check::{CheckItem, Group};
use crate::settings::{CheckSettings, SessionOptions};
use behaviour::{Earlier, Probe};
use probe::{Ctx, Evidence, Finding};
use probes::Found;
use report::{CheckConfig, CheckReport, ItemResult, Res};

/// How the probes' connections are used: a subscriber takes up to 100
/// messages in flight (the QoS 1 order probe sends a burst).
const PROBING: SessionOptions = SessionOptions {
    receive_maximum: 100,
    manual_acks: false,
    property_order: false,
    nodelay: false,
};

/// Entry point of `mqtt-bench check`.
pub fn run(s: CheckSettings) -> anyhow::Result<()> {
    let mut r = crate::runtime(1)?.block_on(check(&s))?;
    r.judge(&s.asserts);
    r.outcome = Conclusion::of(r.error.is_some(), r.verdicts.iter().any(|v| !v.pass));
    exit::status(export::publish(&r, s.json.as_deref(), None)?)
}

/// A check under way: the items found so far, and the probes' shared context.
struct Checking<'a> {
    ctx: &'a Ctx,
    items: Vec<ItemResult>,
    s: &'a CheckSettings,
}

impl Checking<'_> {
    fn result(&self, item: CheckItem) -> Option<Res> {
        Earlier(&self.items).result(item)
    }

    fn push(&mut self, found: Found, evidence: &[String]) {
        for (item, o) in found {
            self.items.push(ItemResult {
                item,
                group: item.group(),
                result: o.res,
                value: o.value,
                detail: o.detail,
                evidence: evidence.to_vec(),
            });
        }
    }

    /// Run a behaviour probe with the time limit (and its own wait).
    async fn probe(&mut self, p: &Probe) {
        let ev = Evidence::default();
        let found = {
            let earlier = Earlier(&self.items);
            self.timed(p.items, p.wait, (p.run)(self.ctx, &ev, &earlier)).await
        };
        self.push(found, &ev.take());
    }

    /// What `running` found, or (cut off by the time limit plus `wait`)
    /// every one of `items` failed.
    async fn timed(&self, items: &[CheckItem], wait: Duration, running: impl Future<Output = Found>) -> Found {
        let limit = self.s.probe_timeout + wait;
        match timeout(limit, running).await {
            Ok(found) => found,
            Err(_) => probes::all(
                items,
                &Finding::fail(format!(
                    "no result within {limit:?} (--probe-timeout {:?})",
                    self.s.probe_timeout
                )),
            ),
        }
    }

    /// Items that cannot run, all with the same outcome.
    fn skip(&mut self, items: &[CheckItem], o: &Finding) {
        self.push(probes::all(items, o), &[]);
    }

    /// Items of `group` that cannot run.
    fn skip_group(&mut self, group: Group, o: &Finding) {
        let items: Vec<CheckItem> = CheckItem::of(group).collect();
        self.skip(&items, o);
    }
}

async fn check(s: &CheckSettings) -> anyhow::Result<CheckReport> {
    let started_wall = chrono::Local::now();
    let started = Instant::now();
    let connector = Connector::new(&s.conn, PROBING).map_err(|f| f.into_error())?;
    let ctx = Ctx::new(s.conn.clone(), connector, s.prefix.clone(), s.max_payload);
    let mut run = Checking {
        ctx: &ctx,
        items: Vec::new(),
        s,
    };
    let mut latency = BTreeMap::new();
    let mut error = None;
    wait_for_broker(&ctx, s).await;

    let spoken = versions(&mut run).await;
    let speaks_v5 = run.result(CheckItem::Mqtt5) == Some(Res::Pass);
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

    client_ids(&mut run, can_run, &why_not).await;
    let connack = ctx.connack.borrow().clone();
    connack_items(
        &mut run,
        connack.as_ref(),
        version,
        can_run.then_some(speaks_v5),
        &why_not,
    );

    if can_run {
        behaviour::run_all(&mut run, speaks_v5).await;
        latency = latency_items(&mut run).await;
        let ev = Evidence::default();
        let _ = timeout(s.probe_timeout, probes::clean_up(&ctx, &ev)).await;
    } else {
        run.skip_group(Group::Behaviour, &Finding::skipped(why_not.clone()));
        run.skip_group(Group::Latency, &Finding::skipped(why_not));
    }

    // In the report's order.
    let mut items = run.items;
    items.sort_by_key(|i| i.item);
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

/// The items zero_length_client_id and assigned_client_identifier (when
/// the probes can run).
async fn client_ids(run: &mut Checking<'_>, can_run: bool, why_not: &str) {
    const ZERO_ID: &[CheckItem] = &[CheckItem::ZeroLengthClientId, CheckItem::AssignedClientIdentifier];
    if !can_run {
        return run.skip(ZERO_ID, &Finding::skipped(why_not));
    }
    let ev = Evidence::default();
    let found = run
        .timed(ZERO_ID, Duration::ZERO, probes::zero_length_id(run.ctx, &ev))
        .await;
    run.push(found, &ev.take());
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
async fn versions(run: &mut Checking<'_>) -> Spoken {
    let (ctx, s) = (run.ctx, run.s);
    let mut spoken = Spoken {
        answered: false,
        accepted: HashMap::new(),
        connacks: HashMap::new(),
    };
    for (v, name) in [
        (Protocol::V31, CheckItem::Mqtt31),
        (Protocol::V311, CheckItem::Mqtt311),
        (Protocol::V5, CheckItem::Mqtt5),
    ] {
        let ev = Evidence::default();
        let seen = match timeout(s.probe_timeout, probes::version(ctx, &ev, v)).await {
            Ok(seen) => seen,
            Err(_) => probes::VersionSeen {
                outcome: Finding::fail(format!("no CONNACK within {:?}", s.probe_timeout)),
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
            o = Finding::unsupported(format!("{} (it answered MQTT 3.1.1)", o.detail)).with(json!(false));
        }
        run.push(vec![(name, o)], &ev.take());
    }
    spoken
}

/// The items anonymous and credentials; true when a connection was accepted.
async fn access(run: &mut Checking<'_>) -> bool {
    let ev = Evidence::default();
    let (found, access) = match timeout(run.s.probe_timeout, probes::access(run.ctx, &ev)).await {
        Ok(r) => r,
        Err(_) => (
            probes::all(
                &[CheckItem::Anonymous, CheckItem::Credentials],
                &Finding::fail("no result within --probe-timeout"),
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
    run: &mut Checking<'_>,
    connack: Option<&crate::mqtt::ConnAckProps>,
    version: Option<Protocol>,
    runs: Option<bool>,
    why_not: &str,
) {
    match (connack, version) {
        (Some(p), Some(Protocol::V5)) => run.push(probes::connack_items(p), &[]),
        _ if runs.is_none() => run.skip_group(Group::Connack, &Finding::skipped(why_not)),
        // An MQTT 5 CONNACK without properties: every default applies.
        (None, Some(Protocol::V5)) => run.push(probes::connack_items(&Default::default()), &[]),
        _ if runs == Some(true) => run.skip_group(
            Group::Connack,
            &Finding::skipped(format!("-V {} given", run.ctx.version().number())),
        ),
        _ => run.skip_group(
            Group::Connack,
            &Finding::unsupported("the broker does not speak MQTT 5"),
        ),
    }
}

/// The latency sample's items (and its summaries, for the report).
async fn latency_items(run: &mut Checking<'_>) -> BTreeMap<String, crate::bench::stats::Summary> {
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
                    if let Some(item) = CheckItem::from_name(&key).filter(|i| i.group() == Group::Latency) {
                        let detail = format!("{} samples", sm.count);
                        found.push((item, Finding::info(json!(us as f64 / 1000.0), detail)));
                    }
                }
                latency.insert(name.to_string(), sm);
            }
            // The QoS levels whose round trip did not pass.
            for item in CheckItem::of(Group::Latency) {
                if !found.iter().any(|(f, _)| *f == item) {
                    let qos = item.name().split('_').next().unwrap_or_default();
                    let o = match CheckItem::from_name(qos).and_then(|q| run.result(q)) {
                        Some(Res::Unsupported) => Finding::unsupported(format!("see {qos}")),
                        _ => Finding::skipped(format!("the {qos} round trip did not pass")),
                    };
                    found.push((item, o));
                }
            }
            run.push(found, &[]);
        }
        Ok(Err(o)) => run.skip_group(Group::Latency, &o),
        Err(_) => run.skip_group(Group::Latency, &Finding::fail("no result within --probe-timeout")),
    }
    latency
}

/// The highest QoS the round trips got through.
fn max_qos(run: &Checking) -> u8 {
    if run.result(CheckItem::Qos2) == Some(Res::Pass) {
        2
    } else if run.result(CheckItem::Qos1) == Some(Res::Pass) {
        1
    } else {
        0
    }
}
