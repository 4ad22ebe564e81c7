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
    template
        .role_statements(role)?
        .iter()
        .map(|statement| resolved(statement, resolver).with_context(|| format!("{role}'s policy")))
        .collect()
}

/// Hands the roles (`{access key: {role, statements}}`) to the enforcer in front of moto.
pub async fn enforce(aws_endpoint: &str, roles: &Json) -> Result<()> {
    let (status, answer) = crate::sqs::post(
        aws_endpoint,
        "/_cazier/roles",
        &[("Content-Type", "application/json")],
        &roles.to_string(),
    )
    .await?;
    if status != 200 {
        bail!(
            "the local AWS did not take the roles (is it infra/local/moto_server.py?): {status} {}",
            answer.lines().next().unwrap_or_default()
        );
    }
    Ok(())
}
