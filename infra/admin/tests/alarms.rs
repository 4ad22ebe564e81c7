//! The template's alarms tried on a local stack (issue 25, item 4): faults injected in moto
//! make the functions fail as they would on AWS, their logs carry what CloudWatch would read,
//! and `cazier-admin dev alarms` says which alarms would fire: every one that faults can
//! trigger (RootCrlExpiring comes from the daily job only).

use cazier_e2e::*;
use serde_json::{json, Value};
use std::process::Command;

fn alarms(stack: &TestStack) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cazier-admin"))
        .args(["dev", "alarms", "--json", "--template"])
        .arg(workspace_root().join("template.yaml"))
        .arg("--logs")
        .arg(stack.state_dir.join("logs"))
        .output()
        .expect("cazier-admin runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn state(states: &Value, alarm: &str) -> String {
    states
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["alarm"] == alarm)
        .unwrap_or_else(|| panic!("{alarm} in {states}"))["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn faults_in_dependencies_fire_the_alarms_ops_would_be_paged_by() {
    let stack = TestStack::start(&[]);
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let before = alarms(&stack);
    for alarm in [
        "GenerationFailuresAlarm",
        "Api5xxRateAlarm",
        "FailureQueueDepthAlarm",
    ] {
        assert_eq!(state(&before, alarm), "OK", "{alarm}: {before}");
    }

    // The seal key refusing six generations (an error the SDK does not retry, so each
    // generation fails at once): each is retried from the stream, counted in
    // GenerationFailures (five in five minutes page ops), and the certificate still issued.
    stack.moto.inject(json!([
        {"service": "kms", "action": "Sign", "error": "AccessDeniedException", "count": 6}
    ]));
    let issued = citizen.request_and_wait(&client, "STUDII");
    assert_eq!(issued["status"], "ISSUED", "{issued}");
    let after_kms = alarms(&stack);
    assert_eq!(
        state(&after_kms, "GenerationFailuresAlarm"),
        "ALARM",
        "{after_kms}"
    );

    // DynamoDB refusing ten reads (not retried): those requests answer 503, the rest 200;
    // over 1% of at least 20 requests is the 5xx alarm.
    stack
        .moto
        .inject(json!([{"service": "dynamodb", "action": "GetItem",
        "error": "AccessDeniedException", "count": 10}]));
    let statuses: Vec<u16> = (0..25)
        .map(|_| client.get("/v1/accounts/me", Some(&citizen.token)).status)
        .collect();
    assert!(
        statuses.contains(&503) && statuses.contains(&200),
        "{statuses:?}"
    );
    let after_dynamo = alarms(&stack);
    assert_eq!(
        state(&after_dynamo, "Api5xxRateAlarm"),
        "ALARM",
        "{after_dynamo}"
    );
    // Nothing was set aside: the queue's alarm stays quiet.
    assert_eq!(state(&after_dynamo, "FailureQueueDepthAlarm"), "OK");

    // The seal key failing past the stream's ten retries: the record is set aside (the
    // on-failure queue), and that queue's alarm fires; the sweep will issue it later.
    stack.moto.inject(json!([
        {"service": "kms", "action": "Sign", "error": "AccessDeniedException", "count": 11}
    ]));
    let submitted = client.post(
        "/v1/certificate-requests",
        Some(&citizen.token),
        json!({"purpose": "VIZA"}),
    );
    assert_eq!(
        submitted.status,
        202,
        "{}",
        String::from_utf8_lossy(&submitted.body)
    );
    // The batch's place in the stream reaches the on-failure queue (SQS, sent with the
    // generator's role, as Lambda sends it): where, never what.
    let url = stack.outputs["GeneratorFailureQueueUrl"].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let message = loop {
        let received = stack
            .runtime
            .block_on(cazier_local::sqs::call(
                &stack.moto.endpoint,
                "eu-central-1",
                "local",
                "ReceiveMessage",
                &json!({"QueueUrl": url, "VisibilityTimeout": 0}),
            ))
            .expect("the queue answers");
        if let Some(body) = received["Messages"][0]["Body"].as_str() {
            break serde_json::from_str::<Value>(body).expect("JSON");
        }
        assert!(std::time::Instant::now() < deadline, "no record set aside");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(
        message["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(message["DDBStreamBatchInfo"]["batchSize"], 1);
    assert!(message["DDBStreamBatchInfo"]["startSequenceNumber"].is_string());
    assert!(!message.to_string().contains(&citizen.cnp), "{message}");
    let after_retries = alarms(&stack);
    assert_eq!(
        state(&after_retries, "FailureQueueDepthAlarm"),
        "ALARM",
        "{after_retries}"
    );
}
