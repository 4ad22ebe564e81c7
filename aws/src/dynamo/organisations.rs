//! The organisations table: one item per registered organisation, under its CUI. The key the
//! service keeps to ask wallets in its name is sealed (bound to the item); the rest is the
//! public register ops keep. A few hundred items: `list` scans.

use super::{
    blob, conditional, corrupt, get_b, get_item, get_parsed, get_s, get_time, opt_s,
    private_adapter, s, time, Item,
};
use crate::domain::organisation::{
    AccessCredential, Organisation, OrganisationKind, OrganisationStatus,
};
use crate::domain::{Cui, Purpose};
use crate::ports::{Organisations, StoreResult, WebhookTarget};
use crate::privacy::Privacy;
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct DynamoOrganisations {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
}

private_adapter!(DynamoOrganisations);

fn pk(cui: &Cui) -> String {
    format!("ORGANISATION#{cui}")
}

impl DynamoOrganisations {
    fn to_item(&self, o: &Organisation) -> StoreResult<Item> {
        let pk = pk(&o.cui);
        let purposes: Vec<&str> = o.purposes.iter().map(|p| p.code()).collect();
        let mut item: Item = HashMap::from([
            ("pk".into(), s(&pk)),
            ("name".into(), s(&o.name)),
            ("kind".into(), s(o.kind.code())),
            ("purposes".into(), s(purposes.join(" "))),
            ("jwks".into(), s(&o.jwks)),
            ("redirect_origins".into(), s(o.redirect_origins.join(" "))),
            ("status".into(), s(o.status.code())),
            ("certificate".into(), blob(o.access.certificate.clone())),
            (
                "signing_key".into(),
                blob(self.privacy.seal(&o.access.signing_key, &pk)?),
            ),
            ("registered_at".into(), time(o.registered_at)),
        ]);
        if let Some(url) = &o.webhook_url {
            item.insert("webhook_url".into(), s(url));
        }
        Ok(item)
    }

    async fn read_item(&self, item: &Item) -> StoreResult<Organisation> {
        let pk = get_s(item, "pk")?;
        let cui = pk
            .strip_prefix("ORGANISATION#")
            .and_then(|c| Cui::parse(c).ok())
            .ok_or_else(|| corrupt("an organisation's CUI"))?;
        let purposes = get_s(item, "purposes")?
            .split_whitespace()
            .map(|p| Purpose::parse(p).ok_or_else(|| corrupt("an organisation's purpose")))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Organisation {
            name: get_s(item, "name")?.to_owned(),
            kind: get_parsed(item, "kind", OrganisationKind::parse)?,
            purposes,
            jwks: get_s(item, "jwks")?.to_owned(),
            redirect_origins: opt_s(item, "redirect_origins")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            webhook_url: opt_s(item, "webhook_url").map(str::to_owned),
            status: get_parsed(item, "status", OrganisationStatus::parse)?,
            access: AccessCredential {
                certificate: get_b(item, "certificate")?.to_vec(),
                signing_key: self.privacy.open(get_b(item, "signing_key")?, pk).await?,
            },
            registered_at: get_time(item, "registered_at")?,
            cui,
        })
    }
}

#[async_trait]
impl Organisations for DynamoOrganisations {
    async fn add(&self, organisation: &Organisation) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.to_item(organisation)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        conditional(result)?.ok_or(crate::ports::StoreError::Conflict)?;
        Ok(())
    }

    async fn get(&self, cui: &Cui) -> StoreResult<Option<Organisation>> {
        match get_item(&self.client, &self.table, &pk(cui)).await? {
            Some(item) => Ok(Some(self.read_item(&item).await?)),
            None => Ok(None),
        }
    }

    async fn list(&self) -> StoreResult<Vec<Organisation>> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items() {
                found.push(self.read_item(item).await?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        found.sort_by(|a, b| a.cui.cmp(&b.cui));
        Ok(found)
    }

    async fn set_status(&self, cui: &Cui, status: OrganisationStatus) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(cui)))
            .update_expression("SET #status = :status")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.code()))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    async fn set_webhook(&self, cui: &Cui, url: Option<&str>) -> StoreResult<bool> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(cui)))
            .condition_expression("attribute_exists(pk)");
        let update = match url {
            Some(url) => update
                .update_expression("SET webhook_url = :url")
                .expression_attribute_values(":url", s(url)),
            None => update.update_expression("REMOVE webhook_url"),
        };
        Ok(conditional(update.send().await)?.is_some())
    }

    async fn webhook(&self, cui: &Cui) -> StoreResult<Option<WebhookTarget>> {
        // Only these two attributes: the deliverer's role may read no more (its keys stay
        // sealed and unread).
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk(cui)))
            .projection_expression("webhook_url, #status")
            .expression_attribute_names("#status", "status")
            .send()
            .await
            .map_err(unavailable)?;
        out.item
            .map(|item| {
                Ok(WebhookTarget {
                    url: opt_s(&item, "webhook_url").map(str::to_owned),
                    status: get_parsed(&item, "status", OrganisationStatus::parse)?,
                })
            })
            .transpose()
    }
}
