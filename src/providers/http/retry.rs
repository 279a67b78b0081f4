//! The retry decision as a pure function: given how an attempt ended and how many came before,
//! wait and try again, or stop. Pure so that every rule is a row in a table of tests, with no
//! clock and no server.

use std::time::Duration;

/// How one attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    /// An HTTP status, with `Retry-After` in seconds when the server sent one.
    Status(u16, Option<u64>),
    /// No answer in time, or the connection failed.
    Timeout,
    /// A 2xx whose body was cut off or is not JSON.
    BadBody,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Use this answer (success, or an error retrying cannot fix).
    Stop,
    /// Try again after this long.
    RetryAfter(Duration),
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// A `Retry-After` longer than this is an error rather than a wait.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The retry decision, pure: 5xx, 429 (honouring `Retry-After`), timeouts and cut-off bodies are
/// retried with exponential backoff and jitter (`jitter` in [0, 1) scales the delay between half
/// and all of it) up to a cap; anything else stops. `attempt` counts from 1.
pub fn decide(outcome: Attempt, attempt: u32, policy: &RetryPolicy, jitter: f64) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::Stop;
    }
    let backoff = || {
        let exp = policy
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let full = exp.min(policy.cap);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    };
    match outcome {
        Attempt::Status(429, Some(secs)) => {
            let wait = Duration::from_secs(secs);
            if wait > policy.max_retry_after {
                Decision::Stop
            } else {
                Decision::RetryAfter(wait.max(backoff()))
            }
        }
        Attempt::Status(429, None)
        | Attempt::Status(500 | 502 | 503 | 504, _)
        | Attempt::Timeout
        | Attempt::BadBody => Decision::RetryAfter(backoff()),
        Attempt::Status(_, _) => Decision::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_decision() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(60),
        };
        assert_eq!(
            decide(Attempt::Status(200, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(400, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(401, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(404, None), 1, &p, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(Attempt::Status(500, None), 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            decide(Attempt::Status(503, None), 1, &p, 1.0),
            Decision::RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(
            decide(Attempt::Status(502, None), 3, &p, 1.0),
            Decision::RetryAfter(Duration::from_millis(400))
        );
        assert_eq!(
            decide(Attempt::Timeout, 4, &p, 1.0),
            Decision::RetryAfter(Duration::from_millis(800))
        );
        assert_eq!(
            decide(Attempt::BadBody, 2, &p, 0.5),
            Decision::RetryAfter(Duration::from_millis(150))
        );
        // Capped, then stopped at the last attempt.
        let p2 = RetryPolicy {
            max_attempts: 30,
            ..p.clone()
        };
        assert_eq!(
            decide(Attempt::Timeout, 20, &p2, 1.0),
            Decision::RetryAfter(Duration::from_millis(1000))
        );
        assert_eq!(
            decide(Attempt::Status(500, None), 5, &p, 0.0),
            Decision::Stop
        );
        // 429 honours Retry-After, refuses absurd ones.
        assert_eq!(
            decide(Attempt::Status(429, Some(2)), 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            decide(Attempt::Status(429, None), 1, &p, 0.0),
            Decision::RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            decide(Attempt::Status(429, Some(3600)), 1, &p, 0.0),
            Decision::Stop
        );
    }
}
