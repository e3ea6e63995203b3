//! Who is who in a run: client indexes (sliced by `--shard`), ids, topics
//! from templates, and each publisher's share of `--count` and `--rate`.

use std::ops::Range;
use std::time::Duration;

use super::header::Clock;
use super::sparkplug::EdgeNode;
use crate::client::Connector;
use crate::settings::{
    BenchSettings, ConnSettings, EdgeNodes, Endpoint, Pacing, Publishing, Receiving, ScenarioKind, SessionOptions,
};

/// What a client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Publisher = 0,
    Subscriber = 1,
    /// `conn`: connects and holds.
    Holder = 2,
}

/// The resolved run: settings plus the clock and the connector (TLS
/// configuration) every client shares.
pub struct Plan {
    pub settings: BenchSettings,
    pub clock: Clock,
    pub connector: Connector,
}

/// Indexes `0..total` sliced into `n` nearly equal parts; part `i`.
pub fn slice(total: u32, (i, n): (u32, u32)) -> Range<u32> {
    let at = |k: u32| (u64::from(total) * u64::from(k) / u64::from(n)) as u32;
    at(i)..at(i + 1)
}

impl Plan {
    /// Fails when the TLS options cannot be loaded (a usage problem every
    /// client would have).
    pub fn new(settings: BenchSettings) -> anyhow::Result<Plan> {
        let session = SessionOptions::load_generator(settings.conn.max_inflight);
        let connector = Connector::new(&settings.conn, session).map_err(|f| f.into_error())?;
        Ok(Plan {
            settings,
            clock: Clock::new(),
            connector,
        })
    }

    /// This shard's client indexes of a role (global numbering).
    pub fn indexes(&self, role: Role) -> Range<u32> {
        let load = &self.settings.load;
        let total = match role {
            Role::Publisher => load.publishers(),
            Role::Subscriber => load.subscribers(),
            Role::Holder => load.holders(),
        };
        slice(total, self.settings.shard)
    }

    pub fn client_id(&self, role: Role, index: u32) -> String {
        let what = match role {
            Role::Publisher => "pub",
            Role::Subscriber => "sub",
            Role::Holder => "conn",
        };
        format!("{}{what}-{index}", self.settings.id_prefix)
    }

    pub fn conn_for(&self, role: Role, index: u32) -> ConnSettings {
        let mut c = self.settings.conn.clone();
        c.client_id = Some(self.client_id(role, index));
        let slot = self.slot(role, index);
        if !self.settings.ifaddrs.is_empty() {
            c.bind = Some(self.settings.ifaddrs[slot % self.settings.ifaddrs.len()]);
        }
        if let Some(endpoint) = self.host_for(role, index) {
            c.endpoint = endpoint.clone();
        }
        c
    }

    /// A client's place when clients take turns (at source addresses,
    /// brokers): publishers first, then subscribers.
    fn slot(&self, role: Role, index: u32) -> usize {
        let slot = match role {
            Role::Subscriber => index + self.settings.load.publishers(),
            Role::Publisher | Role::Holder => index,
        };
        slot as usize
    }

    /// The broker of a client with `-h HOST,HOST...`, in turn (`None` with one).
    pub fn host_for(&self, role: Role, index: u32) -> Option<&Endpoint> {
        let hosts = &self.settings.hosts;
        (!hosts.is_empty()).then(|| &hosts[self.slot(role, index) % hosts.len()])
    }

    fn fill(&self, template: &str, role: Role, index: u32) -> String {
        let user = self.settings.conn.credentials.username.as_deref().unwrap_or("");
        template
            .replace("%i", &index.to_string())
            .replace("%c", &self.client_id(role, index))
            .replace("%u", user)
    }

    /// What the publishers send. Only scenarios that publish have
    /// publishers, so a publisher's code may take it as given.
    pub fn publishing(&self) -> &Publishing {
        self.settings
            .load
            .publishing()
            .expect("only a scenario that publishes has publishers")
    }

    /// What the subscribers subscribe to (only scenarios that subscribe
    /// have subscribers).
    pub fn receiving(&self) -> &Receiving {
        self.settings
            .load
            .receiving()
            .expect("only a scenario that subscribes has subscribers")
    }

    /// A publisher's edge node (`--sparkplug`).
    pub fn edge_node(&self, role: Role, index: u32) -> Option<EdgeNode> {
        let what = self.settings.load.publishing().filter(|_| role == Role::Publisher)?;
        let nodes = what.sparkplug.as_ref()?;
        let edge = self.fill(EdgeNodes::EDGE, role, index);
        Some(EdgeNode::new(
            nodes,
            edge,
            what.size,
            self.settings.seed ^ u64::from(index),
            what.qos,
        ))
    }

    pub fn topic_for(&self, index: u32) -> String {
        self.fill(&self.publishing().topic, Role::Publisher, index)
    }

    pub fn filter_for(&self, index: u32) -> String {
        self.fill(&self.receiving().filter, Role::Subscriber, index)
    }

    /// Does this run account for messages of publisher `id`? In pubsub only
    /// for its own publishers (other shards' are foreign); in sub for all.
    pub fn tracks(&self, id: u32) -> bool {
        self.settings.kind() != ScenarioKind::Pubsub || self.indexes(Role::Publisher).contains(&id)
    }

    /// The id a publisher writes into its payloads: its global index.
    pub fn publisher_id(&self, index: u32) -> u32 {
        index
    }

    /// A publisher's message limit, the time between its messages, and the
    /// offset of its first one (publishers are staggered over one interval).
    pub fn pace(&self, index: u32) -> (u64, Option<Duration>, Duration) {
        let s = &self.settings;
        let p = u64::from(s.load.publishers());
        let limit = s
            .count
            .map_or(u64::MAX, |c| c / p + u64::from(u64::from(index) < c % p));
        let interval = match self.publishing().pacing {
            Pacing::Unlimited => None,
            Pacing::Aggregate(rate) => Some(Duration::from_secs_f64(p as f64 / rate)),
            Pacing::Interval(i) => Some(i),
        };
        let offset = interval.map_or(Duration::ZERO, |i| i.mul_f64(f64::from(index) / p as f64));
        (limit, interval, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_index_once() {
        let parts: Vec<_> = (0..3).map(|i| slice(10, (i, 3))).collect();
        assert_eq!(parts, vec![0..3, 3..6, 6..10]);
        assert_eq!(slice(2, (2, 3)), 1..2);
        assert_eq!(slice(5, (0, 1)), 0..5);
    }
}
