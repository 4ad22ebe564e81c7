//! What the local stack runs, read from `template.yaml` by the same reader that starts it:
//! each function (its binary's package, variable names, timeout, memory, role), each role's
//! grants (actions and the resources they name), every route, stream mapping and schedule.
//! `infra/package/translated.py` holds this record against the template SAM's translator
//! makes for CloudFormation (`make package` after `sam build`, and `tests/tests/pilot.rs`):
//! one source of truth, read two ways, must give the same deployment.

use crate::template::Template;
use anyhow::{Context, Result};
use serde_json::{json, Map, Value as Json};
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The record (JSON) of what a stack started from `template` runs; `sources` is where the
/// template's `CodeUri`s are.
pub fn record(template: &Template, sources: &Path) -> Result<Json> {
    let mut functions = Map::new();
    let mut roles = Map::new();
    for function in template.functions() {
        let package = crate::lambda::package_of(sources, &function.code_uri)?;
        if let Some(role) = &function.role {
            roles.insert(role.clone(), grants(template, role)?);
        }
        functions.insert(
            function.logical_id.clone(),
            json!({
                "package": package,
                "environment": function.environment.keys().collect::<Vec<_>>(),
                "timeout": function.timeout_secs,
                "memory": function.memory_mb,
                "role": function.role,
            }),
        );
    }
    let routes: Map<String, Json> = template
        .routes()
        .into_iter()
        .map(|r| (r.key(), json!(r.function)))
        .collect();
    let streams: Vec<Json> = template
        .stream_sources()
        .into_iter()
        .map(|s| {
            json!({
                "function": s.function,
                "table": s.table,
                "batch_size": s.batch_size,
                "max_retries": s.max_retries,
                "bisect_on_error": s.bisect_on_error,
                "parallelization": s.parallelization,
                "filters": s.filters,
                "on_failure": s.on_failure,
            })
        })
        .collect();
    let schedules: Vec<Json> = template
        .schedules()
        .into_iter()
        .map(|s| json!({"function": s.function, "period_secs": s.period.as_secs(), "input": s.input}))
        .collect();
    Ok(json!({
        "functions": functions,
        "roles": roles,
        "routes": routes,
        "streams": streams,
        "schedules": schedules,
    }))
}

/// Writes the record to `path`.
pub fn write(template: &Template, sources: &Path, path: &Path) -> Result<()> {
    let record = record(template, sources)?;
    std::fs::write(path, serde_json::to_string_pretty(&record)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Each statement of the role's inline policies: its effect, actions, and the logical ids
/// (resources and parameters) its `Resource` names.
fn grants(template: &Template, role: &str) -> Result<Json> {
    let mut statements = Vec::new();
    for statement in template.role_statements(role)? {
        let strings = |key: &str| -> BTreeSet<String> {
            match statement.get(key) {
                Some(Value::String(s)) => BTreeSet::from([s.clone()]),
                // Only the literal ones (`*`): a tagged item is a `!Sub` or `!GetAtt`.
                Some(Value::Sequence(items)) => items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => BTreeSet::new(),
            }
        };
        let mut named = BTreeSet::new();
        if let Some(resource) = statement.get("Resource") {
            names(resource, &mut named);
        }
        statements.push(json!({
            "effect": statement.get("Effect").and_then(Value::as_str),
            "actions": strings("Action"),
            "resources": named,
            "literal_resources": strings("Resource"),
        }));
    }
    Ok(Json::Array(statements))
}

/// The logical ids a value names through `!Ref`, `!GetAtt` and `!Sub`'s `${…}`
/// (pseudo-parameters such as `AWS::Region` left out).
fn names(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Tagged(t) if t.tag == "Ref" => {
            if let Some(id) = t.value.as_str() {
                into.insert(id.to_owned());
            }
        }
        Value::Tagged(t) if t.tag == "GetAtt" => {
            if let Some(id) = t.value.as_str().and_then(|p| p.split('.').next()) {
                into.insert(id.to_owned());
            }
        }
        Value::Tagged(t) if t.tag == "Sub" && t.value.is_string() => {
            let mut rest = t.value.as_str().unwrap_or_default();
            while let Some((_, after)) = rest.split_once("${") {
                let Some((name, tail)) = after.split_once('}') else {
                    break;
                };
                into.insert(name.split('.').next().unwrap_or_default().to_owned());
                rest = tail;
            }
        }
        Value::Tagged(t) => names(&t.value, into),
        Value::Sequence(items) => items.iter().for_each(|i| names(i, into)),
        Value::Mapping(map) => map.values().for_each(|v| names(v, into)),
        _ => {}
    }
    into.retain(|id| !id.starts_with("AWS::"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_names_what_each_grant_reaches() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let template = Template::load(&root.join("template.yaml")).unwrap();
        let record = record(&template, &root).unwrap();
        let verification = &record["functions"]["VerificationFunction"];
        assert_eq!(verification["package"], "cazier-verification");
        assert_eq!(verification["role"], "VerificationRole");
        let grants = record["roles"]["VerificationRole"].as_array().unwrap();
        assert!(grants.iter().any(|g| {
            g["actions"] == json!(["dynamodb:GetItem"])
                && g["resources"] == json!(["CertificatesTable"])
        }));
        assert_eq!(
            record["routes"]["POST /v1/verifications"],
            "VerificationFunction"
        );
        assert_eq!(record["streams"][0]["table"], "RequestsTable");
    }
}
