//! Webhook deliveries in memory, with the store's rules (a save only from the attempt the
//! caller read), and a receiver that can be down.

use crate::domain::webhook::Delivery;
use crate::domain::{DeliveryId, DeliveryState};
use crate::ports::{StoreResult, WebhookError, WebhookOutbox, WebhookSender};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryOutbox(Mutex<Vec<Delivery>>);

impl MemoryOutbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn all(&self) -> Vec<Delivery> {
        self.lock().clone()
    }
}

#[async_trait]
impl WebhookOutbox for MemoryOutbox {
    async fn enqueue(&self, delivery: &Delivery) -> StoreResult<()> {
        self.lock().push(delivery.clone());
        Ok(())
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<Delivery>> {
        let mut due: Vec<Delivery> = self
            .lock()
            .iter()
            .filter(|d| d.state == DeliveryState::Due && d.next_at <= now)
            .cloned()
            .collect();
        due.sort_by_key(|d| d.next_at);
        due.truncate(limit);
        Ok(due)
    }

    async fn save(&self, next: &Delivery, seen_attempts: u32) -> StoreResult<bool> {
        let mut all = self.lock();
        match all.iter_mut().find(|d| d.id == next.id) {
            Some(d) if d.attempts == seen_attempts && d.state == DeliveryState::Due => {
                *d = next.clone();
                Ok(true)
            }
            Some(d) if d.state == DeliveryState::Dead && next.attempts == 0 => {
                *d = next.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn get(&self, id: &DeliveryId) -> StoreResult<Option<Delivery>> {
        Ok(self.lock().iter().find(|d| &d.id == id).cloned())
    }

    async fn dead(&self, limit: usize) -> StoreResult<Vec<Delivery>> {
        let mut dead: Vec<Delivery> = self
            .lock()
            .iter()
            .filter(|d| d.state == DeliveryState::Dead)
            .cloned()
            .collect();
        dead.sort_by_key(|d| d.next_at);
        dead.truncate(limit);
        Ok(dead)
    }
}

/// A receiver: what it was sent (url, idempotency key, body), and whether it is down.
#[derive(Default)]
pub struct MemoryReceiver {
    pub received: Mutex<Vec<(String, String, String)>>,
    pub down: AtomicBool,
    /// Receivers down while the others answer.
    pub down_at: Mutex<Vec<String>>,
    /// Posts tried, answered or not.
    pub tried: Mutex<Vec<String>>,
}

impl MemoryReceiver {
    pub fn received(&self) -> Vec<(String, String, String)> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The receiver at `url` is down (the others answer).
    pub fn set_down_at(&self, url: &str) {
        self.down_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(url.to_owned());
    }

    /// How many posts were tried at `url`.
    pub fn tried_at(&self, url: &str) -> usize {
        self.tried
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|u| *u == url)
            .count()
    }
}

#[async_trait]
impl WebhookSender for MemoryReceiver {
    async fn post(&self, url: &str, key: &str, body: String) -> Result<(), WebhookError> {
        self.tried
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(url.to_owned());
        let down_here = self
            .down_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|u| u == url);
        if down_here || self.down.load(Ordering::SeqCst) {
            return Err(WebhookError::Status(503));
        }
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((url.to_owned(), key.to_owned(), body));
        Ok(())
    }
}
