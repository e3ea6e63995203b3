//! The QoS 1/2 flows of one client, both ways: ours in the order they
//! started (each with the bytes of its PUBLISH, so a resumed session sends
//! it again with DUP set, or the PUBREL that follows its PUBREC), packet ids
//! counted up 1 → 65535 and round again as mosquitto's clients do, and the
//! broker's QoS 2 messages awaiting PUBREL (delivered once however often
//! they come).

use std::collections::{HashMap, VecDeque};

use bytes::{Bytes, BytesMut};

use super::store::{Saved, SavedFlow};

/// One of our QoS 1/2 flows.
struct Flow {
    pkid: u16,
    /// The PUBLISH as written, or `None` once PUBREC came.
    publish: Option<Bytes>,
    /// Holds a place in the window of the program's queue
    /// ([`super::conn::Outbox`]) (given back when the flow ends).
    permit: bool,
    /// Started by an earlier run (a persistent session's file).
    earlier: bool,
}

/// Where one of the broker's QoS 2 messages is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Theirs {
    /// Delivered to the program, not yet acknowledged by it.
    Delivered,
    /// PUBREC sent; PUBREL awaited.
    Received,
}

#[derive(Default)]
pub struct Flows {
    ours: VecDeque<Flow>,
    next_id: u16,
    theirs: HashMap<u16, Theirs>,
}

/// What to do with a QoS 2 message of the broker's.
pub enum Arrival {
    /// New: deliver it.
    New,
    /// Delivered before and acknowledged: PUBREC again, do not deliver.
    AckAgain,
    /// Delivered before and not yet acknowledged: nothing to do.
    Pending,
}

impl Flows {
    /// Flows restored from a persistent session's file.
    pub fn restore(saved: Saved) -> Flows {
        Flows {
            ours: (saved.flows.into_iter())
                .map(|f| Flow {
                    pkid: f.pkid,
                    publish: f.publish,
                    permit: false,
                    earlier: true,
                })
                .collect(),
            next_id: saved.next_id,
            theirs: saved.incoming.into_iter().map(|id| (id, Theirs::Received)).collect(),
        }
    }

    /// What a persistent session keeps for the next run.
    pub fn save(&self, inflight: u16) -> Saved {
        let mut incoming: Vec<u16> = (self.theirs.iter())
            .filter(|(_, t)| **t == Theirs::Received)
            .map(|(id, _)| *id)
            .collect();
        incoming.sort_unstable();
        Saved {
            inflight,
            next_id: self.next_id,
            flows: (self.ours.iter())
                .map(|f| SavedFlow {
                    pkid: f.pkid,
                    publish: f.publish.clone(),
                })
                .collect(),
            incoming,
        }
    }

    /// Our flows open.
    pub fn open(&self) -> usize {
        self.ours.len()
    }

    /// An earlier run's flows still open.
    pub fn earlier(&self) -> usize {
        self.ours.iter().filter(|f| f.earlier).count()
    }

    /// The next packet id not in flight.
    pub fn next_pkid(&mut self) -> u16 {
        loop {
            self.next_id = self.next_id.checked_add(1).unwrap_or(1);
            let id = self.next_id;
            if !self.ours.iter().any(|f| f.pkid == id) {
                return id;
            }
        }
    }

    /// A QoS 1/2 PUBLISH of ours was encoded as `bytes`.
    pub fn started(&mut self, pkid: u16, bytes: Bytes, permit: bool) {
        self.ours.push_back(Flow {
            pkid,
            publish: Some(bytes),
            permit,
            earlier: false,
        });
    }

    /// PUBACK, PUBCOMP or a refusing PUBREC: the flow is over. Whether it
    /// held a place in the queue's window (`None`: it was not ours, or
    /// ended already).
    pub fn end(&mut self, pkid: u16) -> Option<bool> {
        let i = self.ours.iter().position(|f| f.pkid == pkid)?;
        self.ours.remove(i).map(|f| f.permit)
    }

    /// PUBREC: what is resent from now on is the PUBREL.
    pub fn released(&mut self, pkid: u16) {
        if let Some(f) = self.ours.iter_mut().find(|f| f.pkid == pkid) {
            f.publish = None;
        }
    }

    /// A resumed session: every open flow again, in the order they started
    /// (PUBLISH with DUP set, or PUBREL).
    pub fn resend(&self, buf: &mut BytesMut, pubrel: impl Fn(&mut BytesMut, u16)) {
        for f in &self.ours {
            match &f.publish {
                Some(p) => {
                    let at = buf.len();
                    buf.extend_from_slice(p);
                    buf[at] |= 0x08;
                }
                None => pubrel(buf, f.pkid),
            }
        }
    }

    /// The broker resumed no session: everything open is gone. The places
    /// in the queue's window the flows held.
    pub fn forget(&mut self) -> usize {
        self.theirs.clear();
        let permits = self.ours.iter().filter(|f| f.permit).count();
        self.ours.clear();
        permits
    }

    /// A QoS 2 message of the broker's arrived; `acked`: it is acknowledged
    /// at once (not by the program).
    pub fn arrived(&mut self, pkid: u16, acked: bool) -> Arrival {
        match self.theirs.get(&pkid) {
            None => {
                let state = if acked { Theirs::Received } else { Theirs::Delivered };
                self.theirs.insert(pkid, state);
                Arrival::New
            }
            Some(Theirs::Received) => Arrival::AckAgain,
            Some(Theirs::Delivered) => Arrival::Pending,
        }
    }

    /// The program acknowledged a QoS 2 message: PUBREC goes (false: it
    /// was acknowledged already).
    pub fn acked(&mut self, pkid: u16) -> bool {
        match self.theirs.get_mut(&pkid) {
            Some(t @ Theirs::Delivered) => {
                *t = Theirs::Received;
                true
            }
            Some(Theirs::Received) => false,
            // Not known (a lost connection forgot it): PUBREC anyway.
            None => true,
        }
    }

    /// PUBREL: the broker's QoS 2 flow ends at our PUBCOMP.
    pub fn completed(&mut self, pkid: u16) {
        self.theirs.remove(&pkid);
    }

    /// Whether the broker's QoS 2 message `pkid` still awaits its PUBREL.
    pub fn awaiting_pubrel(&self, pkid: u16) -> bool {
        self.theirs.contains_key(&pkid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_up_and_skip_those_in_flight() {
        let mut f = Flows {
            next_id: 65534,
            ..Flows::default()
        };
        let a = f.next_pkid();
        f.started(a, Bytes::from_static(b"\x32"), true);
        assert_eq!(a, 65535);
        assert_eq!(f.next_pkid(), 1);
        f.next_id = 65534;
        assert_eq!(f.next_pkid(), 1, "65535 is in flight");
        assert_eq!(f.end(a), Some(true));
        assert!(f.end(a).is_none());
    }

    #[test]
    fn resent_in_start_order_publish_with_dup_or_pubrel() {
        let mut f = Flows::default();
        for id in [1, 2, 3] {
            f.started(id, Bytes::copy_from_slice(&[0x32, id as u8]), false);
        }
        f.released(2);
        let mut buf = BytesMut::new();
        f.resend(&mut buf, |b, id| b.extend_from_slice(&[0x62, id as u8]));
        assert_eq!(&buf[..], &[0x3a, 1, 0x62, 2, 0x3a, 3]);
    }

    #[test]
    fn a_qos2_message_is_delivered_once() {
        let mut f = Flows::default();
        assert!(matches!(f.arrived(7, false), Arrival::New));
        assert!(matches!(f.arrived(7, false), Arrival::Pending));
        assert!(f.acked(7));
        assert!(matches!(f.arrived(7, false), Arrival::AckAgain));
        assert!(f.awaiting_pubrel(7));
        f.completed(7);
        assert!(!f.awaiting_pubrel(7));
        assert!(matches!(f.arrived(7, true), Arrival::New));
    }
}
