//! The run's resolved configuration as the report records it: every default
//! explicit, the password redacted. Typed, so readers (the summary, a
//! baseline, a merge) use fields, not string keys.

use serde::{Deserialize, Serialize};

use crate::settings::{BenchSettings, Endpoint, HEADER_LEN, Pacing};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// `mqtt://host:port`, `mqtts://`, `ws://…/path`, `wss://…`, `unix:/path`.
    pub broker: String,
    /// 3 (MQTT 3.1), 4 (3.1.1) or 5.
    pub protocol: u8,
    pub tls: bool,
    pub username: Option<String>,
    /// `<redacted>` when a password was given.
    pub password: Option<String>,
    pub id_prefix: String,
    pub keepalive_s: u16,
    pub clean_session: bool,
    pub inflight: u16,
    pub publishers: u32,
    pub subscribers: u32,
    pub connections: u32,
    pub conn_rate: Option<f64>,
    /// `--ifaddr`: the local addresses clients were bound to, in turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ifaddrs: Vec<String>,
    /// `-h HOST[:PORT],...`: the brokers clients were spread over, in turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    pub topic: String,
    pub filter: String,
    pub qos: u8,
    pub retain: bool,
    pub payload_bytes: usize,
    /// `unlimited`, `aggregate` or `interval`.
    pub pacing: String,
    pub rate: Option<f64>,
    pub interval_ms: Option<f64>,
    pub count: Option<u64>,
    pub duration_s: Option<f64>,
    pub warmup_s: f64,
    pub drain_s: f64,
    pub seed: u64,
    /// `I/N`.
    pub shard: String,
}

impl RunConfig {
    pub fn of(s: &BenchSettings) -> RunConfig {
        let c = &s.conn;
        let (pacing, rate, interval_ms) = match s.load.pacing() {
            Pacing::Unlimited => ("unlimited", None, None),
            Pacing::Aggregate(r) => ("aggregate", Some(r), None),
            Pacing::Interval(i) => ("interval", None, Some(i.as_secs_f64() * 1000.0)),
        };
        let (load, publishing, receiving) = (&s.load, s.load.publishing(), s.load.receiving());
        RunConfig {
            broker: broker_url(s),
            protocol: c.protocol.level(),
            tls: c.tls.is_some(),
            username: c.credentials.username.clone(),
            password: c.credentials.password.as_ref().map(|_| "<redacted>".into()),
            id_prefix: s.id_prefix.clone(),
            keepalive_s: c.keepalive,
            clean_session: c.clean,
            inflight: c.max_inflight,
            publishers: load.publishers(),
            subscribers: load.subscribers(),
            connections: load.clients(),
            conn_rate: s.conn_rate,
            ifaddrs: s.ifaddrs.iter().map(ToString::to_string).collect(),
            hosts: s.hosts.iter().map(crate::client::target_of).collect(),
            // What a scenario does not do is recorded empty: no topic, no
            // filter, QoS 0, only the header.
            topic: publishing.map(|p| p.topic.clone()).unwrap_or_default(),
            filter: receiving.map(|r| r.filter.clone()).unwrap_or_default(),
            qos: load.qos().map_or(0, |q| q as u8),
            retain: publishing.is_some_and(|p| p.retain),
            payload_bytes: publishing.map_or(HEADER_LEN, |p| p.size),
            pacing: pacing.into(),
            rate,
            interval_ms,
            count: s.count,
            duration_s: s.duration.map(|d| d.as_secs_f64()),
            warmup_s: s.warmup.as_secs_f64(),
            drain_s: s.drain.as_secs_f64(),
            seed: s.seed,
            shard: format!("{}/{}", s.shard.0, s.shard.1),
        }
    }
}

fn broker_url(s: &BenchSettings) -> String {
    let c = &s.conn;
    match &c.endpoint {
        Endpoint::Tcp { host, port } => {
            let scheme = match (c.tls.is_some(), c.websocket.is_some()) {
                (false, false) => "mqtt",
                (true, false) => "mqtts",
                (false, true) => "ws",
                (true, true) => "wss",
            };
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            format!("{scheme}://{host}:{port}{}", c.websocket.as_deref().unwrap_or(""))
        }
        Endpoint::Unix(p) => format!("unix:{}", p.display()),
    }
}
