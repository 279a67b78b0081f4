//! A per-provider cap on requests per second. Providers publish (or enforce without publishing)
//! a rate; staying under it is cheaper than being answered 429 and backing off.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Caps requests per second for one provider: each request takes the next free slot.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
