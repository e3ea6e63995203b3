//! A scripted fake broker for what a real one will not do on demand: resend
//! a QoS 2 PUBLISH before PUBREL, or refuse MQTT 5 like a 3.1.1-only broker.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct FakeBroker {
    pub port: u16,
    script: Option<JoinHandle<Vec<u8>>>,
}

/// Read one MQTT packet: (first byte, body).
pub fn read_packet(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut b = [0u8; 1];
    s.read_exact(&mut b).ok()?;
    let (mut len, mut shift) = (0usize, 0);
    loop {
        let mut l = [0u8; 1];
        s.read_exact(&mut l).ok()?;
        len |= usize::from(l[0] & 0x7f) << shift;
        shift += 7;
        if l[0] & 0x80 == 0 {
            break;
        }
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some((b[0], body))
}

fn publish_qos2(pkid: u16, dup: bool, topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    body.extend_from_slice(topic.as_bytes());
    body.extend_from_slice(&pkid.to_be_bytes());
    body.extend_from_slice(payload);
    let mut p = vec![0x34 | if dup { 0x08 } else { 0 }, body.len() as u8];
    p.extend(body);
    p
}

impl FakeBroker {
    /// Accept one client and run `script` on it; [`FakeBroker::finish`] returns what it returns.
    pub fn start(script: impl FnOnce(TcpStream) -> Vec<u8> + Send + 'static) -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            script(stream)
        });
        FakeBroker {
            port,
            script: Some(handle),
        }
    }

    /// MQTT 3.1.1: two QoS 2 messages, the first sent again (DUP) after the
    /// client's PUBREC and before PUBREL. Returns the packet types the client sent.
    pub fn qos2_redelivery() -> FakeBroker {
        FakeBroker::start(|mut s| {
            let mut seen = Vec::new();
            let mut expect = |s: &mut TcpStream| {
                let (t, body) = read_packet(s).expect("a packet from the client");
                seen.push(t >> 4);
                body
            };
            expect(&mut s); // CONNECT
            s.write_all(&[0x20, 2, 0, 0]).unwrap();
            let sub = expect(&mut s); // SUBSCRIBE
            s.write_all(&[0x90, 3, sub[0], sub[1], 2]).unwrap();
            s.write_all(&publish_qos2(1, false, "dup/t", b"m1")).unwrap();
            expect(&mut s); // PUBREC 1
            s.write_all(&publish_qos2(1, true, "dup/t", b"m1")).unwrap();
            expect(&mut s); // PUBREC 1 again
            s.write_all(&[0x62, 2, 0, 1]).unwrap();
            expect(&mut s); // PUBCOMP 1
            s.write_all(&publish_qos2(2, false, "dup/t", b"m2")).unwrap();
            expect(&mut s); // PUBREC 2
            s.write_all(&[0x62, 2, 0, 2]).unwrap();
            expect(&mut s); // PUBCOMP 2
            if let Some((t, _)) = read_packet(&mut s) {
                seen.push(t >> 4); // DISCONNECT
            }
            seen
        })
    }

    /// A 3.1.1-only broker: answers any CONNECT with "unacceptable protocol version".
    pub fn v311_only() -> FakeBroker {
        FakeBroker::start(|mut s| {
            let _ = read_packet(&mut s);
            let _ = s.write_all(&[0x20, 2, 0, 1]);
            std::thread::sleep(Duration::from_millis(200));
            Vec::new()
        })
    }

    /// What the client sent (packet types), once the script is done.
    pub fn finish(mut self) -> Vec<u8> {
        self.script.take().unwrap().join().unwrap()
    }
}

/// Ways a broker can break the protocol (or the connection) on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Reads CONNECT and never answers.
    NoConnack,
    /// Answers CONNECT with a SUBACK.
    WrongPacketForConnack,
    /// A CONNACK with a return code no MQTT version defines.
    BadConnackCode,
    /// CONNACK, then a packet whose remaining length runs past four bytes.
    Malformed,
    /// CONNACK, then a PUBLISH claiming 256 MB that never comes.
    Oversize,
    /// CONNACK (and SUBACK, PUBACK as asked), then a QoS 0 PUBLISH of these
    /// topic bytes and payload — a topic nobody subscribed to, or one that
    /// is not UTF-8.
    Publish(&'static [u8], &'static [u8]),
    /// CONNACK, then half a PUBLISH and the socket closes.
    CloseMidPacket,
}

impl FakeBroker {
    /// A broker that misbehaves the same way on every connection (clients
    /// that reconnect meet it again), for up to 30 s.
    pub fn misbehaving(how: Misbehaviour) -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let end = std::time::Instant::now() + Duration::from_secs(30);
            while std::time::Instant::now() < end {
                match listener.accept() {
                    Ok((s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        std::thread::spawn(move || misbehave(s, how));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeBroker { port, script: None }
    }
}

fn misbehave(mut s: TcpStream, how: Misbehaviour) {
    use Misbehaviour::*;
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let Some((_, connect)) = read_packet(&mut s) else {
        return;
    };
    // MQTT 5 packets carry properties: none, except the Assigned Client
    // Identifier a client without an id must get.
    let v5 = connect.get(6) == Some(&5);
    let props_len = usize::from(connect.get(10).copied().unwrap_or(0));
    let id_len = connect
        .get(11 + props_len..13 + props_len)
        .map_or(1, |b| u16::from_be_bytes([b[0], b[1]]));
    let connack: &[u8] = match (v5, id_len) {
        (false, _) => &[0x20, 2, 0, 0],
        (true, 0) => &[0x20, 10, 0, 0, 7, 0x12, 0, 4, b'f', b'a', b'k', b'e'],
        (true, _) => &[0x20, 3, 0, 0, 0],
    };
    let _ = match how {
        NoConnack => {
            std::thread::sleep(Duration::from_secs(20));
            return;
        }
        WrongPacketForConnack => s.write_all(&[0x90, 3, 0, 1, 0]),
        BadConnackCode => s.write_all(&[0x20, 2, 0, 0x2a]),
        Malformed => s.write_all(&[connack, &[0x30, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0]].concat()),
        Oversize => {
            let _ = s.write_all(&[connack, &[0x30, 0xff, 0xff, 0xff, 0x7f, 0, 3, b'a', b'/', b'b']].concat());
            std::thread::sleep(Duration::from_secs(3));
            return;
        }
        CloseMidPacket => {
            let _ = s.write_all(&[connack, &[0x30, 20, 0, 3, b'a', b'/', b'b', b'x']].concat());
            std::thread::sleep(Duration::from_millis(100));
            return;
        }
        Publish(..) => s.write_all(connack),
    };
    // Answer what the client asks (so only the misbehaviour is wrong), then
    // send the PUBLISH; hold the connection for a while.
    let mut sent = false;
    while let Some((t, body)) = read_packet(&mut s) {
        let reply: Vec<u8> = match t >> 4 {
            8 if v5 => vec![0x90, 4, body[0], body[1], 0, 1], // SUBSCRIBE → SUBACK
            8 => vec![0x90, 3, body[0], body[1], 0],
            3 if t & 0x06 == 2 => vec![
                0x40,
                2,
                body[2 + usize::from(u16::from_be_bytes([body[0], body[1]]))],
                body[3 + usize::from(u16::from_be_bytes([body[0], body[1]]))],
            ], // PUBLISH QoS 1 → PUBACK
            12 => vec![0xd0, 0], // PINGREQ → PINGRESP
            14 => return,        // DISCONNECT
            _ => Vec::new(),
        };
        let _ = s.write_all(&reply);
        if let (Publish(topic, payload), false) = (how, sent) {
            sent = true;
            let mut body = (topic.len() as u16).to_be_bytes().to_vec();
            body.extend_from_slice(topic);
            if v5 {
                body.push(0);
            }
            body.extend_from_slice(payload);
            assert!(body.len() < 128, "one-byte remaining length");
            let _ = s.write_all(&[&[0x30, body.len() as u8][..], &body].concat());
        }
    }
}

/// A broker that lies, made of a real one: a proxy in front of `upstream`
/// (127.0.0.1) that tells MQTT 5 clients in its CONNACK that retained
/// messages are unavailable (while the broker behind keeps them), and hands
/// every QoS 2 message it delivers over twice, the copy under a packet id of
/// its own (acknowledged by the proxy itself, so the broker never sees it).
/// Runs until the test process ends.
pub struct Liar {
    pub port: u16,
}

impl Liar {
    pub fn start(upstream: u16) -> Liar {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(broker) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                std::thread::spawn(move || lie(client, broker));
            }
        });
        Liar { port }
    }
}

/// A packet's bytes: first byte, remaining length, body.
fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let mut len = body.len();
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

fn lie(client: TcpStream, mut broker: TcpStream) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let v5 = Arc::new(AtomicBool::new(false));
    // Packet ids of the copies the proxy made (the client acknowledges them
    // to the proxy).
    let copies = Arc::new(Mutex::new(std::collections::HashSet::<u16>::new()));
    let to_client = Arc::new(Mutex::new(client.try_clone().unwrap()));
    let (mut from_client, mut from_broker) = (client.try_clone().unwrap(), broker.try_clone().unwrap());
    let up = {
        let (v5, copies, to_client) = (v5.clone(), copies.clone(), to_client.clone());
        std::thread::spawn(move || {
            while let Some((first, body)) = read_packet(&mut from_client) {
                let id = || u16::from_be_bytes([body[0], body[1]]);
                match first >> 4 {
                    1 => v5.store(body.get(6) == Some(&5), Ordering::SeqCst),
                    // PUBREC of a copy: the proxy releases it.
                    5 if copies.lock().unwrap().contains(&id()) => {
                        let rel = if v5.load(Ordering::SeqCst) {
                            vec![body[0], body[1], 0, 0]
                        } else {
                            vec![body[0], body[1]]
                        };
                        let _ = to_client.lock().unwrap().write_all(&packet(0x62, &rel));
                        continue;
                    }
                    // PUBCOMP of a copy: done.
                    7 if copies.lock().unwrap().remove(&id()) => continue,
                    _ => {}
                }
                if broker.write_all(&packet(first, &body)).is_err() {
                    break;
                }
            }
            let _ = broker.shutdown(std::net::Shutdown::Both);
        })
    };
    let mut next_copy = 60000u16;
    while let Some((first, mut body)) = read_packet(&mut from_broker) {
        let mut out = Vec::new();
        match first >> 4 {
            // CONNACK (MQTT 5): add Retain Available = 0 to its properties.
            2 if v5.load(Ordering::SeqCst) && body.len() >= 3 && body[2] < 0x7e => {
                body[2] += 2;
                body.extend_from_slice(&[0x25, 0]);
                out.extend(packet(first, &body));
            }
            // A QoS 2 PUBLISH: pass it on, then a copy under an id of ours.
            3 if (first >> 1) & 3 == 2 => {
                out.extend(packet(first, &body));
                let topic_len = usize::from(u16::from_be_bytes([body[0], body[1]]));
                let at = 2 + topic_len;
                next_copy = next_copy.checked_add(1).unwrap_or(60000);
                body[at..at + 2].copy_from_slice(&next_copy.to_be_bytes());
                copies.lock().unwrap().insert(next_copy);
                out.extend(packet(first & !0x08, &body));
            }
            _ => out.extend(packet(first, &body)),
        }
        if to_client.lock().unwrap().write_all(&out).is_err() {
            break;
        }
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
}
