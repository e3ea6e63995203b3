//! How many QoS 1/2 messages a program may have open in the MQTT library:
//! no more than the library has packet ids (its in-flight limit).
//!
//! After a lost connection the library queues its resends behind the
//! messages it had not yet sent, and it never lets a QoS 1/2 message pass one
//! that is blocked. A new message waiting for a packet id, with every id held
//! by a resend queued behind it, is a deadlock: the program stops sending for
//! good (found by the chaos soak tests; docs/mqtt-library.md). With no more
//! messages open than ids, every message the library holds can go.
//!
//! A producer [`takes`](Window::take) a permit before it hands over a QoS 1/2
//! message and the connection's event loop [`gives it back`](Window::give_back)
//! when the flow ends (PUBACK, PUBCOMP, or a refusing PUBREC).

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use tokio::sync::Semaphore;

pub struct Window {
    permits: Semaphore,
    /// Permits taken and not yet given back.
    open: AtomicUsize,
}

impl Default for Window {
    /// A window with no room; [`Window::open_up`] sizes it once connected.
    fn default() -> Window {
        Window {
            permits: Semaphore::new(0),
            open: AtomicUsize::new(0),
        }
    }
}

impl Window {
    /// Add room for `n` more open messages (the session's in-flight limit).
    pub fn open_up(&self, n: u16) {
        self.permits.add_permits(usize::from(n.max(1)));
    }

    /// Wait for room for one more message. Cancel-safe.
    pub async fn take(&self) {
        // The semaphore is never closed.
        if let Ok(p) = self.permits.acquire().await {
            p.forget();
            self.open.fetch_add(1, Relaxed);
        }
    }

    /// A flow ended.
    pub fn give_back(&self) {
        if self.open.fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1)).is_ok() {
            self.permits.add_permits(1);
        }
    }

    /// The broker resumed no session: the library dropped every open flow.
    pub fn reset(&self) {
        self.permits.add_permits(self.open.swap(0, Relaxed));
    }
}
