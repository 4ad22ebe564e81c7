//! Delivers DynamoDB stream records to stream-triggered functions, as Lambda's event source
//! mapping does: in order, in batches, retrying from the first failed record, and after the
//! retry limit setting the record aside (in a file standing in for the on-failure queue).

use crate::template::StreamSource;
use anyhow::{Context, Result};
use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use cazier_generator::GeneratorFunction;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const IDLE_POLL: Duration = Duration::from_millis(25);

fn attribute_json(v: &AttributeValue) -> Value {
    let b64 = |b: &aws_sdk_dynamodbstreams::primitives::Blob| {
        base64::engine::general_purpose::STANDARD.encode(b.as_ref())
    };
    match v {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": b64(b)}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::Ss(v) => json!({"SS": v}),
        AttributeValue::Ns(v) => json!({"NS": v}),
        AttributeValue::Bs(v) => json!({"BS": v.iter().map(b64).collect::<Vec<_>>()}),
        AttributeValue::L(l) => json!({"L": l.iter().map(attribute_json).collect::<Vec<_>>()}),
        AttributeValue::M(m) => json!({"M": item_json(m)}),
        _ => json!({"NULL": true}),
    }
}

fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect::<Map<_, _>>(),
    )
}

/// A stream record in the shape Lambda hands to the function.
fn lambda_record(r: &Record, source_arn: &str, region: &str) -> Value {
    let change = r.dynamodb.as_ref();
    json!({
        "eventID": r.event_id,
        "eventName": r.event_name.as_ref().map(|n| n.as_str()),
        "eventVersion": r.event_version,
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "eventSourceARN": source_arn,
        "dynamodb": {
            "Keys": change.and_then(|c| c.keys.as_ref()).map(item_json),
            "NewImage": change.and_then(|c| c.new_image.as_ref()).map(item_json),
            "SequenceNumber": change.and_then(|c| c.sequence_number.clone()),
            "SizeBytes": change.and_then(|c| c.size_bytes).unwrap_or_default(),
            "StreamViewType": change.and_then(|c| c.stream_view_type.as_ref()).map(|t| t.as_str()),
        }
    })
}

pub struct StreamDelivery {
    pub source: StreamSource,
    pub stream_arn: String,
    pub function: Arc<GeneratorFunction>,
    pub failures_file: PathBuf,
}

impl StreamDelivery {
    pub async fn run(self, sdk: aws_config::SdkConfig, mut stop: watch::Receiver<bool>) {
        if let Err(e) = self.poll(&sdk, &mut stop).await {
            tracing::error!(error = %format!("{e:#}"), "stream delivery stopped");
        }
    }

    async fn poll(
        &self,
        sdk: &aws_config::SdkConfig,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<()> {
        let client = aws_sdk_dynamodbstreams::Client::new(sdk);
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        let description = client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .context("describing the stream")?
            .stream_description
            .context("no stream description")?;
        // Each poll asks for a fresh iterator after the last record seen, rather than following
        // NextShardIterator: moto replaces a table's stream shard object when it rolls back a
        // cancelled transaction, and an old iterator would then never see new records.
        let mut positions: Vec<(String, Option<String>)> = description
            .shards()
            .iter()
            .filter_map(|s| s.shard_id().map(|id| (id.to_owned(), None)))
            .collect();
        loop {
            let mut delivered = false;
            for (shard_id, last_seen) in positions.iter_mut() {
                let iterator = client
                    .get_shard_iterator()
                    .stream_arn(&self.stream_arn)
                    .shard_id(shard_id.as_str())
                    .set_sequence_number(last_seen.clone())
                    .shard_iterator_type(match last_seen {
                        Some(_) => ShardIteratorType::AfterSequenceNumber,
                        None => ShardIteratorType::TrimHorizon,
                    })
                    .send()
                    .await
                    .context("getting a shard iterator")?
                    .shard_iterator
                    .context("no shard iterator")?;
                let out = client
                    .get_records()
                    .shard_iterator(iterator)
                    .limit(self.source.batch_size as i32)
                    .send()
                    .await
                    .context("reading stream records")?;
                let records = out.records();
                if records.is_empty() {
                    continue;
                }
                delivered = true;
                if let Some(seq) = records
                    .last()
                    .and_then(|r| r.dynamodb.as_ref())
                    .and_then(|c| c.sequence_number.clone())
                {
                    *last_seen = Some(seq);
                }
                let batch = records
                    .iter()
                    .map(|r| lambda_record(r, &self.stream_arn, &region))
                    .collect();
                self.deliver(batch).await;
            }
            if !delivered {
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => return Ok(()),
                }
            }
        }
    }

    async fn deliver(&self, mut batch: Vec<Value>) {
        let mut attempts = 0u32;
        while !batch.is_empty() {
            let event: Event = match serde_json::from_value(json!({ "Records": batch })) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = %e, "stream records do not parse as a Lambda event");
                    self.set_aside(&batch, "unparseable");
                    return;
                }
            };
            let response = self.function.handle_event(event).await;
            let failed_at = response.batch_item_failures.first().and_then(|f| {
                let id = f.item_identifier.as_deref()?;
                batch
                    .iter()
                    .position(|r| r["dynamodb"]["SequenceNumber"].as_str() == Some(id))
            });
            let Some(index) = failed_at else { return };
            attempts += 1;
            if attempts > self.source.max_retries {
                self.set_aside(&batch[index..=index], "retries exhausted");
                batch.drain(..=index);
                attempts = 0;
            } else {
                batch.drain(..index);
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempts))).await;
            }
        }
    }

    fn set_aside(&self, records: &[Value], why: &str) {
        use std::io::Write;
        tracing::error!(
            function = %self.source.function,
            count = records.len(),
            why,
            file = %self.failures_file.display(),
            "stream records set aside (on-failure destination)"
        );
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.failures_file)
        {
            for r in records {
                // Keys and sequence number only: enough to re-drive, no personal data.
                let line = json!({"why": why, "keys": r["dynamodb"]["Keys"], "sequence_number": r["dynamodb"]["SequenceNumber"]});
                let _ = writeln!(file, "{line}");
            }
        }
    }
}
