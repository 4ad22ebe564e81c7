//! Certificate generation: consumes the requests table's stream, one new request per record.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::{vars, ConfigError, Env};
use cazier_shared::ports::SystemClock;
use cazier_shared::services::issuance::{IssuanceService, IssueError, Outcome, SweepReport};
use cazier_shared::services::trust::ChainSource;
use std::sync::Arc;

pub struct GeneratorFunction {
    service: IssuanceService,
}

/// The request a stream record announces: new items of kind REQUEST only (guards and updates
/// of the same table are not work).
fn announced_request(record: &EventRecord) -> Option<String> {
    use serde_dynamo::AttributeValue::S;
    if record.event_name != "INSERT" {
        return None;
    }
    match (
        record.change.new_image.get("kind"),
        record.change.new_image.get("request_id"),
    ) {
        (Some(S(kind)), Some(S(id))) if kind == "REQUEST" => Some(id.clone()),
        _ => None,
    }
}

impl GeneratorFunction {
    pub async fn from_env(sdk: aws_config::SdkConfig, env: Env) -> Result<Self, ConfigError> {
        let wiring = Wiring::load(&sdk, &env).await?;
        Ok(Self {
            service: IssuanceService {
                accounts: wiring.accounts()?,
                requests: wiring.requests()?,
                certificates: wiring.certificates()?,
                records: wiring.records()?,
                companies: wiring.records()?,
                blobs: wiring.documents()?,
                signer: wiring.signer()?,
                chain: Arc::new(ChainSource::new(wiring.documents()?)),
                clock: Arc::new(SystemClock),
                issuing_unit: env.get_or(
                    vars::ISSUING_UNIT,
                    "Inspectoratul General al Poliției Române",
                ),
                issue_with_entries: env.flag(vars::ISSUE_WITH_ENTRIES, true)?,
                verification_page: env.get_or(
                    vars::VERIFICATION_PAGE_URL,
                    "https://cazier.example.ro/verificare",
                ),
            },
        })
    }

    /// Scheduled: requests that are still pending after the stream gave up.
    pub async fn sweep(&self) -> Result<SweepReport, IssueError> {
        self.service.sweep().await
    }

    /// Any event this function is wired to: a stream batch, or the sweep schedule.
    pub async fn handle_any(
        &self,
        event: serde_json::Value,
    ) -> Result<serde_json::Value, IssueError> {
        if event.get("Records").is_some() {
            let batch: Event = serde_json::from_value(event).map_err(|e| {
                IssueError::Store(cazier_shared::ports::StoreError::Corrupt(e.to_string()))
            })?;
            let response = self.handle_event(batch).await;
            return Ok(serde_json::to_value(response).unwrap_or_default());
        }
        self.sweep().await?;
        Ok(serde_json::Value::Null)
    }

    /// Processes a batch in order. On the first failure it reports that record (and so every
    /// later one) for retry; the stream's retry limit and on-failure destination take over from
    /// there, and issuing is idempotent, so a retried record never yields a second certificate.
    pub async fn handle_event(&self, event: Event) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        for record in &event.records {
            let Some(request_id) = announced_request(record) else {
                continue;
            };
            match self.service.issue(&request_id).await {
                Ok(Outcome::Issued(_) | Outcome::Rejected(_) | Outcome::Skipped) => {}
                Err(e) => {
                    tracing::error!(request_id, error = %e, "generation failed; will retry");
                    cazier_shared::telemetry::count(
                        cazier_shared::telemetry::metrics::GENERATION_FAILURES,
                        None,
                    );
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = record.change.sequence_number.clone();
                    response.batch_item_failures.push(failure);
                    break;
                }
            }
        }
        response
    }
}
