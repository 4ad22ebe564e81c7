//! Webhook deliveries (issue 27, item 5): a record change under a continuous consent, pushed to
//! the organisation's receiver, retried with back-off until it answers 2xx, given up (a dead
//! letter) after two days. The change feed holds every change besides, so nothing is lost
//! even then.

use crate::{ConsentId, Cui, DeliveryId, DeliveryState};
use chrono::{DateTime, Duration, Utc};

/// How long failed attempts go on before the delivery becomes a dead letter: a receiver
/// down for a day is absorbed.
pub const GIVE_UP_AFTER: Duration = Duration::hours(48);
/// The longest wait between two attempts.
pub const LONGEST_WAIT: Duration = Duration::hours(1);
/// What a failure says at most (the receiver's answer is not ours to keep whole).
const MOST_ERROR_CHARS: usize = 200;

/// One change to push to one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub organisation: Cui,
    pub consent: ConsentId,
    pub changed_at: DateTime<Utc>,
    /// The change's cursor in the organisation's feed (where a poll would resume).
    pub cursor: String,
    pub state: DeliveryState,
    /// Attempts started so far (each counted before it is made).
    pub attempts: u32,
    /// When the next attempt is due (for a delivered or dead one: when it ended).
    pub next_at: DateTime<Utc>,
    pub first_at: DateTime<Utc>,
    /// Why the last attempt failed (a status code or a transport error), if it did.
    pub last_error: Option<String>,
}

/// The wait after attempt `n` (1, 2, 4, … minutes, at most an hour).
pub fn backoff(attempt: u32) -> Duration {
    let minutes = 1i64 << attempt.saturating_sub(1).min(10);
    Duration::minutes(minutes).min(LONGEST_WAIT)
}

impl Delivery {
    /// A new delivery, due at once.
    pub fn new(
        organisation: Cui,
        consent: ConsentId,
        changed_at: DateTime<Utc>,
        cursor: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: DeliveryId::random(),
            organisation,
            consent,
            changed_at,
            cursor,
            state: DeliveryState::Due,
            attempts: 0,
            next_at: now,
            first_at: now,
            last_error: None,
        }
    }

    /// The delivery with one more attempt counted and the next one put off, written before the
    /// attempt is made: a worker that dies mid-way leaves it due again later, and two workers
    /// cannot both claim the same attempt.
    pub fn claimed(&self, now: DateTime<Utc>) -> Self {
        let attempts = self.attempts + 1;
        Self {
            attempts,
            next_at: now + backoff(attempts),
            ..self.clone()
        }
    }

    pub fn delivered(&self, now: DateTime<Utc>) -> Self {
        Self {
            state: DeliveryState::Delivered,
            next_at: now,
            last_error: None,
            ..self.clone()
        }
    }

    /// The claimed delivery after a failed attempt: due again at its next time, or dead once
    /// it has been failing for [`GIVE_UP_AFTER`].
    pub fn failed(&self, why: &str, now: DateTime<Utc>) -> Self {
        let why: String = why.chars().take(MOST_ERROR_CHARS).collect();
        if now - self.first_at >= GIVE_UP_AFTER {
            return self.dead(&why, now);
        }
        Self {
            last_error: Some(why),
            ..self.clone()
        }
    }

    /// Given up: kept, for ops to read and redrive.
    pub fn dead(&self, why: &str, now: DateTime<Utc>) -> Self {
        Self {
            state: DeliveryState::Dead,
            next_at: now,
            last_error: Some(why.chars().take(MOST_ERROR_CHARS).collect()),
            ..self.clone()
        }
    }

    /// A dead letter due again, as if new (its id, and so its idempotency key, kept).
    pub fn redriven(&self, now: DateTime<Utc>) -> Self {
        Self {
            state: DeliveryState::Due,
            attempts: 0,
            next_at: now,
            first_at: now,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(now: DateTime<Utc>) -> Delivery {
        Delivery::new(
            Cui::parse("RO14399840").unwrap(),
            ConsentId::random(),
            now,
            "c".into(),
            now,
        )
    }

    #[test]
    fn waits_double_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(u32::MAX), LONGEST_WAIT);
    }

    #[test]
    fn a_receiver_down_a_day_is_still_reached_and_two_days_is_a_dead_letter() {
        let start = Utc::now();
        let mut d = delivery(start);
        let mut now = start;
        while now - start < Duration::hours(24) {
            d = d.claimed(now).failed("503", now);
            assert_eq!(d.state, DeliveryState::Due);
            now = d.next_at;
        }
        assert!(d.attempts < 35, "{} attempts in a day", d.attempts);
        let back = d.claimed(now).delivered(now);
        assert_eq!(back.state, DeliveryState::Delivered);
        while d.state == DeliveryState::Due {
            now = d.next_at;
            d = d.claimed(now).failed("connection refused", now);
        }
        assert_eq!(d.state, DeliveryState::Dead);
        assert!(now - start >= GIVE_UP_AFTER && now - start < GIVE_UP_AFTER + LONGEST_WAIT);
        let again = d.redriven(now);
        assert_eq!(
            (again.state, again.attempts, &again.id),
            (DeliveryState::Due, 0, &d.id)
        );
    }
}
