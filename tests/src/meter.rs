//! What one step of a journey costs in AWS calls, counted by moto's meter (infra/local/
//! moto_server.py, `_Meter`), in DynamoDB capacity units as on-demand tables bill them: a write
//! is one write unit per started KB of item (two in a transaction) plus its index writes (see
//! [`index_writes`]); a read is one read unit per started 4 KB (strongly consistent, as every
//! read here is). Item sizes are those of the request's JSON, a little larger than DynamoDB
//! counts them.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default, Clone, Serialize)]
pub struct StepCost {
    pub dynamodb_calls: u32,
    pub write_units: f64,
    pub read_units: f64,
    /// KMS calls by operation (Sign, Decrypt, GenerateMac, …).
    pub kms: BTreeMap<String, u32>,
    /// S3 calls by HTTP method (PUT, GET, …).
    pub s3: BTreeMap<String, u32>,
    /// The largest item written, in bytes.
    pub largest_item: usize,
    /// The calls as the meter saw them.
    pub calls: Value,
}

impl StepCost {
    pub fn kms_calls(&self) -> u32 {
        self.kms.values().sum()
    }

    pub fn s3_calls(&self) -> u32 {
        self.s3.values().sum()
    }
}

/// A global secondary index as the meter needs it.
#[derive(Debug, Clone)]
pub struct Index {
    /// Its key attributes (partition, then sort).
    pub keys: Vec<String>,
    /// Whether every attribute is projected (else only keys, as all ours but one).
    pub projects_all: bool,
}

/// The index writes one table write costs, as DynamoDB bills them: a put writes each index
/// whose key attributes the item has; an update writes an index when it sets one of its key
/// attributes (two: the old entry deleted and the new one put, an upper bound when the item
/// was not in the index yet), removes one (one), or changes any attribute of an item in an
/// index projecting all of them (one, assuming the item is in it); a delete writes every index
/// (an upper bound).
pub fn index_writes(write: &Value, indexes: &[Index]) -> f64 {
    let names = |field: &str| -> Vec<String> {
        write[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let writes: u32 = match write["op"].as_str() {
        Some("Put") => {
            let present = names("attributes");
            indexes
                .iter()
                .filter(|i| i.keys.iter().all(|k| present.contains(k)))
                .count() as u32
        }
        Some("Update") => {
            let (set, removed) = (names("set"), names("removed"));
            indexes
                .iter()
                .map(|i| {
                    let changes = !(set.is_empty() && removed.is_empty());
                    if i.keys.iter().any(|k| set.contains(k)) {
                        2
                    } else if i.keys.iter().any(|k| removed.contains(k))
                        || (i.projects_all && changes)
                    {
                        1
                    } else {
                        0
                    }
                })
                .sum()
        }
        Some("Delete") => indexes.len() as u32,
        _ => 0,
    };
    f64::from(writes)
}

/// `indexes`: each table's global secondary indexes (by table name).
pub fn cost(calls: &Value, indexes: &HashMap<String, Vec<Index>>) -> StepCost {
    let mut c = StepCost::default();
    for call in calls.as_array().into_iter().flatten() {
        let action = call["action"].as_str().unwrap_or("").to_owned();
        match call["service"].as_str() {
            Some("dynamodb") => {
                c.dynamodb_calls += 1;
                let transactional = action.starts_with("Transact");
                let writes = call["writes"].as_array().cloned().unwrap_or_default();
                let of_table = |t: &Value| -> &[Index] {
                    indexes
                        .get(t.as_str().unwrap_or(""))
                        .map_or(&[], Vec::as_slice)
                };
                for w in &writes {
                    let bytes = w["bytes"].as_u64().unwrap_or(0) as usize;
                    c.largest_item = c.largest_item.max(bytes);
                    if w["op"] == "ConditionCheck" {
                        c.read_units += 2.0;
                        continue;
                    }
                    let kb = bytes.div_ceil(1024).max(1) as f64;
                    c.write_units += if transactional { 2.0 * kb } else { kb }
                        + index_writes(w, of_table(&w["table"]));
                }
                let response = call["response_bytes"].as_u64().unwrap_or(0) as usize;
                match action.as_str() {
                    "GetItem" | "Query" | "Scan" => {
                        c.read_units += response.div_ceil(4096).max(1) as f64
                    }
                    _ => {}
                }
            }
            Some("kms") => *c.kms.entry(action).or_default() += 1,
            Some("s3") => *c.s3.entry(action).or_default() += 1,
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn index(keys: &[&str], projects_all: bool) -> Index {
        Index {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            projects_all,
        }
    }

    #[test]
    fn index_writes_follow_what_the_write_touches() {
        let pending = [index(&["pending", "created_at"], false)];
        let put = |attrs: &[&str]| json!({"op": "Put", "attributes": attrs});
        assert_eq!(
            index_writes(&put(&["pk", "pending", "created_at"]), &pending),
            1.0
        );
        assert_eq!(
            index_writes(&put(&["pk", "created_at"]), &pending),
            0.0,
            "sparse"
        );
        let update = |set: &[&str], removed: &[&str]| json!({"op": "Update", "set": set, "removed": removed});
        assert_eq!(
            index_writes(&update(&["pending"], &[]), &pending),
            2.0,
            "moved"
        );
        assert_eq!(
            index_writes(&update(&[], &["pending"]), &pending),
            1.0,
            "left"
        );
        assert_eq!(
            index_writes(&update(&["status"], &[]), &pending),
            0.0,
            "keys only"
        );
        let all = [index(&["account_id", "issued_at"], true)];
        assert_eq!(
            index_writes(&update(&["revoked_at"], &[]), &all),
            1.0,
            "projected"
        );
        assert_eq!(index_writes(&json!({"op": "Delete"}), &all), 1.0);
    }
}
