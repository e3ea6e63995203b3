//! `--proxy`: reach the broker through a SOCKS5 proxy (`socks5h://`, the
//! proxy resolves the broker's name, as mosquitto's) or an HTTP proxy's
//! CONNECT method (`http://`). TLS and WebSockets run inside the tunnel.

use std::io;
use std::net::IpAddr;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::transport::Boxed;
use crate::settings::{Proxy, ProxyKind};

/// The largest HTTP CONNECT response head we read.
const MAX_HEAD: usize = 16 * 1024;

/// A stream to `host:port` through the proxy.
pub async fn open(p: &Proxy, host: &str, port: u16, nodelay: bool, bind: Option<IpAddr>) -> io::Result<Boxed> {
    let tcp = super::connect::tcp(p.host.clone(), p.port, nodelay, bind)
        .await
        .map_err(|e| io::Error::other(format!("cannot reach the proxy {}:{}: {e}", p.host, p.port)))?;
    match p.kind {
        ProxyKind::Socks5 => socks5(p, tcp, host, port).await,
        ProxyKind::Http => http_connect(p, tcp, host, port).await,
    }
}

async fn socks5(p: &Proxy, tcp: TcpStream, host: &str, port: u16) -> io::Result<Boxed> {
    let target = (host, port);
    let stream = match &p.username {
        Some(user) => {
            let pass = p.password.as_deref().unwrap_or("");
            tokio_socks::tcp::Socks5Stream::connect_with_password_and_socket(tcp, target, user, pass).await
        }
        None => tokio_socks::tcp::Socks5Stream::connect_with_socket(tcp, target).await,
    }
    .map_err(|e| {
        io::Error::other(format!(
            "the SOCKS5 proxy {}:{} did not connect us to {host}:{port}: {e}",
            p.host, p.port
        ))
    })?;
    Ok(Box::new(stream))
}

async fn http_connect(p: &Proxy, mut tcp: TcpStream, host: &str, port: u16) -> io::Result<Boxed> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(user) = &p.username {
        let credentials = format!("{user}:{}", p.password.as_deref().unwrap_or(""));
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        request.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).await?;

    // Read the response head byte by byte: what follows it is the broker's.
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the HTTP proxy's answer to CONNECT is too long",
            ));
        }
        let byte = tcp.read_u8().await.map_err(|e| {
            io::Error::other(format!(
                "the HTTP proxy {}:{} closed the connection: {e}",
                p.host, p.port
            ))
        })?;
        head.push(byte);
    }
    let status_line = String::from_utf8_lossy(head.split(|&b| b == b'\r').next().unwrap_or_default()).into_owned();
    let status = status_line.split_whitespace().nth(1).unwrap_or_default();
    if !status.starts_with('2') {
        return Err(io::Error::other(format!(
            "the HTTP proxy {}:{} refused CONNECT {authority}: {}",
            p.host,
            p.port,
            status_line.trim()
        )));
    }
    Ok(Box::new(tcp))
}
