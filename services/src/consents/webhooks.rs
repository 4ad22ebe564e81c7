//! Webhook deliveries (issue 27, item 5): a record change under a continuous consent is pushed
//! to the organisation's receiver, if it registered one, as a JWS sealed with the seal
//! (`cazier-change+jwt`: which consent, when, its feed cursor; never what), with an
//! `Idempotency-Key` that every attempt of the same delivery repeats. The scheduled
//! deliverer (`deliver_due`, every minute) claims each due delivery by counting its attempt
//! first, then posts; a failure waits 1, 2, 4 … minutes (at most an hour) and after two days
//! the delivery is a dead letter for ops (`cazier-admin webhooks dead|redrive`). The change
//! feed has every change besides: an organisation whose receiver was down loses nothing.

use crate::domain::organisation::OrganisationStatus;
use crate::domain::webhook::Delivery;
use crate::domain::{Cui, DeliveryId, DeliveryState};
use crate::ports::{Clock, Organisations, Signer, WebhookOutbox, WebhookSender, WebhookTarget};
use crate::trust::ChainSource;
use crate::Unavailable;
use cazier_formats::change::{self, ChangeClaims};
use futures_util::StreamExt;
use std::sync::Arc;

/// Due deliveries one run reads at most; organisations served at once; deliveries of one
/// organisation one run makes at most (one after the other: a receiver is not flooded).
const RUN_BATCH: usize = 1000;
const AT_ONCE: usize = 64;
const PER_ORGANISATION_PER_RUN: usize = 50;
/// No attempt starts later than this into a run: with the sender's 4-second limit, a run
/// ends within the function's 10 seconds however many receivers hang (the rest wait for the
/// next minute's run, unclaimed).
const START_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

pub struct WebhookDeliveries {
    pub outbox: Arc<dyn WebhookOutbox>,
    pub organisations: Arc<dyn Organisations>,
    pub sender: Arc<dyn WebhookSender>,
    pub signer: Arc<dyn Signer>,
    pub chain: Arc<ChainSource>,
    pub clock: Arc<dyn Clock>,
    /// The changes' issuer (the portal's address).
    pub issuer_url: String,
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    /// Failed, to be tried again.
    pub failed: usize,
    /// Given up (two days of failures, or no webhook any more).
    pub dead: usize,
    /// Claimed by another run meanwhile, or left for the next run (out of time, or its
    /// organisation's receiver failed in this run).
    pub skipped: usize,
}

impl std::ops::AddAssign for DeliveryReport {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.dead += other.dead;
        self.skipped += other.skipped;
    }
}

enum Outcome {
    Delivered,
    /// To be tried again at this time.
    Failed(chrono::DateTime<chrono::Utc>),
    /// Failing for two days: given up.
    Dead,
    /// Given up without a post (the organisation is suspended or has no webhook any more).
    Ended,
    Skipped,
}

/// A dead letter made: counted for the alarm ops are paged by.
fn gave_up() {
    crate::telemetry::count(crate::telemetry::metrics::WEBHOOK_DEAD_LETTERS, None);
}

impl WebhookDeliveries {
    /// Delivers what is due now (the scheduled job). Each organisation has a lane of its own,
    /// its deliveries oldest first, one after the other, stopped at its receiver's first
    /// failure: one organisation's dead or hanging receiver costs the others nothing.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, Unavailable> {
        let started = std::time::Instant::now();
        let due = self.outbox.due(self.clock.now(), RUN_BATCH).await?;
        let mut lanes: Vec<(Cui, Vec<Delivery>)> = Vec::new();
        for d in due {
            match lanes.iter_mut().find(|(cui, _)| *cui == d.organisation) {
                Some((_, lane)) => lane.push(d),
                None => lanes.push((d.organisation.clone(), vec![d])),
            }
        }
        let reports: Vec<Result<DeliveryReport, Unavailable>> = futures_util::stream::iter(lanes)
            .map(|(cui, lane)| self.lane(cui, lane, started))
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        let mut report = DeliveryReport::default();
        for lane in reports {
            report += lane?;
        }
        if report != DeliveryReport::default() {
            tracing::info!(
                delivered = report.delivered,
                failed = report.failed,
                dead = report.dead,
                skipped = report.skipped,
                "webhook deliveries"
            );
        }
        Ok(report)
    }

    /// One organisation's due deliveries, in order. At its receiver's first failure the
    /// rest are held until that delivery's next attempt (one write each, no post): they leave
    /// the front of the due list, where they would keep other organisations' changes out of
    /// the run's read.
    async fn lane(
        &self,
        cui: Cui,
        lane: Vec<Delivery>,
        started: std::time::Instant,
    ) -> Result<DeliveryReport, Unavailable> {
        let mut report = DeliveryReport::default();
        let mut target: Option<Option<WebhookTarget>> = None;
        let mut held_until: Option<chrono::DateTime<chrono::Utc>> = None;
        let mut held = Vec::new();
        for (i, d) in lane.into_iter().enumerate() {
            if held_until.is_some() {
                held.push(d);
                continue;
            }
            if i >= PER_ORGANISATION_PER_RUN || started.elapsed() > START_WITHIN {
                report.skipped += 1;
                continue;
            }
            if target.is_none() {
                target = Some(self.organisations.webhook(&cui).await?);
            }
            match self.attempt(d, target.clone().flatten()).await? {
                Outcome::Delivered => report.delivered += 1,
                Outcome::Failed(next_at) => {
                    report.failed += 1;
                    held_until = Some(next_at);
                }
                Outcome::Dead => {
                    report.dead += 1;
                    held_until = Some(self.clock.now());
                }
                Outcome::Ended => report.dead += 1,
                Outcome::Skipped => report.skipped += 1,
            }
        }
        if let Some(until) = held_until {
            let now = self.clock.now();
            let holds: Vec<Result<bool, Unavailable>> = futures_util::stream::iter(held)
                .map(|d| async move {
                    // Failing for two days already: given up with it, unposted.
                    if now - d.first_at >= crate::domain::webhook::GIVE_UP_AFTER {
                        let claimed = d.claimed(now);
                        if self.outbox.save(&claimed, d.attempts).await? {
                            self.end(&claimed, "given up: the receiver failed again")
                                .await?;
                            return Ok(true);
                        }
                        return Ok(false);
                    }
                    let kept = Delivery {
                        next_at: until.max(d.next_at),
                        ..d.clone()
                    };
                    self.outbox.save(&kept, d.attempts).await?;
                    Ok(false)
                })
                .buffer_unordered(16)
                .collect()
                .await;
            for given_up in holds {
                if given_up? {
                    report.dead += 1;
                } else {
                    report.skipped += 1;
                }
            }
        }
        Ok(report)
    }

    async fn attempt(
        &self,
        due: Delivery,
        target: Option<WebhookTarget>,
    ) -> Result<Outcome, Unavailable> {
        let now = self.clock.now();
        let claimed = due.claimed(now);
        if !self.outbox.save(&claimed, due.attempts).await? {
            return Ok(Outcome::Skipped);
        }
        let url = match target {
            Some(WebhookTarget {
                url: Some(url),
                status: OrganisationStatus::Active,
            }) => url,
            Some(WebhookTarget { url: Some(_), .. }) => {
                return self.end(&claimed, "the organisation is suspended").await
            }
            _ => return self.end(&claimed, "the organisation has no webhook").await,
        };
        let claims = ChangeClaims {
            aud: due.organisation.as_str().to_owned(),
            iat: now.timestamp(),
            consent_id: due.consent.as_str().to_owned(),
            changed_at: crate::rfc3339(due.changed_at),
            cursor: due.cursor.clone(),
        };
        let chain = self.chain.get().await?;
        let body = change::seal(
            &claims,
            due.id.as_str(),
            &self.issuer_url,
            chain.x5c_ders(),
            &*self.signer,
        )
        .await?;
        let sent = self.sender.post(&url, due.id.as_str(), body).await;
        let after = self.clock.now();
        let (next, outcome) = match sent {
            Ok(()) => (claimed.delivered(after), Outcome::Delivered),
            Err(e) => {
                let next = claimed.failed(&e.to_string(), after);
                let outcome = match next.state {
                    DeliveryState::Dead => {
                        crate::telemetry::count(
                            crate::telemetry::metrics::WEBHOOK_DEAD_LETTERS,
                            None,
                        );
                        Outcome::Dead
                    }
                    _ => Outcome::Failed(next.next_at),
                };
                tracing::warn!(organisation = %due.organisation, delivery = %due.id, attempts = next.attempts, error = %e, "webhook not delivered");
                (next, outcome)
            }
        };
        // Not saved only if another run took it over after our claim's wait ran out: its
        // attempt counts.
        self.outbox.save(&next, claimed.attempts).await?;
        Ok(outcome)
    }

    async fn end(&self, claimed: &Delivery, why: &str) -> Result<Outcome, Unavailable> {
        let dead = claimed.dead(why, self.clock.now());
        self.outbox.save(&dead, claimed.attempts).await?;
        gave_up();
        Ok(Outcome::Ended)
    }

    /// Dead letters, oldest first (ops).
    pub async fn dead_letters(&self, limit: usize) -> Result<Vec<Delivery>, Unavailable> {
        Ok(self.outbox.dead(limit).await?)
    }

    /// A dead letter due again now, with the same idempotency key; false if it is not one.
    pub async fn redrive(&self, id: &DeliveryId) -> Result<bool, Unavailable> {
        let Some(dead) = self.outbox.get(id).await? else {
            return Ok(false);
        };
        if dead.state != DeliveryState::Dead {
            return Ok(false);
        }
        Ok(self
            .outbox
            .save(&dead.redriven(self.clock.now()), dead.attempts)
            .await?)
    }
}
