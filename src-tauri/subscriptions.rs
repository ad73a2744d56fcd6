//! The live event streams the window holds open (`task_events`), by id, so that unsubscribing
//! in the UI stops its forwarder here instead of leaving it sending into a channel nobody reads.
//! Every stream also ends when Miteos shuts down (the core ends them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

#[derive(Clone, Default)]
pub struct Subscriptions {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    next: AtomicU64,
    open: Mutex<HashMap<u64, CancellationToken>>,
}

impl Subscriptions {
    /// A new subscription: its id (for the UI) and the token that stops its forwarder.
    pub fn open(&self) -> (u64, CancellationToken) {
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed) + 1;
        let stop = CancellationToken::new();
        self.lock().insert(id, stop.clone());
        (id, stop)
    }

    /// Stops and forgets subscription `id` (nothing happens for an unknown id).
    pub fn close(&self, id: u64) {
        if let Some(stop) = self.lock().remove(&id) {
            stop.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, CancellationToken>> {
        // The map stays consistent whatever panicked while holding it.
        self.inner.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_a_subscription_cancels_its_token_once() {
        let subs = Subscriptions::default();
        let (a, stop_a) = subs.open();
        let (b, stop_b) = subs.open();
        assert_ne!(a, b, "every subscription needs its own id");
        subs.close(a);
        assert!(stop_a.is_cancelled(), "closing must stop the forwarder");
        assert!(!stop_b.is_cancelled(), "other subscriptions keep running");
        subs.close(a);
        assert_eq!(subs.lock().len(), 1, "only b is left open");
    }
}
