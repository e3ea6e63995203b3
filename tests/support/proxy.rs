//! A small proxy for the `--proxy` tests: SOCKS5 (no authentication, or a
//! user name and password) and HTTP CONNECT, on a loopback port of its own.
//! It records every target it was asked for and relays bytes both ways.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// Which protocol the proxy speaks.
#[derive(Clone, Copy)]
pub enum Kind {
    Socks5,
    Http,
}

pub struct Proxy {
    pub port: u16,
    /// `host:port` of every tunnel opened, in order.
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Start a proxy; `auth` is the user name and password it requires.
    pub fn start(kind: Kind, auth: Option<(&str, &str)>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        let auth = auth.map(|(u, p)| (u.to_string(), p.to_string()));
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (seen, auth) = (seen.clone(), auth.clone());
                thread::spawn(move || {
                    let _ = serve(kind, client, auth, &seen);
                });
            }
        });
        Proxy { port, targets }
    }

    /// The URL for `--proxy`, with `userinfo` (`user:pass@`) if given.
    pub fn url(&self, kind: Kind, userinfo: &str) -> String {
        let scheme = match kind {
            Kind::Socks5 => "socks5h",
            Kind::Http => "http",
        };
        format!("{scheme}://{userinfo}127.0.0.1:{}", self.port)
    }

    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn serve(
    kind: Kind,
    mut client: TcpStream,
    auth: Option<(String, String)>,
    seen: &Mutex<Vec<String>>,
) -> io::Result<()> {
    let target = match kind {
        Kind::Socks5 => socks5(&mut client, auth)?,
        Kind::Http => http(&mut client, auth)?,
    };
    let Some(target) = target else { return Ok(()) };
    seen.lock().unwrap().push(target.clone());
    let upstream = TcpStream::connect(target.as_str())?;
    match kind {
        Kind::Socks5 => client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?,
        Kind::Http => client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?,
    }
    relay(client, upstream)
}

fn socks5(c: &mut TcpStream, auth: Option<(String, String)>) -> io::Result<Option<String>> {
    let mut head = [0u8; 2];
    c.read_exact(&mut head)?;
    let mut methods = vec![0u8; usize::from(head[1])];
    c.read_exact(&mut methods)?;
    match &auth {
        None => c.write_all(&[5, 0])?,
        Some((user, pass)) => {
            c.write_all(&[5, 2])?;
            let mut ver = [0u8; 2];
            c.read_exact(&mut ver)?;
            let mut u = vec![0u8; usize::from(ver[1])];
            c.read_exact(&mut u)?;
            let mut plen = [0u8; 1];
            c.read_exact(&mut plen)?;
            let mut p = vec![0u8; usize::from(plen[0])];
            c.read_exact(&mut p)?;
            if u != user.as_bytes() || p != pass.as_bytes() {
                c.write_all(&[1, 1])?;
                return Ok(None);
            }
            c.write_all(&[1, 0])?;
        }
    }
    let mut req = [0u8; 4];
    c.read_exact(&mut req)?;
    let host = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            c.read_exact(&mut a)?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            c.read_exact(&mut len)?;
            let mut name = vec![0u8; usize::from(len[0])];
            c.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            let mut a = [0u8; 16];
            c.read_exact(&mut a)?;
            format!("[{}]", std::net::Ipv6Addr::from(a))
        }
    };
    let mut port = [0u8; 2];
    c.read_exact(&mut port)?;
    Ok(Some(format!("{host}:{}", u16::from_be_bytes(port))))
}

fn http(c: &mut TcpStream, auth: Option<(String, String)>) -> io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        c.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split_whitespace().nth(1).unwrap_or_default().to_string();
    if let Some((user, pass)) = auth {
        use base64::Engine;
        let expected = format!(
            "Proxy-Authorization: Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        if !head.lines().any(|l| l == expected) {
            c.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")?;
            return Ok(None);
        }
    }
    Ok(Some(target))
}

fn relay(client: TcpStream, upstream: TcpStream) -> io::Result<()> {
    let (mut c_read, mut u_write) = (client.try_clone()?, upstream.try_clone()?);
    let forward = thread::spawn(move || {
        let _ = io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(Shutdown::Write);
    });
    let (mut u_read, mut c_write) = (upstream, client);
    let _ = io::copy(&mut u_read, &mut c_write);
    let _ = c_write.shutdown(Shutdown::Write);
    let _ = forward.join();
    Ok(())
}
