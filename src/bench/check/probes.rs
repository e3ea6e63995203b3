//! The probes of a check. Each connects its own clients (fresh ids, clean
//! sessions unless it tests sessions), works under the check's topic prefix,
//! notes what it sent and what came back, and returns an outcome per item.
//! "Nothing arrived" is decided by a sentinel where one can be had: a
//! message sent after the one that must not arrive, on the same path, so
//! the probe waits for an event rather than for a time.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep, sleep_until};

use super::probe::{Client, Ctx, Evidence, Outcome, Stop, filter, ms, out, with_props};
use super::report::Res;
use crate::bench::stats::Hist;
use crate::client::ConnectFailure;
use crate::mqtt::{ConnAckProps, Filter, Message, Protocol, PublishProps, QoS, SubscribeProps, connack_v3, reason};
use crate::settings::{Credentials, Will};

/// What one probe found: an outcome per item.
pub type Found = Vec<(&'static str, Outcome)>;

/// How long an expected answer may take.
const ANSWER: Duration = Duration::from_secs(2);
/// How long the session probe waits for a 1 s message expiry to pass.
pub const EXPIRY_WAIT: Duration = Duration::from_millis(2200);
/// The will delay asked for, and how long its probe waits for the will.
const WILL_DELAY: u32 = 2;
pub const WILL_DELAY_WAIT: Duration = Duration::from_secs(6);

/// Every name of a probe with the same outcome.
pub fn all(names: &[&'static str], o: &Outcome) -> Found {
    names.iter().map(|n| (*n, o.clone())).collect()
}

/// A lost connection or a missing answer, as a failed item.
fn stopped(what: &str, s: Stop) -> Outcome {
    Outcome::fail(format!("{what}: {s}"))
}

/// A failed connect in words: the CONNACK's code and its meaning, or what
/// went wrong before one came.
fn refusal(f: &ConnectFailure, v5: bool) -> String {
    match f.refused {
        Some(c) if v5 => format!("refused: 0x{c:02x} {}", reason(c)),
        Some(c) => format!("refused: {c} {}", connack_v3(c)),
        None => f.brief(),
    }
}

/// Whether a refusal code means "I do not do that" rather than an error.
fn not_supported(code: u8) -> bool {
    matches!(code, 0x9A | 0x9B | 0x9E | 0xA1 | 0xA2 | 0x84 | 0x01)
}

macro_rules! connect {
    ($ctx:expr, $ev:expr, $label:expr, $s:expr) => {
        match $ctx.connect($ev, $label, &$s).await {
            Ok(c) => c,
            Err(f) => return Outcome::fail(format!("{} could not connect: {}", $label, f.brief())),
        }
    };
}

macro_rules! tri {
    ($what:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => return stopped($what, s),
        }
    };
}

// ---------------------------------------------------------------- connect

/// What a connect in one protocol version showed.
pub struct VersionSeen {
    pub outcome: Outcome,
    /// A CONNACK came back (accepting or refusing).
    pub answered: bool,
    /// The connection was accepted.
    pub accepted: bool,
    pub connack: Option<ConnAckProps>,
}

pub async fn version(ctx: &Ctx, ev: &Evidence, v: Protocol) -> VersionSeen {
    let mut s = ctx.settings();
    s.protocol = v;
    let name = format!("MQTT {}", v.name());
    match ctx.connect(ev, "c", &s).await {
        Ok(c) => {
            let connack = c.connack().cloned();
            c.disconnect().await;
            VersionSeen {
                outcome: Outcome::pass(format!("{name} accepted")).with(json!(true)),
                answered: true,
                accepted: true,
                connack,
            }
        }
        Err(f) => {
            let text = f.brief();
            let (outcome, answered) = match f.refused {
                Some(code) if not_supported(code) => (Outcome::unsupported(format!("refused: {text}")), true),
                // Refused for another reason (not authorized, ...): the
                // broker speaks the version.
                Some(_) => (
                    Outcome::pass(format!("{name} spoken (this client was refused: {text})")),
                    true,
                ),
                None if f.old_protocol => (Outcome::unsupported(format!("no {name} CONNACK ({text})")), true),
                None => (Outcome::fail(text), false),
            };
            VersionSeen {
                outcome: outcome.with(json!(false)),
                answered,
                accepted: false,
                connack: None,
            }
        }
    }
}

/// Connect without credentials, and (when given) with them.
pub async fn access(ctx: &Ctx, ev: &Evidence) -> (Found, bool) {
    let mut found = Vec::new();
    let mut s = ctx.settings();
    s.credentials = Credentials {
        username: None,
        password: None,
    };
    let anonymous = match ctx.connect(ev, "anonymous", &s).await {
        Ok(c) => {
            c.disconnect().await;
            found.push((
                "anonymous",
                Outcome::pass("accepted without credentials").with(json!(true)),
            ));
            true
        }
        Err(f) => {
            let text = refusal(&f, ctx.v5());
            let o = match f.refused {
                Some(_) => Outcome::unsupported(text),
                None => Outcome::fail(text),
            };
            found.push(("anonymous", o.with(json!(false))));
            false
        }
    };
    let with_credentials = if ctx.base.credentials.username.is_some() {
        let s = ctx.settings();
        match ctx.connect(ev, "credentials", &s).await {
            Ok(c) => {
                c.disconnect().await;
                found.push(("credentials", Outcome::pass("the given -u/-P were accepted")));
                true
            }
            Err(f) => {
                found.push((
                    "credentials",
                    Outcome::fail(format!("the given -u/-P: {}", refusal(&f, ctx.v5()))),
                ));
                false
            }
        }
    } else {
        found.push(("credentials", Outcome::skipped("no -u given")));
        false
    };
    (found, anonymous || with_credentials)
}

/// A zero-length client id (clean session): accepted, and the identifier
/// the broker assigned (MQTT 5).
pub async fn zero_length_id(ctx: &Ctx, ev: &Evidence) -> Found {
    let mut s = ctx.settings();
    s.client_id = None;
    match ctx.connect(ev, "c", &s).await {
        Ok(c) => {
            let assigned = c.connack().and_then(|p| p.assigned_client_identifier.clone());
            c.disconnect().await;
            let id = match (&assigned, ctx.v5()) {
                (Some(a), _) => Outcome::info(json!(a), "assigned to a zero-length client id"),
                (None, true) => Outcome::fail("a zero-length id was accepted but no identifier was assigned"),
                (None, false) => Outcome::unsupported("MQTT 5 only"),
            };
            vec![
                (
                    "zero_length_client_id",
                    Outcome::pass(match &assigned {
                        Some(a) => format!("accepted; assigned '{a}'"),
                        None => "accepted".into(),
                    }),
                ),
                ("assigned_client_identifier", id),
            ]
        }
        Err(f) => {
            let text = refusal(&f, ctx.v5());
            let o = match f.refused {
                Some(_) => Outcome::unsupported(text),
                None => Outcome::fail(text),
            };
            vec![
                ("zero_length_client_id", o),
                (
                    "assigned_client_identifier",
                    Outcome::skipped("no zero-length id accepted"),
                ),
            ]
        }
    }
}

/// The MQTT 5 CONNACK's properties, each with the protocol's default when
/// absent.
pub fn connack_items(p: &ConnAckProps) -> Found {
    fn flag(v: Option<u8>, default: bool) -> (Value, String) {
        match v {
            Some(x) => (json!(x != 0), format!("sent: {x}")),
            None => (json!(default), format!("absent (the default: {})", u8::from(default))),
        }
    }
    fn number<T: Into<Value> + Copy + std::fmt::Display>(
        v: Option<T>,
        default: Option<T>,
        what: &str,
    ) -> (Value, String) {
        match (v, default) {
            (Some(x), _) => (x.into(), format!("sent: {x}")),
            (None, Some(d)) => (d.into(), format!("absent ({what}: {d})")),
            (None, None) => (Value::Null, format!("absent ({what})")),
        }
    }
    let info = |(v, d): (Value, String)| Outcome::info(v, d);
    vec![
        (
            "server_keep_alive",
            info(number(p.server_keep_alive, None, "the client's keep-alive stands")),
        ),
        (
            "receive_maximum",
            info(number(p.receive_maximum, Some(65535u16), "the default")),
        ),
        ("maximum_qos", info(number(p.maximum_qos, Some(2u8), "the default"))),
        ("retain_available", info(flag(p.retain_available, true))),
        (
            "max_packet_size",
            info(number(
                p.maximum_packet_size,
                Some(crate::mqtt::MAX_PACKET_SIZE as u32),
                "no limit but the protocol's",
            )),
        ),
        (
            "topic_alias_maximum",
            info(number(p.topic_alias_maximum, Some(0u16), "the default: no aliases")),
        ),
        (
            "wildcard_subscription_available",
            info(flag(p.wildcard_subscription_available, true)),
        ),
        (
            "subscription_identifiers_available",
            info(flag(p.subscription_identifiers_available, true)),
        ),
        (
            "shared_subscription_available",
            info(flag(p.shared_subscription_available, true)),
        ),
        (
            "session_expiry_interval",
            info(number(p.session_expiry_interval, None, "the client's own stands")),
        ),
        (
            "server_reference",
            match &p.server_reference {
                Some(r) => Outcome::info(json!(r), "sent"),
                None => Outcome::info(Value::Null, "absent"),
            },
        ),
    ]
}

/// The CONNACK as a JSON object of the properties present, verbatim.
pub fn connack_json(p: &ConnAckProps) -> std::collections::BTreeMap<String, Value> {
    let mut m = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("session_expiry_interval", p.session_expiry_interval.map(Value::from));
    put("receive_maximum", p.receive_maximum.map(Value::from));
    put("maximum_qos", p.maximum_qos.map(Value::from));
    put("retain_available", p.retain_available.map(Value::from));
    put("maximum_packet_size", p.maximum_packet_size.map(Value::from));
    put(
        "assigned_client_identifier",
        p.assigned_client_identifier.clone().map(Value::from),
    );
    put("topic_alias_maximum", p.topic_alias_maximum.map(Value::from));
    put("reason_string", p.reason_string.clone().map(Value::from));
    put(
        "wildcard_subscription_available",
        p.wildcard_subscription_available.map(Value::from),
    );
    put(
        "subscription_identifiers_available",
        p.subscription_identifiers_available.map(Value::from),
    );
    put(
        "shared_subscription_available",
        p.shared_subscription_available.map(Value::from),
    );
    put("server_keep_alive", p.server_keep_alive.map(Value::from));
    put("response_information", p.response_information.clone().map(Value::from));
    put("server_reference", p.server_reference.clone().map(Value::from));
    put(
        "authentication_method",
        p.authentication_method.clone().map(Value::from),
    );
    if !p.user_properties.is_empty() {
        put(
            "user_properties",
            Some(Value::from(
                p.user_properties.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            )),
        );
    }
    m
}

// ---------------------------------------------------------------- QoS

fn qos_of(n: u8) -> QoS {
    QoS::from_u8(n).expect("0, 1 or 2")
}

/// Publish at `q` to a subscriber at `q`: delivered, at which QoS.
pub async fn round_trip(ctx: &Ctx, ev: &Evidence, q: u8) -> Outcome {
    if let Some(max) = ctx.connack.borrow().as_ref().and_then(|p| p.maximum_qos)
        && max < q
    {
        return Outcome::unsupported(format!("the CONNACK's Maximum QoS is {max}"));
    }
    let topic = ctx.topic(&format!("qos/{q}"));
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    let codes = tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, qos_of(q)), SubscribeProps::default(), ANSWER)
            .await
    );
    match codes.first() {
        Some(&c) if c >= 0x80 => return Outcome::fail(format!("the subscription was refused (0x{c:02x})")),
        Some(&g) if g < q => {
            return Outcome::unsupported(format!("a QoS {q} subscription was granted QoS {g}"));
        }
        _ => {}
    }
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let payload = format!("qos{q}");
    match deliver(&mut publ, &mut sub, out(&topic, payload.clone(), qos_of(q), false)).await {
        Ok((m, _)) if m.payload == payload.as_bytes() && m.qos as u8 == q => {
            Outcome::pass(format!("delivered at QoS {q}"))
        }
        Ok((m, _)) if m.payload == payload.as_bytes() => {
            Outcome::fail(format!("delivered at QoS {} instead of {q}", m.qos as u8))
        }
        Ok(_) => Outcome::fail("a different payload arrived"),
        Err(Refusal::Code(c)) if not_supported(c) => {
            Outcome::unsupported(format!("the PUBLISH was refused: 0x{c:02x} {}", reason(c)))
        }
        Err(Refusal::Code(c)) => Outcome::fail(format!("the PUBLISH was refused: 0x{c:02x} {}", reason(c))),
        Err(Refusal::Publisher(Stop::Lost(why))) if q == 2 => {
            Outcome::unsupported(format!("the broker closed the connection on a QoS 2 PUBLISH ({why})"))
        }
        Err(Refusal::Publisher(s)) => stopped("publisher", s),
        Err(Refusal::Subscriber(s)) => stopped("subscriber", s),
    }
}

/// Why [`deliver`] got no message.
enum Refusal {
    Code(u8),
    Publisher(Stop),
    Subscriber(Stop),
}

/// Publish from `p` and wait for the message at `s` (driving both), then
/// for the publisher's acknowledgement: the message and the time from
/// publish to delivery.
async fn deliver(p: &mut Client, s: &mut Client, m: crate::mqtt::OutMessage) -> Result<(Message, Duration), Refusal> {
    let topic = m.topic.clone();
    let started = Instant::now();
    let until = started + ANSWER;
    let pkid = p.send(m).map_err(Refusal::Publisher)?;
    let got = tokio::select! {
        r = s.wait_for(until, |m| m.topic == topic.as_bytes()) => r.map_err(Refusal::Subscriber),
        stop = p.drive(until) => Err(Refusal::Publisher(stop)),
    };
    let took = started.elapsed();
    if pkid != 0 {
        let code = p.wait_ack(pkid, until).await.map_err(Refusal::Publisher)?;
        if code >= 0x80 {
            return Err(Refusal::Code(code));
        }
    }
    got.map(|m| (m, took))
}

/// Publish `payloads` on `topic`, ten in flight, each acknowledged.
async fn publish_many(
    ev: &Evidence,
    publ: &mut Client,
    topic: &str,
    q: QoS,
    payloads: impl Iterator<Item = String>,
) -> Result<(), Outcome> {
    let payloads: Vec<String> = payloads.collect();
    ev.note(format!(
        "pub → {} × PUBLISH q{} '{topic}' '{}'..'{}' (10 in flight)",
        payloads.len(),
        q as u8,
        payloads.first().map_or("", String::as_str),
        payloads.last().map_or("", String::as_str)
    ));
    publ.mute();
    for chunk in payloads.chunks(10) {
        let mut ids = Vec::new();
        for p in chunk {
            ids.push(
                publ.send(out(topic, p.clone(), q, false))
                    .map_err(|s| stopped("PUBLISH", s))?,
            );
        }
        let until = Instant::now() + ANSWER;
        for id in ids {
            let code = publ
                .wait_ack(id, until)
                .await
                .map_err(|s| stopped("acknowledgement", s))?;
            if code >= 0x80 {
                return Err(Outcome::fail(format!(
                    "a QoS {} PUBLISH was refused: 0x{code:02x} {}",
                    q as u8,
                    reason(code)
                )));
            }
        }
    }
    Ok(())
}

/// Fifty QoS 2 messages: each arrives exactly once.
pub async fn exactly_once(ctx: &Ctx, ev: &Evidence, qos2: Option<Res>) -> Outcome {
    match qos2 {
        Some(Res::Pass) => {}
        Some(Res::Unsupported) => return Outcome::unsupported("no QoS 2 (see qos2)"),
        _ => return Outcome::skipped("the QoS 2 round trip did not pass"),
    }
    const N: usize = 50;
    let topic = ctx.topic("exactly-once");
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::ExactlyOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    sub.mute();
    if let Err(o) = publish_many(
        ev,
        &mut publ,
        &topic,
        QoS::ExactlyOnce,
        (0..N).map(|k| format!("eo-{k}")),
    )
    .await
    {
        return o;
    }
    // A last message: everything before it has arrived when it does.
    tri!(
        "sentinel",
        publ.publish(out(&topic, "eo-end", QoS::ExactlyOnce, false), ANSWER)
            .await
    );
    let until = Instant::now() + ANSWER;
    tri!(
        "sentinel",
        sub.wait_for(until, |m| m.payload == "eo-end".as_bytes()).await
    );
    let mut counts = [0u32; N];
    let mut wrong_qos = 0;
    for m in sub.take_inbox() {
        if let Some(k) = std::str::from_utf8(&m.payload)
            .ok()
            .and_then(|t| t.strip_prefix("eo-"))
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|k| *k < N)
        {
            counts[k] += 1;
            wrong_qos += usize::from(m.qos != QoS::ExactlyOnce);
        }
    }
    ev.note(format!("sub ← {} messages", counts.iter().sum::<u32>()));
    let dups: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 1)
        .map(|(k, c)| format!("eo-{k} ×{c}"))
        .collect();
    let lost = counts.iter().filter(|c| **c == 0).count();
    if !dups.is_empty() {
        Outcome::fail(format!("{} delivered more than once: {}", dups.len(), dups.join(", ")))
    } else if lost > 0 {
        Outcome::fail(format!("{lost} of {N} never arrived"))
    } else if wrong_qos > 0 {
        Outcome::fail(format!("{wrong_qos} of {N} arrived below QoS 2"))
    } else {
        Outcome::pass(format!("{N} QoS 2 messages, each delivered once"))
    }
}

/// Order of QoS 1 messages from one publisher.
pub async fn qos1_order(ctx: &Ctx, ev: &Evidence) -> Outcome {
    const N: usize = 200;
    let topic = ctx.topic("order");
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    sub.mute();
    if let Err(o) = publish_many(ev, &mut publ, &topic, QoS::AtLeastOnce, (0..N).map(|k| k.to_string())).await {
        return o;
    }
    let until = Instant::now() + ANSWER;
    let mut seen = Vec::new();
    while seen.len() < N {
        match sub.wait_for(until, |_| true).await {
            Ok(m) => seen.push(String::from_utf8_lossy(&m.payload).into_owned()),
            Err(s) => return stopped(&format!("after {} of {N} messages", seen.len()), s),
        }
    }
    let first_wrong = seen.iter().enumerate().find(|(k, p)| **p != k.to_string());
    ev.note(format!("sub ← {} messages", seen.len()));
    match first_wrong {
        None => Outcome::pass(format!("{N} QoS 1 messages in the order sent")),
        Some((k, p)) => Outcome::fail(format!("message {k} was '{p}': out of order")),
    }
}

// ---------------------------------------------------------------- retain

/// Subscribe `c` to `f` and report whether a retained message came before
/// a sentinel published after the SUBACK.
async fn retained_on_subscribe(
    ctx: &Ctx,
    c: &mut Client,
    sender: &mut Client,
    f: Filter,
    props: SubscribeProps,
) -> Result<(Vec<u8>, Vec<Message>), Stop> {
    let topic = f.topic.clone();
    let codes = c.subscribe(f, props, ANSWER).await?;
    if codes.first().is_some_and(|c| *c >= 0x80) {
        return Ok((codes, Vec::new()));
    }
    let marker = format!("sentinel-{}", ctx.next_id());
    let code = sender
        .publish(out(&topic, marker.clone(), QoS::AtLeastOnce, false), ANSWER)
        .await?;
    if code >= 0x80 {
        return Err(Stop::Lost(format!("the sentinel was refused: 0x{code:02x}")));
    }
    let until = Instant::now() + ANSWER;
    c.wait_for(until, |m| m.payload == marker.as_bytes()).await?;
    Ok((codes, c.take_inbox().into_iter().filter(|m| m.retain).collect()))
}

pub async fn retain(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let advertised = ctx.advertised(|p| p.retain_available);
    let topic = ctx.topic("retain");
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    ctx.retained.borrow_mut().push(topic.clone());
    // Reason codes below 0x80 are successes ("no matching subscribers").
    match publ.publish(out(&topic, "r1", QoS::AtLeastOnce, true), ANSWER).await {
        Ok(code) if code < 0x80 => {}
        Ok(code) if advertised == Some(false) || not_supported(code) => {
            return Outcome::unsupported(format!("a retained PUBLISH was refused: 0x{code:02x} {}", reason(code)));
        }
        Ok(code) => return Outcome::fail(format!("a retained PUBLISH was refused: 0x{code:02x} {}", reason(code))),
        Err(Stop::Lost(_)) => {
            let said = if advertised == Some(false) {
                " (as its CONNACK's Retain Available 0 said)"
            } else {
                ""
            };
            return Outcome::unsupported(format!("the broker closed the connection on a retained PUBLISH{said}"));
        }
        Err(s) => return stopped("retained PUBLISH", s),
    }
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    let mut sender = connect!(ctx, ev, "sentinel", ctx.settings());
    let (_, got) = tri!(
        "subscribe",
        retained_on_subscribe(
            ctx,
            &mut sub,
            &mut sender,
            filter(&topic, QoS::AtLeastOnce),
            SubscribeProps::default()
        )
        .await
    );
    let received = got.iter().any(|m| m.payload == "r1".as_bytes());
    if advertised == Some(false) {
        return if received {
            Outcome::fail(
                "the CONNACK says Retain Available 0, but the broker kept a retained message and sent it to a new subscriber",
            )
        } else {
            Outcome::unsupported("Retain Available 0; a retained message was accepted but not kept")
        };
    }
    if !received {
        return Outcome::fail("a new subscriber did not get the retained message");
    }
    // Clear it: an empty retained message.
    tri!(
        "clear",
        publ.publish(out(&topic, Bytes::new(), QoS::AtLeastOnce, true), ANSWER)
            .await
    );
    let mut after = connect!(ctx, ev, "sub2", ctx.settings());
    let (_, again) = tri!(
        "subscribe",
        retained_on_subscribe(
            ctx,
            &mut after,
            &mut sender,
            filter(&topic, QoS::AtLeastOnce),
            SubscribeProps::default()
        )
        .await
    );
    if again.is_empty() {
        Outcome::pass("set, sent to a new subscriber with the retain flag, cleared by an empty message")
    } else {
        Outcome::fail("an empty retained message did not clear it")
    }
}

/// MQTT 5 retain-as-published: live messages keep their retain flag for
/// a subscriber that asked, lose it for one that did not.
pub async fn retain_as_published(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let topic = ctx.topic("rap");
    let mut a = connect!(ctx, ev, "rap1", ctx.settings());
    let mut f = filter(&topic, QoS::AtLeastOnce);
    f.retain_as_published = true;
    tri!("SUBSCRIBE", a.subscribe(f, SubscribeProps::default(), ANSWER).await);
    let mut b = connect!(ctx, ev, "rap0", ctx.settings());
    tri!(
        "SUBSCRIBE",
        b.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    ctx.retained.borrow_mut().push(topic.clone());
    let code = tri!(
        "PUBLISH",
        publ.publish(out(&topic, "rap", QoS::AtLeastOnce, true), ANSWER).await
    );
    if code >= 0x80 {
        return Outcome::unsupported(format!("a retained PUBLISH was refused: 0x{code:02x}"));
    }
    let ma = tri!("rap1", a.message_on(&topic, ANSWER).await);
    let mb = tri!("rap0", b.message_on(&topic, ANSWER).await);
    match (ma.retain, mb.retain) {
        (true, false) => Outcome::pass("retain 1 with retain-as-published, 0 without"),
        (a, b) => Outcome::fail(format!(
            "retain {} with retain-as-published, {} without (want 1 and 0)",
            u8::from(a),
            u8::from(b)
        )),
    }
}

/// MQTT 5 retain handling 0 (send on every subscribe), 1 (only on a new
/// subscription), 2 (never).
pub async fn retain_handling(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let topic = ctx.topic("retain-handling");
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    ctx.retained.borrow_mut().push(topic.clone());
    let code = tri!(
        "PUBLISH",
        publ.publish(out(&topic, "kept", QoS::AtLeastOnce, true), ANSWER).await
    );
    if code >= 0x80 {
        return Outcome::unsupported(format!("a retained PUBLISH was refused: 0x{code:02x}"));
    }
    let mut wrong = Vec::new();
    for (rh, label) in [(0u8, "rh0"), (1, "rh1"), (2, "rh2")] {
        let mut c = connect!(ctx, ev, label, ctx.settings());
        for time in ["first", "again"] {
            let mut f = filter(&topic, QoS::AtLeastOnce);
            f.retain_handling = rh;
            let (_, got) = tri!(
                label,
                retained_on_subscribe(ctx, &mut c, &mut publ, f, SubscribeProps::default()).await
            );
            let want = matches!((rh, time), (0, _) | (1, "first"));
            if got.is_empty() == want {
                wrong.push(format!(
                    "retain handling {rh}, {time} subscribe: {}",
                    if want {
                        "no retained message"
                    } else {
                        "the retained message came"
                    }
                ));
            }
        }
    }
    if wrong.is_empty() {
        Outcome::pass("0: on every subscribe; 1: on the first only; 2: never")
    } else {
        Outcome::fail(wrong.join("; "))
    }
}

// ---------------------------------------------------------------- topics

/// A probe's client could not connect: its items fail with the first line of why.
fn not_connected(f: crate::client::ConnectFailure) -> Outcome {
    Outcome::fail(f.brief())
}

/// `+` and `#`.
pub async fn wildcards(ctx: &Ctx, ev: &Evidence) -> Found {
    let names = ["wildcard_plus", "wildcard_hash"];
    if ctx.advertised(|p| p.wildcard_subscription_available) == Some(false) {
        return all(
            &names,
            &Outcome::unsupported("the CONNACK's Wildcard Subscription Available is 0"),
        );
    }
    let r: Result<Found, Outcome> = async {
        let plus = ctx.topic("w/+/x");
        let hash = ctx.topic("h/#");
        let mut a = ctx.connect(ev, "plus", &ctx.settings()).await.map_err(not_connected)?;
        let mut b = ctx.connect(ev, "hash", &ctx.settings()).await.map_err(not_connected)?;
        let mut found = Vec::new();
        let ca = a
            .subscribe(filter(&plus, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        let cb = b
            .subscribe(filter(&hash, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        let mut publ = ctx.connect(ev, "pub", &ctx.settings()).await.map_err(not_connected)?;
        for t in ["w/a/x", "w/a/b/x", "h", "h/a/b", "w/end/x", "h/end"] {
            publ.publish(out(&ctx.topic(t), t.to_string(), QoS::AtLeastOnce, false), ANSWER)
                .await
                .map_err(|s| stopped("PUBLISH", s))?;
        }
        for (c, codes, sentinel, name, want, not) in [
            (&mut a, ca, "w/end/x", "wildcard_plus", &["w/a/x"][..], &["w/a/b/x"][..]),
            (&mut b, cb, "h/end", "wildcard_hash", &["h", "h/a/b"], &[]),
        ] {
            let filter_text = if name == "wildcard_plus" { "+" } else { "#" };
            found.push((name, matched(c, &codes, sentinel, filter_text, (want, not)).await));
        }
        Ok(found)
    }
    .await;
    r.unwrap_or_else(|o| all(&names, &o))
}

/// What one wildcard subscription of `c` got, ending at the `sentinel`
/// message: the payloads `want` and none of `not`.
async fn matched(
    c: &mut Client,
    codes: &[u8],
    sentinel: &str,
    filter_text: &str,
    (want, not): (&[&str], &[&str]),
) -> Outcome {
    if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
        let why = format!("the subscription was refused: 0x{code:02x}");
        return if not_supported(*code) {
            Outcome::unsupported(why)
        } else {
            Outcome::fail(why)
        };
    }
    let until = Instant::now() + ANSWER;
    if let Err(s) = c.wait_for(until, |m| m.payload == sentinel.as_bytes()).await {
        return stopped("waiting for the last message", s);
    }
    let got: Vec<String> = c
        .take_inbox()
        .iter()
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect();
    let missing: Vec<&str> = want.iter().filter(|w| !got.iter().any(|g| g == *w)).copied().collect();
    let extra: Vec<&str> = not.iter().filter(|n| got.iter().any(|g| g == *n)).copied().collect();
    if missing.is_empty() && extra.is_empty() {
        let but_not = if not.is_empty() {
            String::new()
        } else {
            format!(", not {}", not.join(", "))
        };
        Outcome::pass(format!("'{filter_text}' matched {}{but_not}", want.join(", ")))
    } else {
        Outcome::fail(format!(
            "'{filter_text}': missing {:?}, wrongly matched {:?}",
            missing, extra
        ))
    }
}

/// A topic starting with `$` is not matched by a filter starting with a
/// wildcard (`#`, `+/...`).
pub async fn dollar_topics(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let dollar = format!("${}/dollar", ctx.prefix);
    let plain = ctx.topic("dollar");
    // `+/...` written to match the plain topic (and the $ one, were the
    // rule broken).
    let plus = match plain.split_once('/') {
        Some((_, rest)) => format!("+/{rest}"),
        None => "+".to_string(),
    };
    let mut control = connect!(ctx, ev, "exact", ctx.settings());
    tri!(
        "SUBSCRIBE",
        control
            .subscribe(filter(&dollar, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut hash = connect!(ctx, ev, "hash", ctx.settings());
    let mut f = filter("#", QoS::AtMostOnce);
    // Not the whole broker's retained messages.
    f.retain_handling = 2;
    tri!("SUBSCRIBE", hash.subscribe(f, SubscribeProps::default(), ANSWER).await);
    let mut pl = connect!(ctx, ev, "plus", ctx.settings());
    tri!(
        "SUBSCRIBE",
        pl.subscribe(filter(&plus, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    hash.mute();
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let code = tri!(
        "PUBLISH",
        publ.publish(out(&dollar, "dollar", QoS::AtLeastOnce, false), ANSWER)
            .await
    );
    if code >= 0x80 {
        return Outcome::unsupported(format!("a PUBLISH to a $ topic was refused: 0x{code:02x}"));
    }
    if let Err(s) = control.message_on(&dollar, ANSWER).await {
        return Outcome::unsupported(format!("a message published to '{dollar}' was not delivered: {s}"));
    }
    // The plain topic is the sentinel of both wildcard subscribers.
    tri!(
        "PUBLISH",
        publ.publish(out(&plain, "plain", QoS::AtLeastOnce, false), ANSWER)
            .await
    );
    let mut wrong = Vec::new();
    for (c, name) in [(&mut hash, "#"), (&mut pl, plus.as_str())] {
        tri!(name, c.message_on(&plain, ANSWER).await);
        if c.take_inbox().iter().any(|m| m.topic == dollar.as_bytes()) {
            wrong.push(format!("'{name}' matched '{dollar}'"));
        }
    }
    if wrong.is_empty() {
        Outcome::pass(format!("'#' and '{plus}' did not match '{dollar}'"))
    } else {
        Outcome::fail(wrong.join("; "))
    }
}

/// Two members of a `$share` group: each message to exactly one of them.
pub async fn shared(ctx: &Ctx, ev: &Evidence) -> Outcome {
    if ctx.advertised(|p| p.shared_subscription_available) == Some(false) {
        return Outcome::unsupported("the CONNACK's Shared Subscription Available is 0");
    }
    const N: usize = 20;
    let topic = ctx.topic("shared");
    let group = format!("$share/g{}/{topic}", ctx.next_id().replace('-', ""));
    let mut members = Vec::new();
    for label in ["member1", "member2"] {
        let mut c = connect!(ctx, ev, label, ctx.settings());
        let codes = tri!(
            "SUBSCRIBE",
            c.subscribe(filter(&group, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
                .await
        );
        if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
            return if not_supported(*code) {
                Outcome::unsupported(format!("the shared subscription was refused: 0x{code:02x}"))
            } else {
                Outcome::fail(format!("the shared subscription was refused: 0x{code:02x}"))
            };
        }
        c.mute();
        members.push(c);
    }
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    publ.mute();
    ev.note(format!("pub → {N} × PUBLISH q1 '{topic}'"));
    for k in 0..N {
        tri!(
            "PUBLISH",
            publ.publish(out(&topic, format!("s-{k}"), QoS::AtLeastOnce, false), ANSWER)
                .await
        );
    }
    // Every message is acknowledged, so every copy is on its way: wait
    // until each has arrived somewhere, then a moment for stray copies.
    let until = Instant::now() + ANSWER;
    let mut counts = [[0u32; 2]; N];
    loop {
        tally_shares(&mut members, &mut counts);
        let arrived = counts.iter().filter(|c| c[0] + c[1] > 0).count();
        if arrived == N || Instant::now() >= until {
            break;
        }
        let (a, b) = members.split_at_mut(1);
        tokio::select! {
            _ = a[0].drive(until) => {}
            _ = b[0].drive(until) => {}
            _ = sleep(Duration::from_millis(20)) => {}
        }
    }
    for c in &mut members {
        c.settle(Duration::from_millis(200)).await;
    }
    tally_shares(&mut members, &mut counts);
    shares_verdict(&counts, ctx.v5(), ev)
}

/// Count each member's copies of message `s-K` in `counts[K][member]`.
fn tally_shares(members: &mut [Client], counts: &mut [[u32; 2]]) {
    for (i, c) in members.iter_mut().enumerate() {
        for m in c.take_inbox() {
            if let Some(k) = std::str::from_utf8(&m.payload)
                .ok()
                .and_then(|t| t.strip_prefix("s-"))
                .and_then(|k| k.parse::<usize>().ok())
                .filter(|k| *k < counts.len())
            {
                counts[k][i] += 1;
            }
        }
    }
}

/// Each message to exactly one member of the group.
fn shares_verdict(counts: &[[u32; 2]], v5: bool, ev: &Evidence) -> Outcome {
    let n = counts.len();
    let per: [u32; 2] = [counts.iter().map(|c| c[0]).sum(), counts.iter().map(|c| c[1]).sum()];
    ev.note(format!("member1 ← {} messages, member2 ← {}", per[0], per[1]));
    let twice = counts.iter().filter(|c| c[0] + c[1] > 1).count();
    let lost = counts.iter().filter(|c| c[0] + c[1] == 0).count();
    if twice > 0 {
        Outcome::fail(format!(
            "{twice} of {n} messages went to more than one member ({} and {})",
            per[0], per[1]
        ))
    } else if lost == n && !v5 {
        // Shared subscriptions are MQTT 5's; a 3.1.1 broker may take the
        // filter for a plain one that matches nothing.
        Outcome::unsupported(format!(
            "no member got any of {n} messages: '$share/...' was taken as a plain filter (shared subscriptions are MQTT 5's)"
        ))
    } else if lost > 0 {
        Outcome::fail(format!("{lost} of {n} messages reached no member"))
    } else {
        Outcome::pass(format!("{n} messages split {} / {}, none twice", per[0], per[1]))
    }
}

// ---------------------------------------------------------------- sessions

/// A persistent session resumed, with QoS 1 and 2 messages queued while
/// it was offline, and (MQTT 5) message expiry while queued.
pub async fn persistent_session(ctx: &Ctx, ev: &Evidence, qos2: bool) -> Found {
    let names = ["persistent_session", "offline_qos1", "offline_qos2", "message_expiry"];
    let r: Result<Found, Outcome> = async {
        let topic = ctx.topic("offline");
        let mut s = ctx.settings();
        s.clean = false;
        if ctx.v5() {
            s.session_expiry = Some(300);
        }
        let id = s.client_id.clone().unwrap_or_default();
        ctx.sessions.borrow_mut().push(id);
        let mut p = ctx.connect(ev, "session", &s).await.map_err(not_connected)?;
        let q = if qos2 { QoS::ExactlyOnce } else { QoS::AtLeastOnce };
        p.subscribe(filter(&topic, q), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        p.disconnect().await;
        let mut publ = ctx.connect(ev, "pub", &ctx.settings()).await.map_err(not_connected)?;
        let mut send = async |m| publ.publish(m, ANSWER).await.map_err(|s| stopped("PUBLISH", s));
        send(out(&topic, "o1", QoS::AtLeastOnce, false)).await?;
        if qos2 {
            send(out(&topic, "o2", QoS::ExactlyOnce, false)).await?;
        }
        let mut expiry_sent = None;
        if ctx.v5() {
            for (payload, seconds) in [("expires-1s", 1), ("expires-300s", 300)] {
                send(with_props(
                    out(&topic, payload, QoS::AtLeastOnce, false),
                    PublishProps {
                        message_expiry_interval: Some(seconds),
                        ..PublishProps::default()
                    },
                ))
                .await?;
            }
            expiry_sent = Some(Instant::now());
        }
        if let Some(at) = expiry_sent {
            // The short one must have expired while queued (brokers may
            // count expiry in whole seconds: wait past the next one).
            ev.note(format!(
                "(waiting {:.1} s: past the 1 s expiry)",
                EXPIRY_WAIT.as_secs_f64()
            ));
            sleep_until(at + EXPIRY_WAIT).await;
        }
        let mut p = ctx.connect(ev, "session", &s).await.map_err(not_connected)?;
        let present = p.session_present();
        ev.note(format!("session ← session present {}", u8::from(present)));
        // A last message on the session's subscription: the queued ones
        // come before it.
        send(out(&topic, "end", QoS::AtLeastOnce, false)).await?;
        let until = Instant::now() + ANSWER;
        let end = p.wait_for(until, |m| m.payload == "end".as_bytes()).await;
        let got: Vec<Message> = p.take_inbox();
        p.disconnect().await;
        let mut found = Vec::new();
        if !present {
            let o = Outcome::fail("the broker kept no session (session present 0)");
            return Ok(all(&names, &o));
        }
        found.push(("persistent_session", Outcome::pass("resumed: session present 1")));
        if let Err(s) = end {
            let o = stopped("after reconnecting", s);
            found.extend(all(&names[1..], &o));
            return Ok(found);
        }
        found.extend(offline_verdicts(&got, qos2, ctx.v5()));
        Ok(found)
    }
    .await;
    r.unwrap_or_else(|o| all(&names, &o))
}

/// What came back, on return, of what was sent while the session was
/// offline: the QoS 1 and QoS 2 messages, and (MQTT 5) of the 1 s and 300 s
/// expiring ones.
fn offline_verdicts(got: &[Message], qos2: bool, v5: bool) -> Found {
    let has = |payload: &str| got.iter().find(|m| m.payload == payload.as_bytes());
    let mut verdicts = Vec::new();
    verdicts.push((
        "offline_qos1",
        match has("o1") {
            Some(_) => Outcome::pass("a QoS 1 message sent while offline was delivered on return"),
            None => Outcome::fail("a QoS 1 message sent while offline was not delivered"),
        },
    ));
    verdicts.push((
        "offline_qos2",
        if !qos2 {
            Outcome::unsupported("no QoS 2 (see qos2)")
        } else {
            match has("o2") {
                Some(m) if m.qos == QoS::ExactlyOnce => {
                    Outcome::pass("a QoS 2 message sent while offline was delivered on return")
                }
                Some(m) => Outcome::fail(format!("delivered at QoS {}", m.qos as u8)),
                None => Outcome::fail("a QoS 2 message sent while offline was not delivered"),
            }
        },
    ));
    verdicts.push((
        "message_expiry",
        if !v5 {
            Outcome::unsupported("MQTT 5 only")
        } else {
            match (has("expires-1s"), has("expires-300s")) {
                (None, Some(m)) => {
                    let left = m.props.as_ref().and_then(|p| p.message_expiry_interval);
                    match left {
                        Some(l) if l < 300 => Outcome::pass(format!(
                            "a 1 s message expired while queued; a 300 s one came with {l} s left"
                        )),
                        Some(l) => Outcome::fail(format!(
                            "the 300 s message came with {l} s left: the time queued was not taken off"
                        )),
                        None => Outcome::fail("the 300 s message came without its expiry interval"),
                    }
                }
                (Some(_), _) => Outcome::fail("a message with a 1 s expiry was delivered 2.2 s later"),
                (None, None) => Outcome::fail("neither expiring message was delivered"),
            }
        },
    ));
    verdicts
}

/// The will, on a connection closed without DISCONNECT; (MQTT 5) the will
/// delay.
pub async fn will(ctx: &Ctx, ev: &Evidence, delay: bool) -> Outcome {
    let topic = ctx.topic(if delay { "will-delay" } else { "will" });
    let mut sub = connect!(ctx, ev, "watcher", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut s = ctx.settings();
    s.will = Some(Will {
        topic: topic.clone(),
        payload: b"gone".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: false,
    });
    if delay {
        s.props.will.will_delay_interval = Some(WILL_DELAY);
        s.session_expiry = Some(10);
        s.clean = false;
        ctx.sessions.borrow_mut().push(s.client_id.clone().unwrap_or_default());
    }
    let dying = connect!(ctx, ev, "dying", s);
    let closed = Instant::now();
    dying.abort();
    let within = if delay { WILL_DELAY_WAIT } else { ANSWER };
    let m = tri!("the will", sub.message_on(&topic, within).await);
    let after = closed.elapsed();
    ev.note(format!("(the will came {:.2} s after the close)", after.as_secs_f64()));
    if m.payload != b"gone"[..] {
        return Outcome::fail("the will's payload changed");
    }
    if !delay {
        return Outcome::pass(format!("published {:.0} ms after the connection closed", ms(after)));
    }
    // Brokers that count the delay in whole seconds publish up to a second
    // early; a will published at once ignored the delay.
    if after >= Duration::from_secs(2) {
        Outcome::pass(format!(
            "a 2 s will delay: published {:.1} s after the close",
            after.as_secs_f64()
        ))
    } else if after >= Duration::from_secs(1) {
        Outcome::pass(format!(
            "a 2 s will delay: published {:.1} s after the close (a broker counting whole seconds may be up to 1 s early)",
            after.as_secs_f64()
        ))
    } else {
        Outcome::fail(format!(
            "a 2 s will delay, but published {:.2} s after the close",
            after.as_secs_f64()
        ))
    }
}

// ---------------------------------------------------------------- MQTT 5

/// No-local: a subscriber does not get its own messages.
pub async fn no_local(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let topic = ctx.topic("no-local");
    let mut me = connect!(ctx, ev, "self", ctx.settings());
    let mut f = filter(&topic, QoS::AtLeastOnce);
    f.no_local = true;
    tri!("SUBSCRIBE", me.subscribe(f, SubscribeProps::default(), ANSWER).await);
    tri!(
        "PUBLISH",
        me.publish(out(&topic, "mine", QoS::AtLeastOnce, false), ANSWER).await
    );
    // Another client's message is the sentinel.
    let mut other = connect!(ctx, ev, "other", ctx.settings());
    tri!(
        "PUBLISH",
        other
            .publish(out(&topic, "theirs", QoS::AtLeastOnce, false), ANSWER)
            .await
    );
    let until = Instant::now() + ANSWER;
    tri!(
        "another client's message",
        me.wait_for(until, |m| m.payload == "theirs".as_bytes()).await
    );
    if me.take_inbox().iter().any(|m| m.payload == "mine".as_bytes()) {
        Outcome::fail("the subscriber got its own message back")
    } else {
        Outcome::pass("its own message was not sent back; another client's was")
    }
}

/// Topic aliases from the client: a PUBLISH with a topic and alias 1, then
/// one with alias 1 and an empty topic.
pub async fn topic_alias(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let max = ctx
        .connack
        .borrow()
        .as_ref()
        .and_then(|p| p.topic_alias_maximum)
        .unwrap_or(0);
    if max == 0 {
        return Outcome::unsupported("the CONNACK's Topic Alias Maximum is 0 (or absent)");
    }
    let topic = ctx.topic("alias");
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let alias = PublishProps {
        topic_alias: Some(1),
        ..PublishProps::default()
    };
    for (t, payload) in [(topic.as_str(), "a1"), ("", "a2")] {
        let code = tri!(
            "PUBLISH",
            publ.publish(
                with_props(out(t, payload, QoS::AtLeastOnce, false), alias.clone()),
                ANSWER
            )
            .await
        );
        if code >= 0x80 {
            return Outcome::fail(format!("refused: 0x{code:02x} {}", reason(code)));
        }
    }
    let until = Instant::now() + ANSWER;
    tri!(
        "the aliased message",
        sub.wait_for(until, |m| m.payload == "a2".as_bytes()).await
    );
    let got = sub.take_inbox();
    if got.iter().any(|m| m.payload == "a1".as_bytes()) || got.is_empty() {
        Outcome::pass(format!(
            "a PUBLISH by alias arrived on '{topic}' (Topic Alias Maximum {max})"
        ))
    } else {
        Outcome::fail("the first message (topic and alias) did not arrive")
    }
}

/// A subscription identifier comes back on the messages it matched.
pub async fn subscription_identifiers(ctx: &Ctx, ev: &Evidence) -> Outcome {
    if ctx.advertised(|p| p.subscription_identifiers_available) == Some(false) {
        return Outcome::unsupported("the CONNACK's Subscription Identifiers Available is 0");
    }
    let topic = ctx.topic("sub-id");
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    let props = SubscribeProps {
        subscription_identifier: Some(42),
        ..SubscribeProps::default()
    };
    let codes = tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), props, ANSWER).await
    );
    if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
        return Outcome::unsupported(format!("refused: 0x{code:02x}"));
    }
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    tri!(
        "PUBLISH",
        publ.publish(out(&topic, "id", QoS::AtLeastOnce, false), ANSWER).await
    );
    let m = tri!("the message", sub.message_on(&topic, ANSWER).await);
    let ids = m.props.map(|p| p.subscription_identifiers).unwrap_or_default();
    if ids == [42] {
        Outcome::pass("the message carried subscription identifier 42")
    } else {
        Outcome::fail(format!(
            "the message carried subscription identifiers {ids:?}, not [42]"
        ))
    }
}

/// Response topic, correlation data, content type, payload format and user
/// properties (in order, a name twice) reach the subscriber unchanged.
pub async fn properties_relayed(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let topic = ctx.topic("properties");
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let sent = PublishProps {
        payload_format_indicator: Some(1),
        response_topic: Some(ctx.topic("reply")),
        correlation_data: Some(Bytes::from_static(b"\x00\x01corr")),
        content_type: Some("text/plain".into()),
        user_properties: vec![
            ("k".into(), "1".into()),
            ("a".into(), "2".into()),
            ("k".into(), "3".into()),
        ],
        ..PublishProps::default()
    };
    tri!(
        "PUBLISH",
        publ.publish(
            with_props(out(&topic, "props", QoS::AtLeastOnce, false), sent.clone()),
            ANSWER
        )
        .await
    );
    let m = tri!("the message", sub.message_on(&topic, ANSWER).await);
    let got = m.props.map(|p| *p).unwrap_or_default();
    let mut wrong = Vec::new();
    if got.response_topic != sent.response_topic {
        wrong.push(format!("response topic {:?}", got.response_topic));
    }
    if got.correlation_data != sent.correlation_data {
        wrong.push(format!("correlation data {:?}", got.correlation_data));
    }
    if got.content_type != sent.content_type {
        wrong.push(format!("content type {:?}", got.content_type));
    }
    if got.payload_format_indicator != sent.payload_format_indicator {
        wrong.push(format!("payload format {:?}", got.payload_format_indicator));
    }
    if got.user_properties != sent.user_properties {
        wrong.push(format!("user properties {:?}", got.user_properties));
    }
    if wrong.is_empty() {
        Outcome::pass(
            "response topic, correlation data, content type, payload format and 3 user properties (in order) relayed",
        )
    } else {
        Outcome::fail(format!("changed on the way: {}", wrong.join("; ")))
    }
}

// ---------------------------------------------------------------- limits

/// Payloads doubling from 1 KiB: the largest delivered intact.
pub async fn max_payload(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let topic = ctx.topic("big");
    let limit = ctx.connack.borrow().as_ref().and_then(|p| p.maximum_packet_size);
    let mut sub = connect!(ctx, ev, "sub", ctx.settings());
    tri!(
        "SUBSCRIBE",
        sub.subscribe(filter(&topic, QoS::AtLeastOnce), SubscribeProps::default(), ANSWER)
            .await
    );
    let mut publ = connect!(ctx, ev, "pub", ctx.settings());
    let shown = |best| format!("{} delivered intact", size_text(best));
    largest(
        doubling(1024, ctx.max_payload),
        "not even 1 KiB was delivered",
        shown,
        async |size| {
            // The PUBLISH's size: fixed header, topic, packet id, properties.
            let packet = size + topic.len() + 2 + 2 + 1 + 5;
            if let Some(l) = limit
                && packet > l as usize
            {
                return Err(format!(
                    "not tried beyond: the CONNACK's Maximum Packet Size is {l} bytes"
                ));
            }
            let payload: Bytes = (0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into();
            let within = ANSWER + Duration::from_secs_f64(size as f64 / 20e6);
            let code = publ
                .publish(out(&topic, payload.clone(), QoS::AtLeastOnce, false), within)
                .await
                .map_err(|s| format!("{size} bytes: {s}"))?;
            if code >= 0x80 {
                return Err(format!("{size} bytes refused: 0x{code:02x} {}", reason(code)));
            }
            match sub.message_on(&topic, within).await {
                Ok(m) if m.payload == payload => Ok(()),
                Ok(m) => Err(format!("{size} bytes arrived as {} different bytes", m.payload.len())),
                Err(s) => Err(format!("{size} bytes not delivered: {s}")),
            }
        },
    )
    .await
}

/// Try each size in turn until one fails: a pass showing the largest that
/// worked (`shown`; the value is the size), or `none` failed when not even
/// the first did, each with why the next did not.
async fn largest(
    sizes: Vec<usize>,
    none: &str,
    shown: impl Fn(usize) -> String,
    mut attempt: impl AsyncFnMut(usize) -> Result<(), String>,
) -> Outcome {
    let mut best = 0;
    let mut stop = String::new();
    for n in sizes {
        match attempt(n).await {
            Ok(()) => best = n,
            Err(why) => {
                stop = format!("; {why}");
                break;
            }
        }
    }
    if best == 0 {
        Outcome::fail(format!("{none}{stop}")).with(json!(0))
    } else {
        Outcome::pass(format!("{}{stop}", shown(best))).with(json!(best))
    }
}

/// `from`, twice that, and so on below `to`, then `to`.
fn doubling(from: usize, to: usize) -> Vec<usize> {
    let mut v: Vec<usize> = std::iter::successors(Some(from), |n| n.checked_mul(2))
        .take_while(|n| *n < to)
        .collect();
    v.push(to);
    v
}

fn size_text(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Topic lengths doubling from 64 bytes to the protocol's 65,535: the
/// longest a QoS 1 PUBLISH was accepted on.
pub async fn max_topic_length(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let limit = ctx.connack.borrow().as_ref().and_then(|p| p.maximum_packet_size);
    let base = ctx.topic("");
    let quiet = Evidence::default();
    let mut publ = connect!(ctx, &quiet, "pub", ctx.settings());
    let lengths = doubling(64, 65535).into_iter().filter(|n| *n > base.len()).collect();
    let none = "no topic of 64 bytes or more was accepted";
    largest(
        lengths,
        none,
        |best| format!("{best} bytes"),
        async |n| {
            if let Some(l) = limit
                && n + 16 > l as usize
            {
                return Err(format!("not tried beyond: Maximum Packet Size {l}"));
            }
            let topic = format!("{base}{}", "t".repeat(n - base.len()));
            let what = format!("pub → PUBLISH q1 on a {n}-byte topic");
            match publ.publish(out(&topic, "t", QoS::AtLeastOnce, false), ANSWER).await {
                Ok(code) if code < 0x80 => {
                    ev.note(format!("{what}: PUBACK"));
                    Ok(())
                }
                Ok(code) => {
                    ev.note(format!("{what}: refused 0x{code:02x}"));
                    Err(format!("{n} bytes refused: 0x{code:02x} {}", reason(code)))
                }
                Err(s) => {
                    ev.note(format!("{what}: {s}"));
                    Err(format!("{n} bytes: {s}"))
                }
            }
        },
    )
    .await
}

/// Client id lengths doubling from 23 (MQTT 3.1's limit) to 65,535.
pub async fn max_client_id_length(ctx: &Ctx, ev: &Evidence) -> Outcome {
    let quiet = Evidence::default();
    let lengths = std::iter::once(23).chain(doubling(64, 65535)).collect();
    let none = "no client id of 23 characters was accepted";
    largest(
        lengths,
        none,
        |best| format!("{best} characters"),
        async |n| {
            let mut s = ctx.settings();
            let id = s.client_id.take().unwrap_or_default();
            s.client_id = Some(format!("{id}{}", "i".repeat(n.saturating_sub(id.len()))));
            let what = format!("c → CONNECT with a {n}-character client id");
            match ctx.connect(&quiet, "c", &s).await {
                Ok(c) => {
                    ev.note(format!("{what}: accepted"));
                    c.disconnect().await;
                    Ok(())
                }
                Err(f) => {
                    let why = f.brief();
                    ev.note(format!("{what}: {why}"));
                    Err(format!("{n} characters: {why}"))
                }
            }
        },
    )
    .await
}

/// `$SYS` topics, and the broker's version where it publishes one.
pub async fn sys_topics(ctx: &Ctx, ev: &Evidence) -> Found {
    let r: Result<Found, Outcome> = async {
        let mut c = ctx.connect(ev, "sys", &ctx.settings()).await.map_err(not_connected)?;
        let codes = c
            .subscribe(filter("$SYS/#", QoS::AtMostOnce), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        if let Some(code) = codes.first().filter(|c| **c >= 0x80) {
            let o = Outcome::unsupported(format!("a $SYS/# subscription was refused: 0x{code:02x}"));
            return Ok(vec![("sys_topics", o), ("broker_version", Outcome::skipped("no $SYS"))]);
        }
        c.mute();
        // Retained $SYS topics come at once; wait for a version or 2 s.
        let until = Instant::now() + ANSWER;
        let version = c.wait_for(until, |m| m.topic.ends_with(b"/version")).await.ok();
        let count = c.take_inbox().len() + usize::from(version.is_some());
        ev.note(format!("sys ← {count} $SYS messages"));
        let sys = if count > 0 {
            Outcome::pass(format!(
                "{count} $SYS message{} received",
                if count == 1 { "" } else { "s" }
            ))
            .with(json!(count))
        } else {
            Outcome::unsupported("no $SYS message within 2 s (a broker may publish them only every few seconds)")
                .with(json!(0))
        };
        let version = match version {
            Some(m) => Outcome::info(
                json!(String::from_utf8_lossy(&m.payload)),
                format!("from {}", m.topic_str()),
            ),
            None => Outcome::skipped("no $SYS/.../version topic"),
        };
        c.disconnect().await;
        Ok(vec![("sys_topics", sys), ("broker_version", version)])
    }
    .await;
    r.unwrap_or_else(|o| all(&["sys_topics", "broker_version"], &o))
}

// ---------------------------------------------------------------- latency

/// Connect 20 times, and 200 round trips at each QoS (publish to delivery,
/// one message at a time): the histograms by name. Each of the four parts
/// stops early at a fifth of `budget` (a distant broker gets fewer samples
/// rather than no result).
pub async fn latency(
    ctx: &Ctx,
    ev: &Evidence,
    max_qos: u8,
    budget: Duration,
) -> Result<Vec<(&'static str, Hist)>, Outcome> {
    const CONNECTS: usize = 20;
    const TRIPS: usize = 200;
    let quiet = Evidence::default();
    let mut out_h = Vec::new();
    let mut h = Hist::default();
    let part = budget / 5;
    let until = Instant::now() + part;
    for _ in 0..CONNECTS {
        if !h.is_empty() && Instant::now() >= until {
            break;
        }
        let c = ctx.connect(&quiet, "c", &ctx.settings()).await.map_err(not_connected)?;
        h.record(c.connect_time.as_micros() as u64);
        c.disconnect().await;
    }
    ev.note(format!("{} connects", h.len()));
    out_h.push(("connect", h));
    for (q, name) in [(0u8, "qos0"), (1, "qos1"), (2, "qos2")] {
        if q > max_qos {
            continue;
        }
        let topic = ctx.topic(&format!("latency/{q}"));
        let mut sub = ctx
            .connect(&quiet, "sub", &ctx.settings())
            .await
            .map_err(not_connected)?;
        sub.mute();
        sub.subscribe(filter(&topic, qos_of(q)), SubscribeProps::default(), ANSWER)
            .await
            .map_err(|s| stopped("SUBSCRIBE", s))?;
        let mut publ = ctx
            .connect(&quiet, "pub", &ctx.settings())
            .await
            .map_err(not_connected)?;
        publ.mute();
        let mut h = Hist::default();
        let until = Instant::now() + part;
        for k in 0..TRIPS {
            if k > 0 && Instant::now() >= until {
                break;
            }
            let (_, took) = deliver(&mut publ, &mut sub, out(&topic, format!("{k}"), qos_of(q), false))
                .await
                .map_err(|r| match r {
                    Refusal::Code(c) => Outcome::fail(format!("refused: 0x{c:02x}")),
                    Refusal::Publisher(s) | Refusal::Subscriber(s) => stopped("round trip", s),
                })?;
            h.record(took.as_micros() as u64);
        }
        ev.note(format!("{} QoS {q} round trips", h.len()));
        out_h.push((name, h));
        sub.disconnect().await;
        publ.disconnect().await;
    }
    Ok(out_h)
}

// ---------------------------------------------------------------- cleanup

/// Clear the retained messages the probes left and end their sessions.
pub async fn clean_up(ctx: &Ctx, ev: &Evidence) {
    let topics: Vec<String> = ctx.retained.borrow_mut().drain(..).collect();
    let sessions: Vec<String> = ctx.sessions.borrow_mut().drain(..).collect();
    if !topics.is_empty()
        && let Ok(mut c) = ctx.connect(ev, "cleaner", &ctx.settings()).await
    {
        for t in topics {
            let _ = c.publish(out(&t, Bytes::new(), QoS::AtLeastOnce, true), ANSWER).await;
        }
        c.disconnect().await;
    }
    for id in sessions {
        let mut s = ctx.settings();
        s.client_id = Some(id);
        if let Ok(c) = ctx.connect(ev, "cleaner", &s).await {
            c.disconnect().await;
        }
    }
}
