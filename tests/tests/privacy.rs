//! Personal data at rest and in logs: after a full journey (with a record entry), no CNP, name
//! or entry text appears in clear in any DynamoDB item, S3 object key, or log line.

use cazier_e2e::*;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Everything the functions log, as the JSON lines CloudWatch would receive.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn all_items(stack: &TestStack) -> Vec<String> {
    stack.runtime.block_on(async {
        let dynamo = aws_sdk_dynamodb::Client::new(&stack.sdk);
        let mut out = Vec::new();
        use cazier_shared::config::vars;
        for table in [
            vars::ACCOUNTS_TABLE,
            vars::SESSIONS_TABLE,
            vars::REQUESTS_TABLE,
            vars::CERTIFICATES_TABLE,
            vars::RECORDS_TABLE,
            vars::AUDIT_TABLE,
        ] {
            let mut start = None;
            loop {
                let page = dynamo
                    .scan()
                    .table_name(stack.setting(table))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .expect("scan");
                for item in page.items() {
                    // Text attributes as they are, binary ones as (lossy) text: a value in
                    // clear would show in either.
                    let mut text = String::new();
                    for (k, v) in item {
                        text.push_str(k);
                        text.push('=');
                        match v {
                            aws_sdk_dynamodb::types::AttributeValue::B(b) => {
                                text.push_str(&String::from_utf8_lossy(b.as_ref()))
                            }
                            other => text.push_str(&format!("{other:?}")),
                        }
                        text.push('\n');
                    }
                    out.push(text);
                }
                match page.last_evaluated_key {
                    Some(k) if !k.is_empty() => start = Some(k),
                    _ => break,
                }
            }
        }
        out
    })
}

fn s3_keys(stack: &TestStack) -> Vec<String> {
    stack.runtime.block_on(async {
        let s3 = aws_sdk_s3::Client::new(&stack.sdk);
        let listed = s3
            .list_objects_v2()
            .bucket(stack.setting(cazier_shared::config::vars::DOCUMENTS_BUCKET))
            .send()
            .await
            .expect("list");
        listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    })
}

#[test]
fn no_personal_data_in_clear_in_tables_keys_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .with_env_filter("debug,aws=warn,aws_smithy_runtime=warn,hyper=warn,h2=warn,rustls=warn,ureq=warn,ureq_proto=warn")
        .init();

    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    // A record entry, added as ops would.
    stack.runtime.block_on(async {
        stack
            .records()
            .add(
                &cazier_shared::domain::RecordSubject::Person(
                    cazier_shared::domain::Cnp::parse(&citizen.cnp).unwrap(),
                ),
                &cazier_shared::domain::RecordEntry {
                    entry_id: "privacy-1".into(),
                    court: "Tribunalul Vâlcea".into(),
                    decision: "777/2020".into(),
                    decision_date: chrono::NaiveDate::from_ymd_opt(2020, 3, 3).unwrap(),
                    offence: "înșelăciune repetată".into(),
                    penalty: "închisoare cu suspendare".into(),
                    rehabilitated: false,
                },
            )
            .await
            .unwrap()
    });
    let operator = client.operator_token();
    let lookup = client.post(
        "/v1/operator/lookups",
        Some(&operator),
        json!({"counter_code": citizen.counter_code}),
    );
    assert_eq!(
        lookup.json()["cnp"],
        citizen.cnp.as_str(),
        "the clerk still sees the CNP"
    );
    let request = citizen.request_and_wait(&client, "STUDII");
    let number = request["certificate_number"]
        .as_str()
        .expect("issued")
        .to_owned();
    let verified = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": number, "cnp": citizen.cnp}),
    );
    assert_eq!(
        verified.json()["holder_name"],
        "Ștefănescu Ana-Maria",
        "verifiers still see the name"
    );
    let me = client.get("/v1/accounts/me", Some(&citizen.token)).json();
    assert_eq!(me["last_name"], "Ștefănescu");

    let secrets = [
        citizen.cnp.as_str(),
        "Ștefănescu",
        "Ana-Maria",
        "Câmpulung",
        "Tribunalul Vâlcea",
        "777/2020",
        "înșelăciune",
        "închisoare",
    ];
    let items = all_items(stack);
    assert!(
        items.iter().any(|i| i.contains(&citizen.account_id)),
        "the scan sees the citizen's items"
    );
    for item in &items {
        for secret in secrets {
            assert!(
                !item.contains(secret),
                "{secret:?} in clear in an item:\n{item}"
            );
        }
    }
    let keys = s3_keys(stack);
    assert!(
        keys.iter().any(|k| k.contains(&number)),
        "the document is stored: {keys:?}"
    );
    for key in &keys {
        for secret in secrets {
            assert!(!key.contains(secret), "{secret:?} in S3 key {key}");
        }
    }
    // The stack's own lines, and each function's log as its processes wrote it (what
    // CloudWatch would keep, at the template's level).
    let mut logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    for file in std::fs::read_dir(stack.state_dir.join("logs")).expect("function logs") {
        let file = file.expect("a log file").path();
        logged.push_str(&std::fs::read_to_string(&file).expect("readable log"));
    }
    assert!(logged.contains("certificate issued"), "logs were captured");
    assert!(logged.contains(&citizen.account_id), "logs carry ids");
    for secret in secrets {
        assert!(!logged.contains(secret), "{secret:?} in the logs");
    }
}
