//! The webhooks table: one item per delivery of a change to an organisation's receiver. No
//! personal data (a consent id, a CUI, times). Due and dead ones are listed through
//! `deliveries_by_state` (state, then next attempt's time); a delivered one leaves the index
//! (its `state` removed) and the table a month later (TTL), a dead letter after a year.

use super::{
    conditional, corrupt, epoch_ttl, get_item, get_parsed, get_s, get_time, n, opt_s, opt_u64, s,
    time, Item,
};
use crate::domain::webhook::Delivery;
use crate::domain::{ConsentId, Cui, DeliveryId, DeliveryState};
use crate::ports::{StoreResult, WebhookOutbox};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

pub const DELIVERIES_BY_STATE_INDEX: &str = "deliveries_by_state";
const KEPT_DELIVERED: Duration = Duration::days(30);
const KEPT_DEAD: Duration = Duration::days(365);

#[derive(Clone)]
pub struct DynamoWebhooks {
    client: Client,
    table: String,
}

super::dynamo_adapter!(DynamoWebhooks);

fn pk(id: &DeliveryId) -> String {
    format!("DELIVERY#{id}")
}

fn to_item(d: &Delivery) -> Item {
    let mut item: Item = HashMap::from([
        ("pk".into(), s(pk(&d.id))),
        ("organisation".into(), s(d.organisation.as_str())),
        ("consent".into(), s(d.consent.as_str())),
        ("changed_at".into(), time(d.changed_at)),
        ("cursor".into(), s(&d.cursor)),
        ("outcome".into(), s(d.state.as_str())),
        ("attempts".into(), n(d.attempts)),
        ("next_at".into(), time(d.next_at)),
        ("first_at".into(), time(d.first_at)),
    ]);
    if let Some(why) = &d.last_error {
        item.insert("last_error".into(), s(why));
    }
    match d.state {
        // Only due and dead ones are in the index.
        DeliveryState::Due | DeliveryState::Dead => {
            item.insert("state".into(), s(d.state.as_str()));
        }
        DeliveryState::Delivered => {}
    }
    let kept = match d.state {
        DeliveryState::Due => None,
        DeliveryState::Delivered => Some(KEPT_DELIVERED),
        DeliveryState::Dead => Some(KEPT_DEAD),
    };
    if let Some(kept) = kept {
        item.insert("ttl".into(), epoch_ttl(d.next_at + kept));
    }
    item
}

fn from_item(item: &Item) -> StoreResult<Delivery> {
    let id = get_s(item, "pk")?
        .strip_prefix("DELIVERY#")
        .ok_or_else(|| corrupt("a delivery's key"))?;
    Ok(Delivery {
        id: DeliveryId::from(id),
        organisation: get_parsed(item, "organisation", |c| Cui::parse(c).ok())?,
        consent: ConsentId::from(get_s(item, "consent")?),
        changed_at: get_time(item, "changed_at")?,
        cursor: get_s(item, "cursor")?.to_owned(),
        state: get_parsed(item, "outcome", DeliveryState::parse)?,
        attempts: opt_u64(item, "attempts")?
            .and_then(|a| u32::try_from(a).ok())
            .ok_or_else(|| corrupt("a delivery's attempts"))?,
        next_at: get_time(item, "next_at")?,
        first_at: get_time(item, "first_at")?,
        last_error: opt_s(item, "last_error").map(str::to_owned),
    })
}

impl DynamoWebhooks {
    async fn by_state(
        &self,
        state: DeliveryState,
        until: Option<DateTime<Utc>>,
        limit: usize,
    ) -> StoreResult<Vec<Delivery>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DELIVERIES_BY_STATE_INDEX)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":state", s(state.as_str()))
            .limit(limit.min(1000) as i32);
        query = match until {
            Some(until) => query
                .key_condition_expression("#state = :state AND next_at <= :until")
                .expression_attribute_values(":until", time(until)),
            None => query.key_condition_expression("#state = :state"),
        };
        // One page is enough: the next run takes the rest.
        let page = query.send().await.map_err(crate::unavailable)?;
        page.items().iter().map(from_item).collect()
    }
}

#[async_trait]
impl WebhookOutbox for DynamoWebhooks {
    async fn enqueue(&self, delivery: &Delivery) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(delivery)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        conditional(result)?;
        Ok(())
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<Delivery>> {
        self.by_state(DeliveryState::Due, Some(now), limit).await
    }

    async fn save(&self, next: &Delivery, seen_attempts: u32) -> StoreResult<bool> {
        // From the attempt the caller read, while due; or a dead letter redriven.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(next)))
            .condition_expression(
                "(attempts = :seen AND outcome = :due) OR (outcome = :dead AND :redriven = :yes)",
            )
            .expression_attribute_values(":seen", n(seen_attempts))
            .expression_attribute_values(":due", s(DeliveryState::Due.as_str()))
            .expression_attribute_values(":dead", s(DeliveryState::Dead.as_str()))
            .expression_attribute_values(
                ":redriven",
                s(if next.attempts == 0 { "yes" } else { "no" }),
            )
            .expression_attribute_values(":yes", s("yes"))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    async fn get(&self, id: &DeliveryId) -> StoreResult<Option<Delivery>> {
        get_item(&self.client, &self.table, &pk(id))
            .await?
            .as_ref()
            .map(from_item)
            .transpose()
    }

    async fn dead(&self, limit: usize) -> StoreResult<Vec<Delivery>> {
        self.by_state(DeliveryState::Dead, None, limit).await
    }
}
