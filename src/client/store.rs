//! Client-side session state for persistent sessions (`-c`): rumqttc's
//! session checkpoint (packet ids, unconfirmed publishes, QoS 2 receive
//! state), kept in memory while a program runs and written to
//! `$XDG_STATE_HOME/mqttkit/sessions/` (else `~/.local/state/...`) when it
//! ends. The next run with the same client id and broker resumes it: what was
//! never confirmed is sent again, and MQTT 5 accepts the broker's session
//! instead of refusing it (the library's strict default).
//!
//! Beside the checkpoint, `FILE.ids` keeps the wire packet ids of the flows
//! in progress ([`super::ids`]): a resent message must carry the id the
//! broker knows it by.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::settings::{ConnSettings, Endpoint};

use super::ids::PacketIds;
use crate::mqtt::Protocol;

type StoreError = Box<dyn std::error::Error + Send + Sync>;
type Fut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One client's checkpoint file plus its in-memory copy.
#[derive(Debug)]
pub struct FileStore<S> {
    path: PathBuf,
    /// The configured in-flight limit; a checkpoint saved with another is refused.
    inflight: u16,
    /// What to load when there is no file (MQTT 5: "no in-flight state").
    empty: Option<S>,
    cache: Mutex<Cache<S>>,
    /// The client's wire packet ids, saved with the checkpoint.
    ids: PacketIds,
}

#[derive(Debug)]
struct Cache<S> {
    session: Option<S>,
    dirty: bool,
}

/// Encoding and the fields the checks need, for either protocol's checkpoint.
pub trait Checkpoint: Clone + std::fmt::Debug + Send + Sync + 'static {
    fn encode(&self) -> Result<Vec<u8>, StoreError>;
    fn decode(bytes: &[u8]) -> Result<Self, StoreError>;
    fn inflight(&self) -> u16;
}

impl Checkpoint for rumqttc::PersistedSession {
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(rumqttc::PersistedSession::encode(self)?)
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(rumqttc::PersistedSession::decode(bytes)?)
    }
    fn inflight(&self) -> u16 {
        self.max_inflight
    }
}

impl Checkpoint for rumqttc5::PersistedSession {
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(rumqttc5::PersistedSession::encode(self)?)
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(rumqttc5::PersistedSession::decode(bytes)?)
    }
    fn inflight(&self) -> u16 {
        self.outgoing_inflight_upper_limit.unwrap_or(u16::MAX)
    }
}

impl<S: Checkpoint> FileStore<S> {
    fn load(&self) -> Result<Option<S>, StoreError> {
        let mut cache = self.cache.lock().expect("session cache");
        if cache.session.is_none() && !cache.dirty {
            cache.session = match std::fs::read(&self.path) {
                Ok(bytes) => {
                    let s = S::decode(&bytes).map_err(|e| {
                        format!(
                            "{} is not a session checkpoint ({e}); delete it to start afresh",
                            self.path.display()
                        )
                    })?;
                    if s.inflight() != self.inflight {
                        return Err(format!(
                            "the session in {} was saved with -M {}; run with -M {} or delete the file",
                            self.path.display(),
                            s.inflight(),
                            s.inflight()
                        )
                        .into());
                    }
                    match std::fs::read_to_string(self.ids_path()) {
                        Ok(text) => match PacketIds::decode(&text) {
                            Some(ids) => self.ids.restore(&ids),
                            None => {
                                return Err(format!(
                                    "{} is not a packet id table; delete it and {} to start afresh",
                                    self.ids_path().display(),
                                    self.path.display()
                                )
                                .into());
                            }
                        },
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(format!("cannot read {}: {e}", self.ids_path().display()).into()),
                    }
                    Some(s)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.empty.clone(),
                Err(e) => return Err(format!("cannot read {}: {e}", self.path.display()).into()),
            };
        }
        Ok(cache.session.clone())
    }

    fn save(&self, session: &S) {
        let mut cache = self.cache.lock().expect("session cache");
        cache.session = Some(session.clone());
        cache.dirty = true;
    }

    fn clear(&self) {
        let mut cache = self.cache.lock().expect("session cache");
        cache.session = None;
        cache.dirty = true;
    }

    fn ids_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".ids");
        PathBuf::from(p)
    }

    /// Write the latest checkpoint (or remove the file after a clear).
    pub fn flush(&self) -> std::io::Result<()> {
        let mut cache = self.cache.lock().expect("session cache");
        if !cache.dirty {
            return Ok(());
        }
        match &cache.session {
            None => {
                for path in [self.path.clone(), self.ids_path()] {
                    match std::fs::remove_file(path) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                }
            }
            Some(s) => {
                let bytes = s.encode().map_err(std::io::Error::other)?;
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = self.path.with_extension("tmp");
                std::fs::write(&tmp, self.ids.encode())?;
                std::fs::rename(&tmp, self.ids_path())?;
                std::fs::write(&tmp, bytes)?;
                std::fs::rename(&tmp, &self.path)?;
            }
        }
        cache.dirty = false;
        Ok(())
    }
}

macro_rules! session_store {
    ($krate:ident) => {
        impl $krate::SessionStore for FileStore<$krate::PersistedSession> {
            fn load<'a>(&'a self, _key: &'a $krate::SessionStoreKey) -> Fut<'a, Option<$krate::PersistedSession>> {
                let r = FileStore::load(self);
                Box::pin(async move { r })
            }
            fn save<'a>(
                &'a self,
                _key: &'a $krate::SessionStoreKey,
                session: &'a $krate::PersistedSession,
            ) -> Fut<'a, ()> {
                FileStore::save(self, session);
                Box::pin(async { Ok(()) })
            }
            fn clear<'a>(&'a self, _key: &'a $krate::SessionStoreKey) -> Fut<'a, ()> {
                FileStore::clear(self);
                Box::pin(async { Ok(()) })
            }
        }
    };
}
session_store!(rumqttc);
session_store!(rumqttc5);

/// Where the checkpoint of this connection lives, if anywhere.
fn path(s: &ConnSettings) -> Option<PathBuf> {
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

/// The store for a persistent MQTT 3.1.1 session.
pub fn v4(s: &ConnSettings, ids: &PacketIds) -> Option<Arc<FileStore<rumqttc::PersistedSession>>> {
    let path = path(s).filter(|_| !s.clean)?;
    Some(Arc::new(FileStore {
        path,
        inflight: s.max_inflight,
        empty: None,
        cache: Mutex::new(Cache {
            session: None,
            dirty: false,
        }),
        ids: ids.clone(),
    }))
}

/// The store for a persistent MQTT 5 session.
pub fn v5(s: &ConnSettings, ids: &PacketIds) -> Option<Arc<FileStore<rumqttc5::PersistedSession>>> {
    let path = path(s).filter(|_| !s.clean)?;
    let empty = rumqttc5::PersistedSession {
        format_version: 1,
        client_id: s.client_id.clone().unwrap_or_default(),
        clean_start: false,
        session_expiry_interval: s.session_expiry,
        outgoing_inflight_upper_limit: Some(s.max_inflight),
        ack_mode: if s.manual_acks {
            rumqttc5::PersistedAckMode::Manual
        } else {
            rumqttc5::PersistedAckMode::Automatic
        },
        last_pkid: 0,
        last_puback: 0,
        replay: Vec::new(),
        incoming_qos2: Vec::new(),
    };
    Some(Arc::new(FileStore {
        path,
        inflight: s.max_inflight,
        empty: Some(empty),
        cache: Mutex::new(Cache {
            session: None,
            dirty: false,
        }),
        ids: ids.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaped_names_are_file_safe() {
        assert_eq!(escape("a/b c:1"), "a%2Fb%20c%3A1");
        assert_eq!(escape("ok-id_1.x"), "ok-id_1.x");
    }
}
