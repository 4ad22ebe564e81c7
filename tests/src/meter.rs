//! What one step of a journey costs in AWS calls, counted by moto's meter (infra/local/
//! moto_server.py, `_Meter`), in DynamoDB capacity units as on-demand tables bill them: a write
//! is one write unit per started KB of item (two in a transaction) plus one per index of the
//! table; a read is one read unit per started 4 KB (strongly consistent, as every read here is).
//! Item sizes are those of the request's JSON, a little larger than DynamoDB counts them.

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

/// `indexes`: each table's number of global secondary indexes (by table name).
pub fn cost(calls: &Value, indexes: &HashMap<String, u32>) -> StepCost {
    let mut c = StepCost::default();
    for call in calls.as_array().into_iter().flatten() {
        let action = call["action"].as_str().unwrap_or("").to_owned();
        match call["service"].as_str() {
            Some("dynamodb") => {
                c.dynamodb_calls += 1;
                let transactional = action.starts_with("Transact");
                let writes = call["writes"].as_array().cloned().unwrap_or_default();
                let gsi =
                    |t: &Value| f64::from(*indexes.get(t.as_str().unwrap_or("")).unwrap_or(&0));
                for w in &writes {
                    let bytes = w["bytes"].as_u64().unwrap_or(0) as usize;
                    c.largest_item = c.largest_item.max(bytes);
                    if w["op"] == "ConditionCheck" {
                        c.read_units += 2.0;
                        continue;
                    }
                    let kb = bytes.div_ceil(1024).max(1) as f64;
                    c.write_units += if transactional { 2.0 * kb } else { kb } + gsi(&w["table"]);
                }
                let response = call["response_bytes"].as_u64().unwrap_or(0) as usize;
                match action.as_str() {
                    "UpdateItem" | "DeleteItem" => c.write_units += 1.0 + gsi(&call["table"]),
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
