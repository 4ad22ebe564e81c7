//! Delivers DynamoDB stream records to stream-triggered functions, as Lambda's event source
//! mapping does: only the records the filter criteria match, in order per item, in batches
//! (up to `ParallelizationFactor` at once; a JSON
//! `{"Records": […]}` event); a batch whose invocation fails is split in two
//! (`BisectBatchOnFunctionError`), a reported item failure is retried from that record
//! (`ReportBatchItemFailures`), and after the retry limit the record is set aside: Lambda's
//! on-failure record (where in the stream, not what) sent to the mapping's SQS queue with the
//! function's role.

use crate::lambda::Invoke;
use crate::template::StreamSource;
use anyhow::{Context, Result};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
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
            "ApproximateCreationDateTime": change
                .and_then(|c| c.approximate_creation_date_time)
                .map(|t| t.secs()),
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
    pub function: Arc<dyn Invoke>,
    /// The mapping's on-failure destination; without one, Lambda drops what it sets aside.
    pub on_failure: Option<OnFailure>,
}

/// Where set-aside records are told, and as whom.
pub struct OnFailure {
    pub queue: crate::sqs::Queue,
    /// The function's own access key: its role must allow `sqs:SendMessage` on the queue.
    pub access_key: String,
    pub function_arn: String,
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
                self.deliver_in_parallel(shard_id, batch).await;
            }
            if !delivered {
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => return Ok(()),
                }
            }
        }
    }

    /// `ParallelizationFactor`: the batch split by item key into that many, delivered at
    /// once; records of one key stay in order, in one of them. (By the whole key: the
    /// partition key where, as for the requests table, there is no sort key.)
    async fn deliver_in_parallel(&self, shard_id: &str, batch: Vec<Value>) {
        use std::hash::{Hash, Hasher};
        let factor = self.source.parallelization.max(1);
        let mut groups: Vec<Vec<Value>> = vec![Vec::new(); factor];
        for record in batch {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            record["dynamodb"]["Keys"].to_string().hash(&mut hasher);
            groups[(hasher.finish() % factor as u64) as usize].push(record);
        }
        let deliveries = groups
            .into_iter()
            .filter(|g| !g.is_empty())
            .map(|g| self.deliver(shard_id, g));
        futures::future::join_all(deliveries).await;
    }

    async fn deliver(&self, shard_id: &str, batch: Vec<Value>) {
        let batch: Vec<Value> = batch
            .into_iter()
            .filter(|r| {
                self.source.filters.is_empty() || self.source.filters.iter().any(|f| matches(f, r))
            })
            .collect();
        // Batches still to deliver, with the attempts each has had.
        let mut pending: VecDeque<(Vec<Value>, u32)> = VecDeque::from([(batch, 0)]);
        while let Some((mut batch, attempts)) = pending.pop_front() {
            if batch.is_empty() {
                continue;
            }
            let failed_at = match self.function.invoke(&json!({ "Records": batch })).await {
                Ok(answer) => {
                    let first = answer["batchItemFailures"][0]["itemIdentifier"]
                        .as_str()
                        .map(str::to_owned);
                    match first.and_then(|id| {
                        batch.iter().position(|r| {
                            r["dynamodb"]["SequenceNumber"].as_str() == Some(id.as_str())
                        })
                    }) {
                        Some(index) => index,
                        None => continue,
                    }
                }
                Err(e) => {
                    tracing::warn!(function = %self.source.function, records = batch.len(), error = %e, "stream batch failed");
                    if self.source.bisect_on_error && batch.len() > 1 {
                        let second = batch.split_off(batch.len() / 2);
                        pending.push_front((second, attempts + 1));
                        pending.push_front((batch, attempts + 1));
                        continue;
                    }
                    0
                }
            };
            if attempts + 1 > self.source.max_retries {
                self.set_aside(shard_id, &batch[failed_at..=failed_at], attempts + 1)
                    .await;
                pending.push_front((batch.split_off(failed_at + 1), 0));
            } else {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempts + 1))).await;
                pending.push_front((batch.split_off(failed_at), attempts + 1));
            }
        }
    }

    /// Lambda's on-failure record for a DynamoDB stream: the batch's place in the stream
    /// (shard, first and last sequence numbers), never its content, sent to the queue.
    async fn set_aside(&self, shard_id: &str, records: &[Value], invocations: u32) {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return;
        };
        let arrival = |r: &Value| {
            r["dynamodb"]["ApproximateCreationDateTime"]
                .as_i64()
                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        };
        let Some(on_failure) = &self.on_failure else {
            tracing::error!(function = %self.source.function, count = records.len(), "stream records dropped after their retries (no on-failure destination)");
            return;
        };
        let message = json!({
            "requestContext": {
                "requestId": uuid::Uuid::new_v4().to_string(),
                "functionArn": on_failure.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": arrival(first),
                "approximateArrivalOfLastRecord": arrival(last),
                "batchSize": records.len(),
                "streamArn": self.stream_arn,
            },
        });
        match on_failure
            .queue
            .send(&on_failure.access_key, &message)
            .await
        {
            Ok(()) => tracing::error!(
                function = %self.source.function,
                count = records.len(),
                queue = %on_failure.queue.url,
                "stream records set aside to the on-failure queue"
            ),
            Err(e) => tracing::error!(
                function = %self.source.function,
                count = records.len(),
                error = %format!("{e:#}"),
                "stream records dropped: the on-failure queue refused them"
            ),
        }
    }
}

/// Whether a record matches a filter pattern of Lambda's event filtering: every key of the
/// pattern is in the record, an object recursing, a list naming the values allowed. (Only
/// exact values: the template's patterns use no `prefix`, `exists` or `numeric` rules, and
/// such a rule matches nothing here, so that a new one is seen failing rather than passing.)
fn matches(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .all(|(k, p)| record.get(k).is_some_and(|r| matches(p, r))),
        Value::Array(allowed) => allowed.iter().any(|a| !a.is_object() && a == record),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::matches;
    use serde_json::json;

    #[test]
    fn filter_patterns_match_as_lambda_does() {
        let pattern = json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["REQUEST"]}}}});
        let record = |event: &str, kind: &str| json!({"eventName": event, "dynamodb": {"NewImage": {"kind": {"S": kind}, "id": {"S": "x"}}}});
        assert!(matches(&pattern, &record("INSERT", "REQUEST")));
        assert!(!matches(&pattern, &record("MODIFY", "REQUEST")));
        assert!(!matches(&pattern, &record("INSERT", "CERTIFICATE")));
        assert!(!matches(
            &pattern,
            &json!({"eventName": "INSERT", "dynamodb": {}})
        ));
        assert!(!matches(
            &json!({"eventName": [{"prefix": "IN"}]}),
            &record("INSERT", "REQUEST")
        ));
    }
}
