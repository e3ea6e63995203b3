//! Our TCP dialer, given to rumqttc as its socket connector: resolve like
//! mosquitto (getaddrinfo on the calling thread, no blocking-pool thread and
//! no staggered timers — a one-shot publish is mostly connect time), try each
//! address in order, and honour `--nodelay` and `-A`. It also keeps IPv6
//! literals intact, which rumqttc's `host:port` string would not.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use tokio::net::{TcpSocket, TcpStream};

/// Connect to `host:port`.
pub async fn tcp(host: String, port: u16, nodelay: bool, bind: Option<IpAddr>) -> io::Result<TcpStream> {
    tcp_to(&resolve(&host, port)?, &host, nodelay, bind).await
}

/// The addresses of `host:port`, in getaddrinfo's order (an IP literal as
/// it is). A name that does not resolve is a [`LookupFailed`] inside the
/// error.
pub fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    Ok(match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (host, port)
            .to_socket_addrs()
            .map_err(|e| io::Error::other(LookupFailed(e)))?
            .collect(),
    })
}

/// The broker's name did not resolve (getaddrinfo's error inside).
#[derive(Debug)]
pub struct LookupFailed(io::Error);

impl std::fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LookupFailed {}

/// Connect to the first of `addrs` (those of `host`) that answers.
pub async fn tcp_to(addrs: &[SocketAddr], host: &str, nodelay: bool, bind: Option<IpAddr>) -> io::Result<TcpStream> {
    let mut last = None;
    for &addr in addrs {
        if let Some(b) = bind
            && b.is_ipv4() != addr.is_ipv4()
        {
            continue;
        }
        match connect_one(addr, nodelay, bind).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, format!("no usable address for {host}"))))
}

async fn connect_one(addr: SocketAddr, nodelay: bool, bind: Option<IpAddr>) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // Off is a new socket's default: no call for it (a generator opening
    // thousands of connections pays for each).
    if nodelay {
        socket.set_nodelay(true)?;
    }
    if let Some(ip) = bind {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    socket.connect(addr).await
}
