//! The figures the Ministry publishes, read from the tables: certificates issued, accounts
//! created and accounts validated per method, per Bucharest calendar day. A full scan with a
//! projection (only ids and times are read, no personal data): for ops reports, not requests.

use super::unavailable;
use crate::domain::{bucharest_date, Validation, ValidationMethod};
use crate::ports::StoreResult;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayFigures {
    pub certificates_issued: u64,
    pub accounts_created: u64,
    pub validated_ghiseul: u64,
    pub validated_counter: u64,
    pub validated_roeid: u64,
}

/// Figures per day from `from` to `to` inclusive (every day present, zeros included).
pub async fn collect(
    sdk: &aws_config::SdkConfig,
    accounts_table: &str,
    certificates_table: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<BTreeMap<NaiveDate, DayFigures>> {
    let client = Client::new(sdk);
    let mut days: BTreeMap<NaiveDate, DayFigures> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, DayFigures::default()))
        .collect();
    let day_of = |item: &HashMap<String, AttributeValue>, attr: &str| -> Option<NaiveDate> {
        let text = item.get(attr)?.as_s().ok()?;
        let at: DateTime<Utc> = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
        Some(bucharest_date(at))
    };

    for item in scan(
        &client,
        accounts_table,
        super::dynamo::keys::ACCOUNT,
        "created_at, #role, validation",
    )
    .await?
    {
        if item
            .get("role")
            .and_then(|r| r.as_s().ok())
            .map(String::as_str)
            != Some("CITIZEN")
        {
            continue;
        }
        if let Some(f) = day_of(&item, "created_at").and_then(|d| days.get_mut(&d)) {
            f.accounts_created += 1;
        }
        let validation: Option<Validation> = item
            .get("validation")
            .and_then(|v| v.as_s().ok())
            .and_then(|v| serde_json::from_str(v).ok());
        if let Some(v) = validation {
            if let Some(f) = days.get_mut(&bucharest_date(v.validated_at)) {
                match v.method {
                    ValidationMethod::Ghiseul => f.validated_ghiseul += 1,
                    ValidationMethod::Counter => f.validated_counter += 1,
                    ValidationMethod::Roeid => f.validated_roeid += 1,
                }
            }
        }
    }
    for item in scan(
        &client,
        certificates_table,
        super::dynamo::keys::CERTIFICATE,
        "issued_at",
    )
    .await?
    {
        if let Some(f) = day_of(&item, "issued_at").and_then(|d| days.get_mut(&d)) {
            f.certificates_issued += 1;
        }
    }
    Ok(days)
}

async fn scan(
    client: &Client,
    table: &str,
    prefix: &str,
    projection: &str,
) -> StoreResult<Vec<HashMap<String, AttributeValue>>> {
    let scan = client
        .scan()
        .table_name(table)
        .filter_expression("begins_with(pk, :prefix)")
        .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
        .projection_expression(projection)
        .set_expression_attribute_names(
            projection
                .contains("#role")
                .then(|| HashMap::from([("#role".to_owned(), "role".to_owned())])),
        );
    super::dynamo::all_pages(|start| {
        let page = scan.clone().set_exclusive_start_key(start);
        async move {
            let out = page.send().await.map_err(unavailable)?;
            Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
        }
    })
    .await
}
