//! `cazier-admin dev alarms`: the template's CloudWatch alarms, evaluated on the local stack's
//! logs as CloudWatch would evaluate them on the deployed stack's. The metrics come from where
//! CloudWatch takes them: the functions' embedded-metric-format lines (`.local/logs/*.log`),
//! API Gateway's access log (`HttpApi.log`: `Count`, `4xx`, `5xx`, `Latency`) and the stream's
//! on-failure queue on the local AWS (its visible messages, asked of SQS).

use crate::metric_math::evaluate;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value as Json};
use serde_yaml::Value;
use std::collections::HashMap;
use std::path::Path;

/// One data point: when, how much, with which dimensions.
struct Point {
    at_ms: i64,
    value: f64,
    dimensions: HashMap<String, String>,
}

/// Every metric the local logs yield, by (namespace kind, name): `custom` for the service's
/// own namespace, or the AWS namespace.
type Metrics = HashMap<(String, String), Vec<Point>>;

fn read_lines(path: &Path) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn collect(logs: &Path, now_ms: i64) -> Result<Metrics> {
    let mut metrics = Metrics::new();
    let files = std::fs::read_dir(logs).with_context(|| format!("reading {}", logs.display()))?;
    for file in files.flatten() {
        let path = file.path();
        if path.file_name().and_then(|n| n.to_str()) == Some("HttpApi.log") {
            for line in read_lines(&path) {
                let number = |k: &str| line[k].as_str().and_then(|v| v.parse::<f64>().ok());
                let (Some(at), Some(status)) = (number("time"), number("status")) else {
                    continue;
                };
                let at_ms = at as i64;
                let mut add = |name: &str, value: f64| {
                    metrics
                        .entry(("AWS/ApiGateway".into(), name.into()))
                        .or_default()
                        .push(Point {
                            at_ms,
                            value,
                            dimensions: HashMap::new(),
                        });
                };
                add("Count", 1.0);
                add("4xx", f64::from(u8::from((400.0..500.0).contains(&status))));
                add("5xx", f64::from(u8::from(status >= 500.0)));
                if let Some(latency) = number("responseLatencyMs") {
                    add("Latency", latency);
                }
            }
            continue;
        }
        for line in read_lines(&path) {
            let Some(at_ms) = line["_aws"]["Timestamp"].as_i64() else {
                continue;
            };
            let directives = line["_aws"]["CloudWatchMetrics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for directive in directives {
                let dimension_names: Vec<String> = directive["Dimensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|set| set.as_array().cloned().unwrap_or_default())
                    .filter_map(|d| d.as_str().map(str::to_owned))
                    .collect();
                let dimensions: HashMap<String, String> = dimension_names
                    .iter()
                    .filter_map(|d| Some((d.clone(), line[d].as_str()?.to_owned())))
                    .collect();
                for metric in directive["Metrics"].as_array().into_iter().flatten() {
                    let Some(name) = metric["Name"].as_str() else {
                        continue;
                    };
                    let values = match &line[name] {
                        Json::Array(values) => values.iter().filter_map(Json::as_f64).collect(),
                        value => value.as_f64().into_iter().collect::<Vec<_>>(),
                    };
                    for value in values {
                        metrics
                            .entry(("custom".into(), name.into()))
                            .or_default()
                            .push(Point {
                                at_ms,
                                value,
                                dimensions: dimensions.clone(),
                            });
                    }
                }
            }
        }
    }
    // The on-failure queue: its visible messages, as SQS counts them.
    let failed = match logs.parent() {
        Some(state) => failure_queue_depth(state)?,
        None => 0,
    };
    metrics
        .entry((
            "AWS/SQS".into(),
            "ApproximateNumberOfMessagesVisible".into(),
        ))
        .or_default()
        .push(Point {
            at_ms: now_ms,
            value: failed as f64,
            dimensions: HashMap::new(),
        });
    Ok(metrics)
}

/// `ApproximateNumberOfMessages` of the stack's on-failure queue (its URL and the local AWS
/// from `<state>/stack-outputs.json`); 0 when the stack names none.
fn failure_queue_depth(state: &Path) -> Result<usize> {
    use std::io::{Read, Write};
    let outputs: Vec<Json> = serde_json::from_str(
        &std::fs::read_to_string(state.join("stack-outputs.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    let output = |key: &str| {
        outputs
            .iter()
            .find(|o| o["OutputKey"] == key)
            .and_then(|o| o["OutputValue"].as_str())
            .map(str::to_owned)
    };
    let (Some(url), Some(endpoint)) = (
        output("GeneratorFailureQueueUrl"),
        output("LocalAwsEndpointUrl"),
    ) else {
        return Ok(0);
    };
    let region = output("LocalRegion").unwrap_or_else(|| "eu-central-1".into());
    let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let body =
        json!({"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]}).to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: AmazonSQS.GetQueueAttributes\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential=local/20260101/{region}/sqs/aws4_request, SignedHeaders=host, \
         Signature=local\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(address)
        .with_context(|| format!("connecting to the local AWS at {address}"))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let payload = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let attributes: Json = serde_json::from_str(payload.trim())
        .with_context(|| format!("the queue's attributes: {payload}"))?;
    attributes["Attributes"]["ApproximateNumberOfMessages"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow!("the queue's depth: {payload}"))
}

/// A string of the template, through `!Sub` / `!Ref` tags (their text).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Tagged(t) => text(&t.value),
        _ => None,
    }
}

/// A `Metric` + `Stat`/`Statistic` over the window ending now: `None` when no data point.
fn statistic(
    metrics: &Metrics,
    metric: &Value,
    stat: &str,
    period_s: u64,
    now_ms: i64,
) -> Result<Option<f64>> {
    let namespace = metric.get("Namespace").and_then(text).unwrap_or_default();
    let name = metric.get("MetricName").and_then(text).unwrap_or_default();
    let kind = if namespace.starts_with("AWS/") {
        namespace
    } else {
        "custom".into()
    };
    // Dimensions on the service's metrics must match; those on AWS's name the one API or
    // queue the local stack has.
    let wanted: Vec<(String, String)> = metric
        .get("Dimensions")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|d| Some((text(d.get("Name")?)?, text(d.get("Value")?)?)))
        .filter(|_| kind == "custom")
        .collect();
    let from = now_ms - (period_s as i64) * 1000;
    let values: Vec<f64> = metrics
        .get(&(kind, name))
        .into_iter()
        .flatten()
        .filter(|p| p.at_ms > from && p.at_ms <= now_ms)
        .filter(|p| wanted.iter().all(|(k, v)| p.dimensions.get(k) == Some(v)))
        .map(|p| p.value)
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    Ok(Some(match stat {
        "Sum" => values.iter().sum(),
        "Maximum" => values.iter().cloned().fold(f64::MIN, f64::max),
        "Minimum" => values.iter().cloned().fold(f64::MAX, f64::min),
        "Average" => values.iter().sum::<f64>() / values.len() as f64,
        "SampleCount" => values.len() as f64,
        other => bail!("statistic {other} is not evaluated locally"),
    }))
}

/// Each alarm of the template: its name, its state (`OK`, `ALARM`, `INSUFFICIENT_DATA`) and
/// the value it compared, at `now_ms`.
pub fn evaluate_all(template: &Path, logs: &Path, now_ms: i64) -> Result<Vec<Json>> {
    let root: Value = serde_yaml::from_str(
        &std::fs::read_to_string(template)
            .with_context(|| format!("reading {}", template.display()))?,
    )?;
    let metrics = collect(logs, now_ms)?;
    let mut states = Vec::new();
    let resources = root
        .get("Resources")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    for (id, resource) in resources {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        let id = id.as_str().unwrap_or_default().to_owned();
        let p = resource.get("Properties").cloned().unwrap_or(Value::Null);
        let number = |k: &str| p.get(k).and_then(Value::as_f64);
        let periods = number("EvaluationPeriods").unwrap_or(1.0) as u64;
        let value = if p.get("MetricName").is_some() {
            let stat = p
                .get("Statistic")
                .and_then(text)
                .unwrap_or_else(|| "Sum".into());
            let period = number("Period").unwrap_or(300.0) as u64 * periods;
            statistic(&metrics, &p, &stat, period, now_ms)?
        } else {
            let mut ids = HashMap::new();
            let mut result = None;
            let queries = p
                .get("Metrics")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default();
            for query in &queries {
                let query_id = query.get("Id").and_then(text).unwrap_or_default();
                if let Some(stat) = query.get("MetricStat") {
                    let period =
                        stat.get("Period").and_then(Value::as_u64).unwrap_or(300) * periods;
                    let name = stat
                        .get("Stat")
                        .and_then(text)
                        .unwrap_or_else(|| "Sum".into());
                    let metric = stat.get("Metric").cloned().unwrap_or(Value::Null);
                    // A metric with no data point is 0 in metric math (CloudWatch's FILL is not
                    // used; an empty Sum reads as missing, and then the expression's guard).
                    let v = statistic(&metrics, &metric, &name, period, now_ms)?.unwrap_or(0.0);
                    ids.insert(query_id, v);
                } else if let Some(expression) = query.get("Expression").and_then(text) {
                    let v = evaluate(&expression, &ids)
                        .with_context(|| format!("{id}: {expression}"))?;
                    ids.insert(query_id, v);
                    if query.get("ReturnData").and_then(Value::as_bool) == Some(true) {
                        result = Some(v);
                    }
                }
            }
            result
        };
        let threshold = number("Threshold").ok_or_else(|| anyhow!("{id} has no threshold"))?;
        let operator = p
            .get("ComparisonOperator")
            .and_then(text)
            .unwrap_or_default();
        let breaching = |v: f64| match operator.as_str() {
            "GreaterThanOrEqualToThreshold" => v >= threshold,
            "GreaterThanThreshold" => v > threshold,
            "LessThanThreshold" => v < threshold,
            "LessThanOrEqualToThreshold" => v <= threshold,
            _ => false,
        };
        let missing = p
            .get("TreatMissingData")
            .and_then(text)
            .unwrap_or_else(|| "missing".into());
        let state = match value {
            Some(v) if breaching(v) => "ALARM",
            Some(_) => "OK",
            None if missing == "breaching" => "ALARM",
            None if missing == "notBreaching" => "OK",
            None => "INSUFFICIENT_DATA",
        };
        states.push(json!({
            "alarm": id,
            "state": state,
            "value": value,
            "threshold": threshold,
            "comparison": operator,
        }));
    }
    states.sort_by(|a, b| a["alarm"].as_str().cmp(&b["alarm"].as_str()));
    Ok(states)
}
