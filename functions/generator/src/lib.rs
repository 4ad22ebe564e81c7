//! Certificate generation: consumes the requests table's stream, one new request per record;
//! and the scheduled jobs (the sweep, the daily notices and lists, webhook deliveries).

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::RequestId;
use cazier_shared::services::consents::WebhookDeliveries;
use cazier_shared::services::issuance::{
    IssuanceService, IssueError, Outcome, SweepReport, ROOT_CRL_WARNING,
};
use cazier_shared::services::notices::NoticeService;
use cazier_shared::services::status::StatusListService;
use cazier_shared::wiring::ServiceGraphs;

pub struct GeneratorFunction {
    service: IssuanceService,
    notices: NoticeService,
    status_lists: StatusListService,
    webhooks: WebhookDeliveries,
}

/// The daily scheduled event (its `Input` in template.yaml): the day's expiry notices, and the
/// revocation status lists re-signed.
pub const EXPIRY_NOTICES_JOB: &str = "expiry-notices";
/// Every minute: record changes pushed to organisations' webhooks (issue 27).
pub const WEBHOOKS_JOB: &str = "webhooks";

/// The request a stream record announces: new items of kind REQUEST only (guards and updates
/// of the same table are not work).
fn announced_request(record: &EventRecord) -> Option<RequestId> {
    use serde_dynamo::AttributeValue::S;
    if record.event_name != "INSERT" {
        return None;
    }
    match (
        record.change.new_image.get("kind"),
        record.change.new_image.get("request_id"),
    ) {
        (Some(S(kind)), Some(S(id))) if kind == "REQUEST" => Some(RequestId::from(id.as_str())),
        _ => None,
    }
}

/// Why an invocation failed as a whole (a failed record is reported per item instead).
#[derive(Debug, thiserror::Error)]
pub enum GeneratorError {
    /// An event that is neither a stream batch nor the schedule's: a wiring mistake.
    #[error("unreadable event: {0}")]
    BadEvent(#[from] serde_json::Error),
    #[error("sweep failed: {0}")]
    Sweep(#[from] IssueError),
    #[error("expiry notices failed: {0}")]
    Notices(#[from] cazier_shared::services::Unavailable),
    #[error("webhook deliveries failed: {0}")]
    Webhooks(cazier_shared::services::Unavailable),
    #[error("publishing the status lists failed: {0}")]
    StatusLists(cazier_shared::services::Unavailable),
}

impl GeneratorFunction {
    pub fn new(wiring: &Wiring) -> Result<Self, ConfigError> {
        cazier_shared::pdf::prepare_fonts();
        Ok(Self {
            service: wiring.issuance_service()?,
            notices: wiring.notice_service()?,
            status_lists: wiring.status_list_service()?,
            webhooks: wiring.webhook_deliveries()?,
        })
    }

    /// Daily: warns (log and metric, which an alarm watches) a month before the root's CRL
    /// runs out, since no certificate is issued without current revocation data.
    async fn check_root_crl(&self) {
        match self.service.root_crl_left().await {
            Ok(None) => {}
            Ok(Some(left)) if left > ROOT_CRL_WARNING => {}
            Ok(Some(left)) => {
                tracing::error!(
                    days_left = left.num_days(),
                    "the root's CRL runs out soon: run `cazier-admin trust crl`"
                );
                cazier_shared::telemetry::count(
                    cazier_shared::telemetry::metrics::ROOT_CRL_EXPIRING,
                    None,
                );
            }
            Err(e) => tracing::warn!(error = %e, "the root's CRL could not be checked"),
        }
    }

    /// Scheduled: requests that are still pending after the stream gave up.
    pub async fn sweep(&self) -> Result<SweepReport, IssueError> {
        self.service.sweep().await
    }

    /// Any event this function is wired to: a stream batch, or the sweep schedule.
    pub async fn handle_any(
        &self,
        event: serde_json::Value,
    ) -> Result<serde_json::Value, GeneratorError> {
        if event.get("Records").is_some() {
            let batch: Event = serde_json::from_value(event)?;
            let response = self.handle_event(batch).await;
            return Ok(serde_json::to_value(response)?);
        }
        let job = event.get("job").and_then(serde_json::Value::as_str);
        if job == Some(WEBHOOKS_JOB) {
            self.webhooks
                .deliver_due()
                .await
                .map_err(GeneratorError::Webhooks)?;
            return Ok(serde_json::Value::Null);
        }
        if job == Some(EXPIRY_NOTICES_JOB) {
            // The daily jobs: each runs even if the others fail.
            self.check_root_crl().await;
            let lists = self.status_lists.publish_current().await;
            self.notices.send_expiry_notices().await?;
            lists.map_err(GeneratorError::StatusLists)?;
            return Ok(serde_json::Value::Null);
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
                Ok(Outcome::Issued(number)) => {
                    // Its year's list exists from its first certificate on; a failure here is
                    // repaired by the daily run (and verifiers say "could not be checked").
                    let (year, _) = number.year_and_sequence();
                    if let Err(e) = self.status_lists.ensure_published(year).await {
                        tracing::error!(error = %e, year, "status list not published");
                    }
                }
                Ok(Outcome::Rejected(_) | Outcome::Skipped) => {}
                Err(e) => {
                    tracing::error!(%request_id, error = %e, "generation failed; will retry");
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
