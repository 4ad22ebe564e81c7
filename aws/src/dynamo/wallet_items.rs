//! The sessions table's items of the wallet protocols: OpenID4VCI's single-use secrets and
//! OpenID4VP requests (`WALLET#<hash>`, taken once by a conditional delete), and OpenID4VP
//! outcomes (`PRESENTATION#<hash>`, encrypted by the service). All expire through `ttl`.

use super::sessions::DynamoSessions;
use super::{
    blob, conditional, corrupt, epoch_ttl, get_b, get_item, get_s, get_time, keys, opt_s,
    private_adapter, s, time, Item,
};
use crate::domain::AccountId;
use crate::ports::{
    PresentationResults, StoreResult, StoredPresentation, WalletGrant, WalletGrants,
};
use crate::privacy::Privacy;
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[async_trait]
impl WalletGrants for DynamoSessions {
    async fn put_grant(
        &self,
        secret_hash: &str,
        grant: &WalletGrant,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.grant_item(secret_hash, grant, expires_at)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn put_new_grant(
        &self,
        secret_hash: &str,
        grant: &WalletGrant,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // An expired item the TTL has not deleted yet does not count.
        let result = self
            .grant_item(secret_hash, grant, expires_at)
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_values(":now", time(now))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    async fn take_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<WalletGrant>> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::wallet_grant(secret_hash)))
            .condition_expression("expires_at > :now")
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let Some(item) = conditional(result)?.and_then(|out| out.attributes) else {
            return Ok(None);
        };
        grant_of(&item).map(Some)
    }

    async fn peek_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<WalletGrant>> {
        let pk = keys::wallet_grant(secret_hash);
        let Some(item) = get_item(&self.client, &self.table, &pk).await? else {
            return Ok(None);
        };
        // The TTL deletes within days, not at the second.
        if get_time(&item, "expires_at")? <= now {
            return Ok(None);
        }
        grant_of(&item).map(Some)
    }
}

impl DynamoSessions {
    /// The put of `grant` under `secret_hash`, unconditional until the caller adds one.
    fn grant_item(
        &self,
        secret_hash: &str,
        grant: &WalletGrant,
        expires_at: DateTime<Utc>,
    ) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::wallet_grant(secret_hash)))
            .item("expires_at", time(expires_at))
            .item("ttl", epoch_ttl(expires_at));
        match grant {
            WalletGrant::PreAuthorizedCode {
                account_id,
                number,
                tx_code_hash,
            } => put
                .item("kind", s("CODE"))
                .item("account_id", s(account_id.as_str()))
                .item("number", s(number.as_str()))
                .item("tx_code_hash", s(tx_code_hash)),
            WalletGrant::AccessToken { account_id, number } => put
                .item("kind", s("TOKEN"))
                .item("account_id", s(account_id.as_str()))
                .item("number", s(number.as_str())),
            WalletGrant::Nonce => put.item("kind", s("NONCE")),
            WalletGrant::PresentationRequest {
                nonce,
                verifier,
                organisation,
                client_id,
                transaction_hash,
                response_key,
                redirect_uri,
            } => {
                let put = put
                    .item("kind", s("VP_REQUEST"))
                    .item("nonce", s(nonce))
                    .item("verifier", s(verifier.as_str()))
                    .item("organisation", s(organisation))
                    .item("client_id", s(client_id))
                    .item("transaction_hash", s(transaction_hash))
                    .item("response_key", s(response_key));
                match redirect_uri {
                    Some(uri) => put.item("redirect_uri", s(uri)),
                    None => put,
                }
            }
            WalletGrant::OrganisationToken {
                organisation,
                scope,
                jkt,
            } => {
                let put = put
                    .item("kind", s("ORG_TOKEN"))
                    .item("verifier", s(organisation.as_str()))
                    .item("scope", s(scope));
                match jkt {
                    Some(jkt) => put.item("jkt", s(jkt)),
                    None => put,
                }
            }
            WalletGrant::UsedAssertion => put.item("kind", s("ASSERTION")),
        }
    }
}

/// A grant as its item holds it.
fn grant_of(item: &Item) -> StoreResult<WalletGrant> {
    let number = || {
        crate::domain::CertificateNumber::parse(get_s(item, "number")?)
            .ok_or_else(|| corrupt("a wallet grant's certificate number"))
    };
    let account = || get_s(item, "account_id").map(AccountId::from);
    let verifier = || {
        crate::domain::Cui::parse(get_s(item, "verifier")?)
            .map_err(|_| corrupt("a wallet grant's organisation"))
    };
    Ok(match get_s(item, "kind")? {
        "CODE" => WalletGrant::PreAuthorizedCode {
            account_id: account()?,
            number: number()?,
            tx_code_hash: get_s(item, "tx_code_hash")?.to_owned(),
        },
        "TOKEN" => WalletGrant::AccessToken {
            account_id: account()?,
            number: number()?,
        },
        "NONCE" => WalletGrant::Nonce,
        "VP_REQUEST" => WalletGrant::PresentationRequest {
            nonce: get_s(item, "nonce")?.to_owned(),
            verifier: verifier()?,
            organisation: get_s(item, "organisation")?.to_owned(),
            client_id: get_s(item, "client_id")?.to_owned(),
            transaction_hash: get_s(item, "transaction_hash")?.to_owned(),
            response_key: get_s(item, "response_key")?.to_owned(),
            redirect_uri: opt_s(item, "redirect_uri").map(str::to_owned),
        },
        "ORG_TOKEN" => WalletGrant::OrganisationToken {
            organisation: verifier()?,
            scope: get_s(item, "scope")?.to_owned(),
            jkt: opt_s(item, "jkt").map(str::to_owned),
        },
        "ASSERTION" => WalletGrant::UsedAssertion,
        _ => return Err(corrupt("a wallet grant's kind")),
    })
}

/// OpenID4VP outcomes, in the sessions table (`PRESENTATION#<hash>`); sealed with the
/// personal-data key, since an answered one names the holder.
#[derive(Clone)]
pub struct DynamoPresentations {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
}

private_adapter!(DynamoPresentations);

#[async_trait]
impl PresentationResults for DynamoPresentations {
    async fn put_presentation(
        &self,
        transaction_hash: &str,
        stored: &StoredPresentation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let pk = keys::presentation(transaction_hash);
        let sealed = self.privacy.seal_json(&stored.outcome, &pk)?;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&pk))
            .item("expires_at", time(expires_at))
            .item("ttl", epoch_ttl(expires_at))
            .item("outcome", blob(sealed));
        let put = match &stored.response_code_hash {
            Some(hash) => put.item("response_code_hash", s(hash)),
            None => put,
        };
        let put = match stored.answered_at {
            Some(at) => put.item("answered_at", time(at)),
            None => put,
        };
        put.send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn get_presentation(
        &self,
        transaction_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StoredPresentation>> {
        let pk = keys::presentation(transaction_hash);
        let Some(item) = get_item(&self.client, &self.table, &pk).await? else {
            return Ok(None);
        };
        // The TTL deletes within days, not at the second.
        if get_time(&item, "expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(StoredPresentation {
            outcome: self
                .privacy
                .open_json(get_b(&item, "outcome")?, &pk)
                .await?,
            response_code_hash: opt_s(&item, "response_code_hash").map(str::to_owned),
            answered_at: match item.contains_key("answered_at") {
                true => Some(get_time(&item, "answered_at")?),
                false => None,
            },
        }))
    }
}
