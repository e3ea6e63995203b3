//! The byte stream under every connection ([`super::conn`]):
//!
//! ```text
//! TCP (connect::tcp) or unix socket
//!   → proxy: SOCKS5 or HTTP CONNECT (--proxy)
//!   → TLS (rustls)
//!   → WebSocket (--ws, ws://, wss://)
//! ```
//!
//! Owning the stack is what lets a proxy sit under TLS and WebSockets.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio::io::{AsyncRead, AsyncWrite};

use super::proxy;
use crate::settings::{ConnSettings, Endpoint, Proxy};

/// A built TLS client configuration.
pub(crate) type Tls = Arc<rumqttc::tokio_rustls::rustls::ClientConfig>;

/// Any stream the stack produces.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// A boxed stream, as the layers hand it up.
pub type Boxed = Box<dyn Stream>;

/// Everything needed to open the stream again (for each reconnect).
#[derive(Clone)]
pub struct Dial {
    endpoint: Endpoint,
    nodelay: bool,
    bind: Option<IpAddr>,
    proxy: Option<Proxy>,
    tls: Option<Tls>,
    /// The WebSocket path, when MQTT goes over WebSockets.
    ws_path: Option<String>,
    /// The broker's addresses, when resolved once for many connections
    /// (else each connect resolves the host).
    addrs: Option<Arc<[SocketAddr]>>,
}

/// How long each phase of one connect took: the layers [`Dial::open_timed`]
/// builds, and CONNECT → CONNACK (set by the connection that sent CONNECT).
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// TCP connect (through the proxy, if any), or the unix socket's.
    pub tcp: Duration,
    pub tls: Option<Duration>,
    pub ws: Option<Duration>,
    pub connack: Duration,
}

impl Dial {
    /// `nodelay`: TCP_NODELAY even without `--nodelay`.
    pub fn new(s: &ConnSettings, tls: Option<Tls>, nodelay: bool) -> Dial {
        Dial {
            endpoint: s.endpoint.clone(),
            nodelay: s.nodelay || nodelay,
            bind: s.bind,
            proxy: s.proxy.clone(),
            tls,
            ws_path: s.websocket.clone(),
            addrs: None,
        }
    }

    /// Connect to these addresses of the host rather than resolving it
    /// each time (the TLS and WebSocket layers still use its name).
    pub fn with_addrs(mut self, addrs: Option<Arc<[SocketAddr]>>) -> Dial {
        self.addrs = addrs;
        self
    }

    /// Open the whole stack, ready for the CONNECT packet, timing each layer.
    pub async fn open_timed(&self) -> io::Result<(Boxed, Phases)> {
        let mut phases = Phases::default();
        let started = Instant::now();
        let (host, port) = match &self.endpoint {
            Endpoint::Unix(path) => {
                let unix: Boxed = Box::new(tokio::net::UnixStream::connect(path).await?);
                phases.tcp = started.elapsed();
                return Ok((unix, phases));
            }
            Endpoint::Tcp { host, port } => (host.as_str(), *port),
        };
        let mut stream: Boxed = match (&self.proxy, &self.addrs) {
            (None, Some(addrs)) => Box::new(super::connect::tcp_to(addrs, host, self.nodelay, self.bind).await?),
            (None, None) => Box::new(super::connect::tcp(host.to_string(), port, self.nodelay, self.bind).await?),
            (Some(p), _) => proxy::open(p, host, port, self.nodelay, self.bind).await?,
        };
        phases.tcp = started.elapsed();
        if let Some(cfg) = &self.tls {
            let at = Instant::now();
            stream = tls(host, port, cfg, stream).await?;
            phases.tls = Some(at.elapsed());
        }
        if let Some(path) = &self.ws_path {
            let at = Instant::now();
            stream = websocket(host, port, self.tls.is_some(), path, stream).await?;
            phases.ws = Some(at.elapsed());
        }
        Ok((stream, phases))
    }

    /// `host:port` or the socket path, for messages.
    pub fn target(&self) -> String {
        target(&self.endpoint)
    }
}

/// `host:port` (`[v6]:port`) or the socket path of an endpoint, for messages.
pub fn target(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
        Endpoint::Tcp { host, port } => format!("{host}:{port}"),
        Endpoint::Unix(p) => p.display().to_string(),
    }
}

/// TLS over `stream`. A failed handshake is an [`io::Error`] holding the
/// library's error, so that [`super::ConnError::from_io`] knows it for a
/// TLS failure (exit 8) and can say which check failed.
async fn tls(host: &str, port: u16, cfg: &Tls, stream: Boxed) -> io::Result<Boxed> {
    let config = rumqttc_core::TlsConfiguration::Rustls(cfg.clone());
    let inner: rumqttc_core::DynAsyncReadWrite = Box::new(stream);
    let tls = rumqttc_core::tls_connect(host, port, &config, inner)
        .await
        .map_err(io::Error::other)?;
    Ok(Box::new(tls))
}

/// The WebSocket upgrade (subprotocol `mqtt`), then a byte stream over
/// binary messages. No limit on message size: MQTT allows 256 MiB packets.
async fn websocket(host: &str, port: u16, tls: bool, path: &str, stream: Boxed) -> io::Result<Boxed> {
    let scheme = if tls { "wss" } else { "ws" };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let url = format!("{scheme}://{host}:{port}{path}");
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("invalid WebSocket URL {url}: {e}")))?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", http_value("mqtt"));
    let config = WebSocketConfig::default().max_message_size(None).max_frame_size(None);
    let (ws, response) = async_tungstenite::tokio::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(|e| io::Error::other(format!("WebSocket upgrade at {url} failed: {e}")))?;
    rumqttc_core::validate_response_headers(&response)
        .map_err(|e| io::Error::other(format!("WebSocket upgrade at {url} failed: {e}")))?;
    Ok(Box::new(rumqttc_core::WsAdapter::new(ws)))
}

fn http_value(v: &'static str) -> async_tungstenite::tungstenite::http::HeaderValue {
    async_tungstenite::tungstenite::http::HeaderValue::from_static(v)
}
