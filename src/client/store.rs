//! The client side of a persistent session (`-c -i ID`), kept between runs
//! in `$XDG_STATE_HOME/mqttkit/sessions/` (else `~/.local/state/...`): our
//! QoS 1/2 flows still open (each PUBLISH as written, or the PUBREL that
//! follows its PUBREC), the last packet id handed out, and the broker's
//! QoS 2 messages awaiting PUBREL. The next run with the same client id and
//! broker sends the flows again when the broker resumes the session.
//!
//! The file is text: a header line, then one line per fact, flows in the
//! order they started:
//!
//! ```text
//! mqttkit-session 1
//! inflight 20
//! next 17
//! incoming 3 4
//! publish 16 <the PUBLISH packet, base64>
//! pubrel 15
//! ```
//!
//! Files written by earlier versions (the MQTT library's own checkpoint,
//! with the wire packet ids beside it in `FILE.ids`) are read and written
//! anew in this format.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::{Bytes, BytesMut};

use super::codec::Codec;
use crate::mqtt::{OutMessage, Protocol, PublishProps, QoS};
use crate::settings::{ConnSettings, Endpoint};

const HEADER: &str = "mqttkit-session 1";

/// One flow of ours a resumed session sends again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFlow {
    pub pkid: u16,
    /// The PUBLISH as written; `None` once PUBREC came (PUBREL is next).
    pub publish: Option<Bytes>,
}

/// What a persistent session keeps between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    /// `-M` of the run that wrote it: ids were handed out within it.
    pub inflight: u16,
    pub next_id: u16,
    pub flows: Vec<SavedFlow>,
    /// The broker's QoS 2 messages delivered and awaiting PUBREL.
    pub incoming: Vec<u16>,
}

/// Where the session of this connection lives: only for a persistent one.
pub fn path(s: &ConnSettings) -> Option<PathBuf> {
    if s.clean {
        return None;
    }
    let id = s.client_id.as_deref()?;
    let base = match std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").filter(|d| !d.is_empty())?).join(".local/state"),
    };
    let broker = match &s.endpoint {
        Endpoint::Tcp { host, port } => format!("{host}:{port}"),
        Endpoint::Unix(p) => p.display().to_string(),
    };
    let v = match s.protocol {
        Protocol::V5 => "v5",
        Protocol::V311 => "v311",
        Protocol::V31 => "v31",
    };
    Some(
        base.join("mqttkit/sessions")
            .join(format!("{v}-{}-{}", escape(&broker), escape(id))),
    )
}

/// File-name-safe: keep `[A-Za-z0-9._-]`, write every other byte as `%XX`.
fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids_path(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf().into_os_string();
    p.push(".ids");
    PathBuf::from(p)
}

/// The session saved at `path` (`None`: none yet). A session saved with
/// another `-M` is refused: its ids were handed out within that window.
pub fn load(path: &Path, s: &ConnSettings, codec: &Codec) -> Result<Option<Saved>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let saved = match bytes.strip_prefix(HEADER.as_bytes()) {
        Some(rest) => parse(rest),
        None => migrate(&bytes, path, s, codec),
    }
    .ok_or_else(|| format!("{} is not a session file; delete it to start afresh", path.display()))?;
    if saved.inflight != s.max_inflight {
        return Err(format!(
            "the session in {} was saved with -M {}; run with -M {} or delete the file",
            path.display(),
            saved.inflight,
            saved.inflight
        ));
    }
    Ok(Some(saved))
}

fn parse(text: &[u8]) -> Option<Saved> {
    let text = std::str::from_utf8(text).ok()?;
    let mut saved = Saved::default();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut words = line.split(' ');
        match (words.next()?, words.next()) {
            ("inflight", Some(n)) => saved.inflight = n.parse().ok()?,
            ("next", Some(n)) => saved.next_id = n.parse().ok()?,
            ("incoming", first) => {
                for id in first.into_iter().chain(words.by_ref()) {
                    saved.incoming.push(id.parse().ok()?);
                }
            }
            ("pubrel", Some(id)) => saved.flows.push(SavedFlow {
                pkid: id.parse().ok()?,
                publish: None,
            }),
            ("publish", Some(id)) => saved.flows.push(SavedFlow {
                pkid: id.parse().ok()?,
                publish: Some(Bytes::from(BASE64.decode(words.next()?).ok()?)),
            }),
            _ => return None,
        }
    }
    Some(saved)
}

/// Write the session for the next run (atomically: a temporary file renamed
/// over it); an earlier version's `.ids` file goes.
pub fn save(path: &Path, saved: &Saved) -> std::io::Result<()> {
    let mut text = format!(
        "{HEADER}\ninflight {}\nnext {}\nincoming",
        saved.inflight, saved.next_id
    );
    for id in &saved.incoming {
        text.push_str(&format!(" {id}"));
    }
    text.push('\n');
    for f in &saved.flows {
        match &f.publish {
            Some(p) => text.push_str(&format!("publish {} {}\n", f.pkid, BASE64.encode(p))),
            None => text.push_str(&format!("pubrel {}\n", f.pkid)),
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    match std::fs::remove_file(ids_path(path)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// An earlier version's file: the library's checkpoint, whose packet ids
/// are the library's own, translated to the wire's by `FILE.ids` (`last`,
/// then one `library-id wire-id` line per flow).
fn migrate(bytes: &[u8], path: &Path, s: &ConnSettings, codec: &Codec) -> Option<Saved> {
    let ids = std::fs::read_to_string(ids_path(path)).unwrap_or_default();
    let mut lines = ids.lines();
    let last: Option<u16> = lines.next().and_then(|l| l.trim().parse().ok());
    let wire: std::collections::HashMap<u16, u16> = lines
        .filter_map(|l| {
            let (lib, wire) = l.split_once(' ')?;
            Some((lib.parse().ok()?, wire.parse().ok()?))
        })
        .collect();
    let on_wire = |id: u16| wire.get(&id).copied().unwrap_or(id);
    let (mut saved, replay) = if s.protocol == Protocol::V5 {
        old_v5(bytes)?
    } else {
        old_v4(bytes)?
    };
    saved.next_id = last.unwrap_or(saved.next_id);
    for r in replay {
        saved.flows.push(match r {
            Replay::Publish(pkid, m) => {
                let mut buf = BytesMut::new();
                codec.publish(&mut buf, m, on_wire(pkid)).ok()?;
                buf[0] |= 0x08;
                SavedFlow {
                    pkid: on_wire(pkid),
                    publish: Some(buf.freeze()),
                }
            }
            Replay::PubRel(pkid) => SavedFlow {
                pkid: on_wire(pkid),
                publish: None,
            },
        });
    }
    Some(saved)
}

/// One flow of an earlier version's checkpoint, under the library's id.
enum Replay {
    Publish(u16, OutMessage),
    PubRel(u16),
}

/// The MQTT 5 library's checkpoint: what it says, and its flows.
fn old_v5(bytes: &[u8]) -> Option<(Saved, Vec<Replay>)> {
    use rumqttc5::{PersistedQoS as Q, PersistedRequest as R};
    let old = rumqttc5::PersistedSession::decode(bytes).ok()?;
    let saved = Saved {
        inflight: old.outgoing_inflight_upper_limit.unwrap_or(u16::MAX),
        next_id: old.last_pkid,
        flows: Vec::new(),
        incoming: old.incoming_qos2.iter().map(|i| i.pkid).collect(),
    };
    let mut replay = Vec::new();
    for r in old.replay {
        match r {
            R::Publish(p) => {
                let qos = match p.qos {
                    Q::AtMostOnce => continue,
                    Q::AtLeastOnce => QoS::AtLeastOnce,
                    Q::ExactlyOnce => QoS::ExactlyOnce,
                };
                let props = p.properties.map(|pp| {
                    Box::new(PublishProps {
                        payload_format_indicator: pp.payload_format_indicator,
                        message_expiry_interval: pp.message_expiry_interval,
                        response_topic: pp.response_topic,
                        correlation_data: pp.correlation_data.map(Bytes::from),
                        user_properties: pp.user_properties,
                        content_type: pp.content_type,
                        ..PublishProps::default()
                    })
                });
                replay.push(Replay::Publish(
                    p.pkid,
                    old_message(p.topic, p.payload, qos, p.retain, props)?,
                ));
            }
            R::PubRel(r) => replay.push(Replay::PubRel(r.pkid)),
            R::Subscribe(_) | R::Unsubscribe(_) => {}
        }
    }
    Some((saved, replay))
}

/// The MQTT 3.1.1 library's checkpoint: what it says, and its flows.
fn old_v4(bytes: &[u8]) -> Option<(Saved, Vec<Replay>)> {
    use rumqttc::{PersistedQoS as Q, PersistedRequest as R};
    let old = rumqttc::PersistedSession::decode(bytes).ok()?;
    let saved = Saved {
        inflight: old.max_inflight,
        next_id: old.last_pkid,
        flows: Vec::new(),
        incoming: old.incoming_qos2.iter().map(|i| i.pkid).collect(),
    };
    let mut replay = Vec::new();
    for r in old.replay {
        match r {
            R::Publish(p) => {
                let qos = match p.qos {
                    Q::AtMostOnce => continue,
                    Q::AtLeastOnce => QoS::AtLeastOnce,
                    Q::ExactlyOnce => QoS::ExactlyOnce,
                };
                replay.push(Replay::Publish(
                    p.pkid,
                    old_message(p.topic, p.payload, qos, p.retain, None)?,
                ));
            }
            R::PubRel(r) => replay.push(Replay::PubRel(r.pkid)),
            R::Subscribe(_) | R::Unsubscribe(_) => {}
        }
    }
    Some((saved, replay))
}

fn old_message(
    topic: Vec<u8>,
    payload: Vec<u8>,
    qos: QoS,
    retain: bool,
    props: Option<Box<PublishProps>>,
) -> Option<OutMessage> {
    Some(OutMessage {
        topic: String::from_utf8(topic).ok()?,
        payload: Bytes::from(payload),
        qos,
        retain,
        props,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_names_are_file_safe() {
        assert_eq!(escape("a/b c:1"), "a%2Fb%20c%3A1");
        assert_eq!(escape("ok-id_1.x"), "ok-id_1.x");
    }

    #[test]
    fn a_session_survives_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s/v5-x");
        let saved = Saved {
            inflight: 20,
            next_id: 65535,
            flows: vec![
                SavedFlow {
                    pkid: 65534,
                    publish: None,
                },
                SavedFlow {
                    pkid: 65535,
                    publish: Some(Bytes::from_static(b"\x3a\x05\x00\x01t\xff\xffx")),
                },
            ],
            incoming: vec![3, 9],
        };
        save(&path, &saved).unwrap();
        let text = std::fs::read(&path).unwrap();
        assert_eq!(parse(text.strip_prefix(HEADER.as_bytes()).unwrap()), Some(saved));
        assert_eq!(parse(b"\nnonsense 1\n"), None);
    }

    #[test]
    fn an_earlier_versions_checkpoint_is_read_under_its_wire_ids() {
        use rumqttc::{PersistedPubRel, PersistedPublish, PersistedQoS, PersistedRequest, PersistedSession};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v311-x");
        let old = PersistedSession {
            format_version: 1,
            client_id: "keeper".into(),
            clean_session: false,
            max_inflight: 20,
            ack_mode: rumqttc::PersistedAckMode::Automatic,
            last_pkid: 2,
            last_puback: 0,
            replay: vec![
                PersistedRequest::PubRel(PersistedPubRel { pkid: 1 }),
                PersistedRequest::Publish(PersistedPublish {
                    dup: false,
                    qos: PersistedQoS::AtLeastOnce,
                    retain: false,
                    topic: b"t".to_vec(),
                    pkid: 2,
                    payload: b"x".to_vec(),
                }),
            ],
            incoming_qos2: vec![rumqttc::PersistedIncomingQos2 { pkid: 7 }],
        };
        std::fs::write(&path, old.encode().unwrap()).unwrap();
        // The library's ids 1 and 2 were 300 and 301 on the wire.
        std::fs::write(ids_path(&path), "301\n1 300\n2 301\n").unwrap();
        let s = ConnSettings {
            endpoint: Endpoint::Tcp {
                host: "x".into(),
                port: 1883,
            },
            protocol: Protocol::V311,
            client_id: Some("keeper".into()),
            clean: false,
            keepalive: 60,
            session_expiry: None,
            credentials: Default::default(),
            max_inflight: 20,
            nodelay: false,
            bind: None,
            will: None,
            props: Default::default(),
            connect_retry: None,
            tls: None,
            websocket: None,
            proxy: None,
            debug: false,
            quiet: true,
        };
        let saved = load(&path, &s, &Codec::new(&s, &Default::default())).unwrap().unwrap();
        assert_eq!(
            (saved.inflight, saved.next_id, saved.incoming.clone()),
            (20, 301, vec![7])
        );
        assert_eq!(
            saved.flows[0],
            SavedFlow {
                pkid: 300,
                publish: None
            }
        );
        // QoS 1 PUBLISH to "t", id 301, DUP set, payload "x".
        let publish = saved.flows[1].publish.as_deref().unwrap();
        assert_eq!(
            (saved.flows[1].pkid, publish),
            (301, &b"\x3a\x06\x00\x01t\x01\x2dx"[..])
        );
        save(&path, &saved).unwrap();
        assert!(!ids_path(&path).exists());
        assert_eq!(
            load(&path, &s, &Codec::new(&s, &Default::default())).unwrap(),
            Some(saved)
        );
    }
}
