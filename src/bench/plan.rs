//! Who is who in a run: client indexes (sliced by `--shard`), ids, topics
//! from templates, and each publisher's share of `--count` and `--rate`.

use std::ops::Range;
use std::time::Duration;

use super::header::Clock;
use crate::settings::{BenchSettings, ConnSettings, Kind, Pacing};

/// What a client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Publisher = 0,
    Subscriber = 1,
    /// `conn`: connects and holds.
    Holder = 2,
}

/// The resolved run: settings plus the clock every client shares.
#[derive(Debug)]
pub struct Plan {
    pub settings: BenchSettings,
    pub clock: Clock,
}

/// Indexes `0..total` sliced into `n` nearly equal parts; part `i`.
pub fn slice(total: u32, (i, n): (u32, u32)) -> Range<u32> {
    let at = |k: u32| (u64::from(total) * u64::from(k) / u64::from(n)) as u32;
    at(i)..at(i + 1)
}

impl Plan {
    pub fn new(settings: BenchSettings) -> Plan {
        Plan {
            settings,
            clock: Clock::new(),
        }
    }

    /// This shard's client indexes of a role (global numbering).
    pub fn indexes(&self, role: Role) -> Range<u32> {
        let s = &self.settings;
        let total = match (role, s.kind) {
            (Role::Publisher, _) => s.publishers,
            (Role::Subscriber, Kind::Sub | Kind::Pubsub) => s.subscribers,
            (Role::Holder, Kind::Conn) => s.subscribers,
            _ => 0,
        };
        slice(total, s.shard)
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
        // The MQTT 5 library drops the events it has queued when a
        // connection ends, after acknowledging their messages itself: a
        // subscriber acknowledges each message once it has counted it.
        c.manual_acks = role == Role::Subscriber && c.protocol == crate::mqtt::Protocol::V5;
        if !self.settings.ifaddrs.is_empty() {
            // In turn over all clients: publishers first, then subscribers.
            let n = self.settings.ifaddrs.len() as u32;
            let slot = match role {
                Role::Subscriber => index + self.settings.publishers,
                Role::Publisher | Role::Holder => index,
            };
            c.bind = Some(self.settings.ifaddrs[(slot % n) as usize]);
        }
        c
    }

    fn fill(&self, template: &str, role: Role, index: u32) -> String {
        let user = self.settings.conn.credentials.username.as_deref().unwrap_or("");
        template
            .replace("%i", &index.to_string())
            .replace("%c", &self.client_id(role, index))
            .replace("%u", user)
    }

    pub fn topic_for(&self, index: u32) -> String {
        self.fill(&self.settings.topic, Role::Publisher, index)
    }

    pub fn filter_for(&self, index: u32) -> String {
        self.fill(&self.settings.filter, Role::Subscriber, index)
    }

    /// Does this run account for messages of publisher `id`? In pubsub only
    /// for its own publishers (other shards' are foreign); in sub for all.
    pub fn tracks(&self, id: u32) -> bool {
        self.settings.kind != Kind::Pubsub || self.indexes(Role::Publisher).contains(&id)
    }

    /// The id a publisher writes into its payloads: its global index.
    pub fn publisher_id(&self, index: u32) -> u32 {
        index
    }

    /// A publisher's message limit, the time between its messages, and the
    /// offset of its first one (publishers are staggered over one interval).
    pub fn pace(&self, index: u32) -> (u64, Option<Duration>, Duration) {
        let s = &self.settings;
        let p = u64::from(s.publishers);
        let limit = s
            .count
            .map_or(u64::MAX, |c| c / p + u64::from(u64::from(index) < c % p));
        let interval = match s.pacing {
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
