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
    fn start(script: impl FnOnce(TcpStream) -> Vec<u8> + Send + 'static) -> FakeBroker {
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
