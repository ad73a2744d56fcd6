//! How many model calls each provider has in flight, over all tasks: a burst of tasks (or a
//! fan-out's items) queues here instead of tripping the provider's rate limits or overrunning a
//! local server.

use std::collections::HashMap;
use std::sync::Arc;

use crate::providers::Provider;

/// A semaphore per provider, so concurrent tasks share each provider's capacity.
pub struct ProviderSlots {
    per_provider: std::sync::atomic::AtomicUsize,
    /// Each server's semaphore, with the capacity it was made with.
    semaphores: std::sync::Mutex<HashMap<String, (usize, Arc<tokio::sync::Semaphore>)>>,
}

impl ProviderSlots {
    pub fn new(per_provider: usize) -> Self {
        ProviderSlots {
            per_provider: std::sync::atomic::AtomicUsize::new(per_provider.max(1)),
            semaphores: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Calls a provider may have in flight (when its server does not say).
    pub fn per_provider(&self) -> usize {
        self.per_provider.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// From now on: calls in flight hold their slots; new calls wait on the new capacity.
    pub fn set_per_provider(&self, n: usize) {
        self.per_provider
            .store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Each server's calls in flight and its capacity, by its key (`openai`, a local server's
    /// address), sorted.
    pub fn in_flight(&self) -> Vec<(String, usize, usize)> {
        let semaphores = self.semaphores.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<(String, usize, usize)> = semaphores
            .iter()
            .map(|(key, (capacity, s))| {
                (
                    key.clone(),
                    capacity.saturating_sub(s.available_permits()),
                    *capacity,
                )
            })
            .collect();
        out.sort();
        out
    }

    /// How many calls the server behind `provider` takes at once.
    pub(crate) async fn capacity(&self, provider: &dyn Provider) -> usize {
        provider
            .server_info()
            .await
            .and_then(|i| i.slots)
            .map_or(self.per_provider(), |slots| slots.max(1))
    }

    /// Waits for a free slot of the server behind `provider`: as many as a local server says it
    /// works on at once (llama.cpp's slots, Ollama's parallel requests), else the per-provider
    /// limit. A call waits here, in Miteos, where waiting is not a timeout.
    pub(crate) async fn enter(&self, provider: &dyn Provider) -> tokio::sync::OwnedSemaphorePermit {
        let key = provider.slot_key();
        let capacity = self.capacity(provider).await;
        let semaphore = {
            let mut semaphores = self.semaphores.lock().unwrap_or_else(|p| p.into_inner());
            let slot = semaphores
                .entry(key)
                .or_insert_with(|| (capacity, Arc::new(tokio::sync::Semaphore::new(capacity))));
            // The capacity changed (a setting): new calls wait on a semaphore of the new size.
            if slot.0 != capacity {
                *slot = (capacity, Arc::new(tokio::sync::Semaphore::new(capacity)));
            }
            slot.1.clone()
        };
        semaphore
            .acquire_owned()
            .await
            .expect("provider semaphores are never closed")
    }
}
