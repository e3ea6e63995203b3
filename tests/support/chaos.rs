//! A TCP proxy between a client and a broker whose faults come from a seed.
//!
//! Each connection it accepts gets the next fault plan from the seeded
//! random sequence: after a random time (or, for some, after only 20–400
//! bytes, so that the fault lands in the CONNECT or in the resend that
//! follows a reconnect) it either
//!
//! - **cuts** the connection at a random byte of the chunk being forwarded,
//!   so usually inside a packet (the part before is forwarded, the rest
//!   never is), and sometimes refuses new connections for a while after; or
//! - **stalls**: forwards nothing more in either direction and keeps the
//!   client's socket open, a half-open connection only keep-alive can notice.
//!
//! Bytes are forwarded in random chunks with random small delays
//! (re-chunked: packet boundaries and read boundaries never line up).
//!
//! The seed comes from `CHAOS_SEED` or is drawn at random, and is printed,
//! so that a failing run can be repeated: the n-th connection always gets
//! the same plan (thread timing aside).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The seed for this test: `CHAOS_SEED` if set, else a fresh one. Printed
/// either way (cargo test shows it for a failing test).
pub fn seed(test: &str) -> u64 {
    let seed = match std::env::var("CHAOS_SEED") {
        Ok(s) => s.trim().parse().expect("CHAOS_SEED must be a number"),
        Err(_) => fastrand::u64(..),
    };
    eprintln!("chaos seed for {test}: {seed} (rerun with CHAOS_SEED={seed})");
    seed
}

/// What faults to draw, and how often.
#[derive(Clone, Debug)]
pub struct Faults {
    /// How long a connection lives, drawn uniformly from this range.
    pub life: (Duration, Duration),
    /// The share of connections (0–100) that end in a stall instead of a cut.
    pub stall_percent: u8,
    /// The share of connections (0–100) given only 20–400 bytes.
    pub early_percent: u8,
    /// The share of cuts (0–100) after which new connections are refused for
    /// up to this long.
    pub refuse_percent: u8,
    pub refuse_for: Duration,
    /// The longest pause between two forwarded chunks.
    pub max_delay: Duration,
    /// Faults stop after this many connections (the rest pass untouched).
    pub faulty_connections: usize,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            life: (Duration::from_millis(300), Duration::from_millis(900)),
            stall_percent: 0,
            early_percent: 15,
            refuse_percent: 20,
            refuse_for: Duration::from_millis(300),
            max_delay: Duration::from_micros(300),
            faulty_connections: usize::MAX,
        }
    }
}

impl Faults {
    /// The first connection stalls (half-open) after `after`; the others
    /// pass untouched.
    pub fn stall_once(after: Duration) -> Faults {
        Faults {
            life: (after, after),
            stall_percent: 100,
            early_percent: 0,
            faulty_connections: 1,
            ..Faults::default()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Cut { refuse: bool },
    Stall,
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    /// The fault comes after this long, or after `bytes` bytes (both
    /// directions together), whichever is first.
    life: Duration,
    bytes: usize,
    fault: Fault,
    chunk_seed: u64,
}

/// What the proxy has done so far.
#[derive(Debug, Default)]
pub struct Counts {
    pub connections: AtomicUsize,
    pub cuts: AtomicUsize,
    pub stalls: AtomicUsize,
    pub refused: AtomicUsize,
    /// When each stall began, and when each connection was accepted.
    pub stalled_at: Mutex<Vec<Instant>>,
    pub accepted_at: Mutex<Vec<Instant>>,
}

pub struct Chaos {
    pub port: u16,
    pub seed: u64,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    /// Sockets of live connections, shut down when the proxy is dropped.
    open: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl Chaos {
    /// Listen on a free 127.0.0.1 port and forward to 127.0.0.1:`upstream`.
    pub fn start(upstream: u16, seed: u64, faults: Faults) -> Chaos {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (counts, stop, open) = (counts.clone(), stop.clone(), open.clone());
            std::thread::spawn(move || {
                let mut rng = fastrand::Rng::with_seed(seed);
                let mut refuse_until = Instant::now();
                let refused_at = Arc::new(Mutex::new(None::<Instant>));
                loop {
                    let Ok((client, _)) = listener.accept() else {
                        break;
                    };
                    // Drop wakes the accept with a connection of its own.
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Some(at) = refused_at.lock().unwrap().take() {
                        refuse_until = refuse_until.max(at);
                    }
                    if Instant::now() < refuse_until {
                        counts.refused.fetch_add(1, Ordering::Relaxed);
                        drop(client);
                        continue;
                    }
                    let n = counts.connections.fetch_add(1, Ordering::Relaxed);
                    counts.accepted_at.lock().unwrap().push(Instant::now());
                    let plan = if n < faults.faulty_connections {
                        Some(draw(&mut rng, &faults))
                    } else {
                        None
                    };
                    let Ok(broker) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        continue;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = broker.set_nodelay(true);
                    open.lock()
                        .unwrap()
                        .extend([client.try_clone().unwrap(), broker.try_clone().unwrap()]);
                    let refuse = refused_at.clone();
                    let refuse_for = faults.refuse_for;
                    let max_delay = faults.max_delay;
                    let counts = counts.clone();
                    std::thread::spawn(move || {
                        serve(client, broker, plan, max_delay, &counts);
                        if let Some(Plan {
                            fault: Fault::Cut { refuse: true },
                            chunk_seed,
                            ..
                        }) = plan
                        {
                            let pause = refuse_for.mul_f64(0.25 + (chunk_seed % 1000) as f64 / 1333.0);
                            *refuse.lock().unwrap() = Some(Instant::now() + pause);
                        }
                    });
                }
            })
        };
        Chaos {
            port,
            seed,
            counts,
            stop,
            open,
            accept: Some(accept),
        }
    }

    pub fn cuts(&self) -> usize {
        self.counts.cuts.load(Ordering::Relaxed)
    }

    pub fn stalls(&self) -> usize {
        self.counts.stalls.load(Ordering::Relaxed)
    }

    pub fn connections(&self) -> usize {
        self.counts.connections.load(Ordering::Relaxed)
    }

    pub fn refused(&self) -> usize {
        self.counts.refused.load(Ordering::Relaxed)
    }

    /// How long after its first stall the client connected again.
    pub fn first_stall_noticed_after(&self) -> Option<Duration> {
        let stalled = *self.counts.stalled_at.lock().unwrap().first()?;
        let again = self
            .counts
            .accepted_at
            .lock()
            .unwrap()
            .iter()
            .copied()
            .find(|t| *t > stalled)?;
        Some(again - stalled)
    }

    /// One line for a test's output.
    pub fn summary(&self) -> String {
        format!(
            "seed {}: {} connections, {} cuts, {} stalls, {} refused",
            self.seed,
            self.connections(),
            self.cuts(),
            self.stalls(),
            self.refused()
        )
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn draw(rng: &mut fastrand::Rng, f: &Faults) -> Plan {
    let (life, bytes) = if rng.u8(0..100) < f.early_percent {
        (f.life.1, rng.usize(20..=400))
    } else {
        let (lo, hi) = (f.life.0.as_micros() as u64, f.life.1.as_micros() as u64);
        (Duration::from_micros(rng.u64(lo..=hi)), usize::MAX)
    };
    let fault = if rng.u8(0..100) < f.stall_percent {
        Fault::Stall
    } else {
        Fault::Cut {
            refuse: rng.u8(0..100) < f.refuse_percent,
        }
    };
    Plan {
        life,
        bytes,
        fault,
        chunk_seed: rng.u64(..),
    }
}

/// Forward both ways until `plan`'s fault (or either side closes).
fn serve(client: TcpStream, broker: TcpStream, plan: Option<Plan>, max_delay: Duration, counts: &Counts) {
    let budget = Arc::new(AtomicUsize::new(plan.map_or(usize::MAX, |p| p.bytes)));
    let until = plan.map(|p| Instant::now() + p.life);
    let faulted = Arc::new(AtomicBool::new(false));
    let seed = plan.map_or(0, |p| p.chunk_seed);
    let fault = plan.map(|p| p.fault);
    let up = {
        let (from, to) = (client.try_clone().unwrap(), broker.try_clone().unwrap());
        let (budget, faulted) = (budget.clone(), faulted.clone());
        std::thread::spawn(move || pump(from, to, &budget, until, &faulted, seed, max_delay))
    };
    let down = pump(
        broker.try_clone().unwrap(),
        client.try_clone().unwrap(),
        &budget,
        until,
        &faulted,
        seed ^ 0x9e37_79b9_7f4a_7c15,
        max_delay,
    );
    let up = up.join().unwrap_or(End::Closed);
    let hit = down == End::Fault || up == End::Fault;
    match (hit, fault) {
        (true, Some(Fault::Stall)) => {
            counts.stalls.fetch_add(1, Ordering::Relaxed);
            counts.stalled_at.lock().unwrap().push(Instant::now());
            // Half-open: swallow whatever the client sends and tell it
            // nothing, until it gives up and closes its side.
            let _ = broker.shutdown(Shutdown::Both);
            let mut sink = [0u8; 4096];
            let mut client = client;
            // (The pumps set a read timeout on this socket.)
            let _ = client.set_read_timeout(None);
            while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
            let _ = client.shutdown(Shutdown::Both);
        }
        (true, _) => {
            counts.cuts.fetch_add(1, Ordering::Relaxed);
            let _ = client.shutdown(Shutdown::Both);
            let _ = broker.shutdown(Shutdown::Both);
        }
        (false, _) => {
            let _ = client.shutdown(Shutdown::Both);
            let _ = broker.shutdown(Shutdown::Both);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Closed,
    Fault,
}

fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    budget: &AtomicUsize,
    until: Option<Instant>,
    faulted: &AtomicBool,
    seed: u64,
    max_delay: Duration,
) -> End {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut buf = [0u8; 16 * 1024];
    // A read that blocks wakes up now and then to see whether the other
    // direction has hit the fault.
    let _ = from.set_read_timeout(Some(Duration::from_millis(20)));
    loop {
        if faulted.load(Ordering::Relaxed) {
            return End::Fault;
        }
        // Time is up while idle: the fault is now.
        if until.is_some_and(|t| Instant::now() >= t) {
            faulted.store(true, Ordering::Relaxed);
            return End::Fault;
        }
        let want = rng.usize(1..=buf.len());
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => return End::Closed,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return End::Closed,
        };
        let mut data = &buf[..n];
        while !data.is_empty() {
            let chunk = rng.usize(1..=data.len());
            // Take this chunk's bytes from the connection's budget; the
            // fault falls inside it when the budget runs out.
            let left = budget
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| Some(b.saturating_sub(chunk)))
                .unwrap();
            let mut pass = chunk.min(left);
            if until.is_some_and(|t| Instant::now() >= t) {
                pass = rng.usize(0..chunk);
            }
            if pass > 0 && to.write_all(&data[..pass]).is_err() {
                return End::Closed;
            }
            if pass < chunk || faulted.load(Ordering::Relaxed) {
                faulted.store(true, Ordering::Relaxed);
                return End::Fault;
            }
            data = &data[chunk..];
            // The delay fault itself (a slow network), not a wait for an
            // event: one chunk in four is held back up to `max_delay`.
            if !max_delay.is_zero() && rng.u8(0..4) == 0 {
                std::thread::sleep(max_delay.mul_f64(rng.f64()));
            }
        }
    }
}
