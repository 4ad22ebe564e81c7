//! The on-failure queue on the local AWS: SQS's JSON protocol, spoken over one HTTP request
//! per call ([`post`], also how the roles reach the enforcer) (the local stack has no SQS client: three calls do not justify the SDK's build).
//! Calls are signed in name only, as moto reads them: the access key (the enforcer checks its
//! role) and the credential scope (which service).

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The queue a stream mapping's records go to after their retries, and who sends them: Lambda
/// sends with the function's own role (`sqs:SendMessage` on the queue).
#[derive(Debug, Clone)]
pub struct Queue {
    pub endpoint: String,
    pub region: String,
    pub url: String,
}

/// One call (`AmazonSQS.<operation>`), its JSON answer.
pub async fn call(
    endpoint: &str,
    region: &str,
    access_key: &str,
    operation: &str,
    body: &Value,
) -> Result<Value> {
    let day = chrono::Utc::now().format("%Y%m%d");
    let target = format!("AmazonSQS.{operation}");
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/{day}/{region}/sqs/aws4_request, \
         SignedHeaders=host;x-amz-target, Signature=local"
    );
    let (status, payload) = post(
        endpoint,
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", &target),
            ("Authorization", &authorization),
        ],
        &body.to_string(),
    )
    .await?;
    if !(200..300).contains(&status) {
        bail!("SQS {operation}: {status} {payload}");
    }
    Ok(serde_json::from_str(&payload).unwrap_or(Value::Null))
}

/// One HTTP/1.1 POST to the local AWS (moto, or the enforcer in front of it): its status
/// and body. Also how the roles reach the enforcer (`iam.rs`).
pub(crate) async fn post(
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String)> {
    let address = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut request = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .with_context(|| format!("connecting to {address}"))?;
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, payload) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("{address}{path}: no answer"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let payload = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(payload)
    } else {
        payload.to_owned()
    };
    Ok((status, payload))
}

/// A chunked body's data.
fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

impl Queue {
    /// Creates the queue `name` (the operator's key: provisioning), its URL.
    pub async fn create(endpoint: &str, region: &str, name: &str) -> Result<Self> {
        let answer = call(
            endpoint,
            region,
            "local",
            "CreateQueue",
            &json!({"QueueName": name}),
        )
        .await?;
        let url = answer["QueueUrl"]
            .as_str()
            .ok_or_else(|| anyhow!("CreateQueue {name}: no QueueUrl"))?
            .to_owned();
        Ok(Self {
            endpoint: endpoint.to_owned(),
            region: region.to_owned(),
            url,
        })
    }

    /// Sends `message` with `access_key` (a function's: its role decides).
    pub async fn send(&self, access_key: &str, message: &Value) -> Result<()> {
        call(
            &self.endpoint,
            &self.region,
            access_key,
            "SendMessage",
            &json!({"QueueUrl": self.url, "MessageBody": message.to_string()}),
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunked_bodies_are_read_whole() {
        assert_eq!(
            super::unchunk("5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n"),
            "{\"a\": 1}"
        );
    }
}
