//! The sessions table's account tickets (`TICKET#<hash>`): password-reset links, operators'
//! second-factor sign-ins and clerks' counter lookups. Taken once by a conditional delete;
//! they expire through `ttl`, and are refused once past `expires_at` (TTL lags).

use super::sessions::DynamoSessions;
use super::{conditional, corrupt, epoch_ttl, get_item, get_s, get_time, keys, s, time, Item};
use crate::domain::{AccountId, SessionChannel};
use crate::ports::{AccountTicket, AccountTickets, StoreResult};
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

#[async_trait]
impl AccountTickets for DynamoSessions {
    async fn put_ticket(
        &self,
        secret_hash: &str,
        ticket: &AccountTicket,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let version;
        let (kind, account_id, extra) = match ticket {
            AccountTicket::PasswordReset {
                account_id,
                password_stamp,
            } => (
                "RESET",
                account_id,
                Some(("stamp", password_stamp.as_str())),
            ),
            AccountTicket::SecondFactor {
                account_id,
                channel,
            } => (
                "SECOND_FACTOR",
                account_id,
                Some(("channel", channel.as_str())),
            ),
            AccountTicket::CounterLookup {
                account_id,
                details_version,
            } => {
                version = details_version.to_string();
                (
                    "LOOKUP",
                    account_id,
                    Some(("details_version", version.as_str())),
                )
            }
        };
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::ticket(secret_hash)))
            .item("kind", s(kind))
            .item("account_id", s(account_id.as_str()))
            .item("expires_at", time(expires_at))
            .item("ttl", epoch_ttl(expires_at));
        if let Some((name, value)) = extra {
            put = put.item(name, s(value));
        }
        put.send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn take_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::ticket(secret_hash)))
            .condition_expression("expires_at > :now")
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match conditional(result)?.and_then(|out| out.attributes) {
            Some(item) => ticket_of(&item).map(Some),
            None => Ok(None),
        }
    }

    async fn peek_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>> {
        let Some(item) = get_item(&self.client, &self.table, &keys::ticket(secret_hash)).await?
        else {
            return Ok(None);
        };
        if get_time(&item, "expires_at")? <= now {
            return Ok(None);
        }
        ticket_of(&item).map(Some)
    }
}

fn ticket_of(item: &Item) -> StoreResult<AccountTicket> {
    let account_id = AccountId::from(get_s(item, "account_id")?);
    Ok(match get_s(item, "kind")? {
        "RESET" => AccountTicket::PasswordReset {
            account_id,
            // A link sent before stamps existed matches no password: it is spent.
            password_stamp: super::opt_s(item, "stamp").unwrap_or_default().to_owned(),
        },
        "SECOND_FACTOR" => AccountTicket::SecondFactor {
            account_id,
            channel: SessionChannel::parse(get_s(item, "channel")?)
                .ok_or_else(|| corrupt("a ticket's channel"))?,
        },
        "LOOKUP" => AccountTicket::CounterLookup {
            account_id,
            details_version: super::opt_s(item, "details_version")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        },
        _ => return Err(corrupt("a ticket's kind")),
    })
}
