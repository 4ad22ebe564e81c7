//! The AWS calls of one citizen's journey, counted (not estimated) by moto's meter: the
//! figures docs/COST.md prices. Written to target/cost/journey.json and printed; the test
//! holds each step to its budget, so that a change that adds a KMS signature or a round trip
//! to every certificate fails here before it shows on the bill.
//! Alone in its binary: the meter counts every call to moto.

use cazier_e2e::meter::{cost, Index, StepCost};
use cazier_e2e::*;
use cazier_shared::testing::TestClock;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Each table's global secondary indexes, as moto describes the tables it was given.
fn indexes(stack: &TestStack) -> HashMap<String, Vec<Index>> {
    let client = aws_sdk_dynamodb::Client::new(&stack.sdk);
    stack
        .outputs
        .iter()
        .filter(|(k, _)| k.ends_with("TableName"))
        .map(|(_, table)| {
            let described = stack
                .runtime
                .block_on(client.describe_table().table_name(table).send())
                .expect("describe table");
            let indexes = described
                .table()
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default()
                .iter()
                .map(|gsi| Index {
                    keys: gsi
                        .key_schema()
                        .iter()
                        .map(|k| k.attribute_name().to_owned())
                        .collect(),
                    projects_all: gsi
                        .projection()
                        .and_then(|p| p.projection_type())
                        .is_some_and(|p| p.as_str() == "ALL"),
                })
                .collect();
            (table.clone(), indexes)
        })
        .collect()
}

/// Runs `step` with the meter on and returns what it cost, with the calls themselves.
fn metered(
    stack: &TestStack,
    indexes: &HashMap<String, Vec<Index>>,
    step: impl FnOnce(),
) -> StepCost {
    stack.moto.start_meter();
    step();
    let calls = stack.moto.metered_calls();
    let mut cost = cost(&calls, indexes);
    cost.calls = calls;
    cost
}

fn submit(client: &Client, token: &str, purpose: &str) -> String {
    let r = client.post(
        "/v1/certificate-requests",
        Some(token),
        json!({ "purpose": purpose }),
    );
    assert_eq!(r.status, 202);
    r.json()["request_id"].as_str().unwrap_or("").to_owned()
}

/// Waits until the meter has seen the generator's last call answered: the request marked ended
/// (its status set; its index entry stays, now meaning its notice is due).
fn wait_for_the_generator(stack: &TestStack) {
    for _ in 0..600 {
        let calls = stack.moto.metered_calls();
        let ended = calls.as_array().into_iter().flatten().any(|call| {
            call.get("response_bytes").is_some()
                && call["writes"].as_array().into_iter().flatten().any(|w| {
                    w["op"] == "Update"
                        && w["set"]
                            .as_array()
                            .is_some_and(|set| set.iter().any(|a| a == "status"))
                })
        });
        if ended {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the generator did not end the request in 30 s");
}

/// One citizen's journey, each step metered.
fn journey(
    stack: &TestStack,
    indexes: &HashMap<String, Vec<Index>>,
) -> BTreeMap<&'static str, StepCost> {
    let client = Client::new(&stack.base_url);
    let operator = client.operator_token();
    let (email, cnp) = (unique_email(), random_cnp());
    let mut steps: BTreeMap<&'static str, StepCost> = BTreeMap::new();
    let mut account_id = String::new();
    let mut counter = String::new();

    steps.insert(
        "1 register, and confirm the e-mailed code",
        metered(stack, indexes, || {
            let created = register_confirmed(&client, registration(&email, &cnp));
            account_id = created["account_id"].as_str().unwrap_or("").to_owned();
            counter = created["counter_code"].as_str().unwrap_or("").to_owned();
        }),
    );
    let mut token = String::new();
    steps.insert(
        "2 sign in",
        metered(stack, indexes, || {
            token = client.login(&email, CITIZEN_PASSWORD);
        }),
    );
    steps.insert(
        "3 look up and validate at a counter",
        metered(stack, indexes, || {
            let found = client.post(
                "/v1/operator/lookups",
                Some(&operator),
                json!({"counter_code": counter}),
            );
            assert_eq!(found.status, 200);
            let r = client.post(
                &format!("/v1/operator/accounts/{account_id}/validation"),
                Some(&operator),
                json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
            );
            assert_eq!(r.status, 200);
        }),
    );
    // The submission and the generator's work, up to its last call (the request marked ended):
    // waited for in the meter's list, so that the wait makes no call to moto.
    let mut request_id = String::new();
    steps.insert(
        "4 submit, and issue",
        metered(stack, indexes, || {
            request_id = submit(&client, &token, "ANGAJARE");
            wait_for_the_generator(stack);
        }),
    );
    steps.insert(
        "5 status seen issued (the e-mail is called off)",
        metered(stack, indexes, || {
            let r = client.get(
                &format!("/v1/certificate-requests/{request_id}"),
                Some(&token),
            );
            assert_eq!(r.status, 200);
            assert_eq!(r.json()["status"], "ISSUED");
        }),
    );
    steps.insert(
        "5b a further status check",
        metered(stack, indexes, || {
            let r = client.get(
                &format!("/v1/certificate-requests/{request_id}"),
                Some(&token),
            );
            assert_eq!(r.status, 200);
        }),
    );
    // A citizen who submitted and left: the sweep e-mails them (its work for one request).
    stack.moto.start_meter();
    let left = submit(&client, &token, "VIZA");
    wait_for_the_generator(stack);
    steps.insert(
        "8 e-mail a citizen who left (the sweep)",
        metered(stack, indexes, || {
            let later = TestClock::at(chrono::Utc::now() + chrono::Duration::minutes(10));
            let sweep = issuance_service(stack, later);
            let report = stack.runtime.block_on(sweep.sweep()).expect("sweep");
            assert_eq!(report.notices, 1, "{report:?}");
        }),
    );
    // The notices (the registration's code went to the same address before).
    let mails: Vec<String> = stack
        .mail
        .wait_for(&email, 2)
        .into_iter()
        .filter(|m| m.contains("/cereri/"))
        .collect();
    assert!(mails.len() == 1 && mails[0].contains(&left), "{mails:?}");
    let issued = wait_final(&client, &token, &request_id);
    let number = issued["certificate_number"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    steps.insert(
        "6 download the PDF",
        metered(stack, indexes, || {
            let pdf = client.get(&format!("/v1/certificates/{number}/pdf"), Some(&token));
            assert_eq!(pdf.status, 200);
        }),
    );
    steps.insert(
        "7 verify by number and CNP",
        metered(stack, indexes, || {
            let v = client.post(
                "/v1/verifications",
                None,
                json!({"certificate_number": number, "cnp": cnp}),
            );
            assert_eq!(v.status, 200);
        }),
    );

    steps
}

#[test]
fn one_certificate_journey_costs_what_docs_cost_says() {
    let stack = stack();
    let indexes = indexes(stack);
    // The first journey starts every function (their cold starts load keys and the seal's
    // chain); the second is what each further citizen costs.
    let cold = journey(stack, &indexes);
    let steps = journey(stack, &indexes);
    let cold_kms: u32 = cold.values().map(StepCost::kms_calls).sum();
    println!("cold starts included, KMS calls: {cold_kms}");

    let dir = workspace_root().join("target/cost");
    std::fs::create_dir_all(&dir).expect("target/cost");
    let report = serde_json::to_string_pretty(&steps).expect("json");
    std::fs::write(dir.join("journey.json"), &report).expect("journey.json");
    println!("step                        ddb calls   WRU    RRU   KMS  S3  largest item");
    for (name, c) in &steps {
        println!(
            "{name:<27} {:>9} {:>5} {:>6} {:>5} {:>3} {:>8} B   {:?} {:?}",
            c.dynamodb_calls,
            c.write_units,
            c.read_units,
            c.kms_calls(),
            c.s3_calls(),
            c.largest_item,
            c.kms,
            c.s3
        );
    }

    // Budgets: what a certificate may cost in calls (docs/COST.md prices these).
    let seen = &steps["5 status seen issued (the e-mail is called off)"];
    assert!(seen.write_units <= 2.0, "{} write units", seen.write_units);
    assert_eq!(steps["5b a further status check"].write_units, 0.0);
    let issue = &steps["4 submit, and issue"];
    assert_eq!(
        issue.kms.get("Sign"),
        Some(&2),
        "two seal signatures per certificate: the QR code's statement and the document"
    );
    assert_eq!(issue.kms_calls(), 2, "no other KMS call: {:?}", issue.kms);
    assert_eq!(issue.s3.get("PUT"), Some(&1), "one PDF stored");
    // 13 calls: the certificate and its two audit events are three plain puts, not one
    // transaction (half the units each).
    assert!(
        issue.dynamodb_calls <= 13,
        "{} DynamoDB calls",
        issue.dynamodb_calls
    );
    // 14: the status-list index's guard, written in the numbering transaction, is 2 of them.
    assert!(
        issue.write_units <= 14.0,
        "{} write units",
        issue.write_units
    );
    for (name, c) in &steps {
        assert!(
            c.largest_item < 4096,
            "{name}: an item of {} B",
            c.largest_item
        );
    }
}
