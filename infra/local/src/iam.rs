//! Each function's role, enforced by the local AWS on the calls its processes make: the
//! template's policies, resolved to the local resources' ARNs, handed to the enforcer in front
//! of moto (`infra/local/roles_enforced.py`) under the function's own access key. A grant
//! missing from the template is an `AccessDenied` locally, as after `sam deploy`.
//!
//! The roles are the template's `AWS::IAM::Role` resources as written: SAM's translator
//! leaves them unchanged (it expands policy templates, which this template does not use), and
//! `tests/tests/pilot.rs` checks through `infra/package/translated.py` that each function
//! CloudFormation will make has a role of the template's own.

use crate::template::{Resolver, Template};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value as Json};
use serde_yaml::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The access key a function's processes sign with (each function its own).
pub fn access_key(function: &str) -> String {
    format!("local-{function}")
}

/// A template value with every intrinsic function resolved, as JSON.
fn resolved(value: &Value, resolver: &Resolver<'_>) -> Result<Json> {
    Ok(match value {
        Value::Tagged(_) => json!(resolver.resolve(value)?),
        Value::Mapping(map) => {
            let mut object = Map::new();
            for (k, v) in map {
                let key = k
                    .as_str()
                    .ok_or_else(|| anyhow!("a key that is not text"))?;
                object.insert(key.to_owned(), resolved(v, resolver)?);
            }
            Json::Object(object)
        }
        Value::Sequence(items) => Json::Array(
            items
                .iter()
                .map(|v| resolved(v, resolver))
                .collect::<Result<_>>()?,
        ),
        Value::String(s) => json!(s),
        Value::Bool(b) => json!(b),
        Value::Number(n) => serde_json::to_value(n)?,
        Value::Null => Json::Null,
    })
}

/// Every statement of the role's inline policies, resolved.
pub fn statements(template: &Template, role: &str, resolver: &Resolver<'_>) -> Result<Vec<Json>> {
    let (_, properties) = template
        .resources_of("AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| id == role)
        .ok_or_else(|| anyhow!("no role {role} in the template"))?;
    if properties.get("ManagedPolicyArns").is_some() {
        bail!("{role}: managed policies are not enforced locally; write the grants inline");
    }
    let mut all = Vec::new();
    for policy in properties
        .get("Policies")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let document = policy
            .get("PolicyDocument")
            .ok_or_else(|| anyhow!("{role}: a policy without a document"))?;
        let document = resolved(document, resolver).with_context(|| format!("{role}'s policy"))?;
        match &document["Statement"] {
            Json::Array(statements) => all.extend(statements.iter().cloned()),
            statement @ Json::Object(_) => all.push(statement.clone()),
            _ => bail!("{role}: a policy without statements"),
        }
    }
    Ok(all)
}

/// Hands the roles (`{access key: {role, statements}}`) to the enforcer in front of moto.
pub async fn enforce(aws_endpoint: &str, roles: &Json) -> Result<()> {
    let address = aws_endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let body = roles.to_string();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .with_context(|| format!("connecting to {address}"))?;
    let request = format!(
        "POST /_cazier/roles HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    if !answer.starts_with("HTTP/1.1 200") && !answer.starts_with("HTTP/1.0 200") {
        bail!(
            "the local AWS did not take the roles (is it infra/local/moto_server.py?): {}",
            answer.lines().next().unwrap_or_default()
        );
    }
    Ok(())
}
