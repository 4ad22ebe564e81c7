//! Faults survived: moto answers as AWS does when it throttles, fails inside, or drops a
//! connection (the fault injector in infra/local/moto_server.py), and the service either hides
//! the fault (the SDK's retries) or answers 503 with `Retry-After`; every accepted request is
//! then issued exactly once, under the number bound to it first.
//! Alone in its binary: the rules act on every call to moto, so the tests take turns.

use cazier_e2e::*;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    let guard = TURN.lock().unwrap_or_else(|e| e.into_inner());
    stack().moto.clear_faults();
    guard
}

/// Every rule's calls were used: the fault really happened.
fn assert_all_used() {
    let left = stack().moto.faults_left();
    let unused: Vec<&Value> = left
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["count"].as_u64() != Some(0))
        .collect();
    assert!(unused.is_empty(), "faults not reached: {unused:?}");
}

fn submit(client: &Client, citizen: &Citizen, purpose: &str) -> Reply {
    client.post(
        "/v1/certificate-requests",
        Some(&citizen.token),
        json!({"purpose": purpose}),
    )
}

/// Waits (up to a minute: the stream's retries back off) until the request is final.
fn wait_issued(client: &Client, citizen: &Citizen, request_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = client.get(
            &format!("/v1/certificate-requests/{request_id}"),
            Some(&citizen.token),
        );
        let body = r.json();
        if body["status"] != "PENDING" {
            assert_eq!(body["status"], "ISSUED", "{body}");
            return body;
        }
        assert!(Instant::now() < deadline, "still PENDING after 60 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The citizen's certificates: exactly one, with the request's number.
fn assert_one_certificate(client: &Client, citizen: &Citizen, request: &Value) {
    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    let numbers: Vec<&str> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["certificate_number"].as_str())
        .collect();
    assert_eq!(
        numbers,
        vec![request["certificate_number"].as_str().unwrap_or("?")],
        "one certificate, the request's"
    );
}

/// Submits, waits for the certificate, and checks that every fault was reached and that
/// exactly one certificate, the request's, came of it. Returns the issued request.
fn issued_despite_the_faults(client: &Client, citizen: &Citizen, purpose: &str) -> Value {
    let r = submit(client, citizen, purpose);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let request_id = r.json()["request_id"].as_str().unwrap_or("").to_owned();
    let issued = wait_issued(client, citizen, &request_id);
    assert_all_used();
    assert_one_certificate(client, citizen, &issued);
    issued
}

fn assert_unavailable(r: &Reply) {
    let p = r.problem(503, "SERVICE_UNAVAILABLE");
    let retry: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a 503 carries Retry-After in seconds");
    assert!((1..=60).contains(&retry));
    let text = p.to_string();
    for internal in [
        "dynamodb",
        "DynamoDB",
        "cazier-test",
        "Exception",
        "injected",
    ] {
        assert!(!text.contains(internal), "{internal} leaked: {text}");
    }
}

#[test]
fn dynamodb_throttling_is_retried_unseen_and_answers_503_when_it_persists() {
    let _turn = turn();
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::validated(&client);
    // Two throttled attempts: the SDK's third succeeds, the citizen sees nothing.
    stack()
        .moto
        .inject(json!([{"service": "dynamodb", "action": "GetItem",
        "error": "ProvisionedThroughputExceededException", "count": 2}]));
    let me = client.get("/v1/accounts/me", Some(&citizen.token));
    assert_eq!(me.status, 200, "{}", String::from_utf8_lossy(&me.body));
    assert_all_used();
    // Throttled beyond the three attempts: 503 with Retry-After, nothing written.
    stack()
        .moto
        .inject(json!([{"service": "dynamodb", "action": "GetItem",
        "error": "ProvisionedThroughputExceededException", "count": 3}]));
    assert_unavailable(&submit(&client, &citizen, "ANGAJARE"));
    assert_all_used();
    // The fault over, the same submission is accepted and issued once.
    issued_despite_the_faults(&client, &citizen, "ANGAJARE");
}

#[test]
fn a_transaction_conflict_is_tried_again_not_taken_for_a_refusal() {
    let _turn = turn();
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::validated(&client);
    // A keyed submission is the request and its key's guard in one transaction (without a
    // key, one conditional put). DynamoDB cancels it twice for a conflict with another
    // one: not a daily limit, not a duplicate; the third try goes through.
    stack().moto.inject(
        json!([{"service": "dynamodb", "action": "TransactWriteItems",
        "error": "TransactionCanceledException", "count": 2}]),
    );
    let r = client.submit_keyed(&citizen.token, "STUDII", "conflict-1");
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_all_used();
    let request_id = r.json()["request_id"].as_str().unwrap_or("").to_owned();
    let issued = wait_issued(&client, &citizen, &request_id);
    assert_one_certificate(&client, &citizen, &issued);
    // Conflicts that go on: 503, and the request was not recorded.
    stack().moto.inject(
        json!([{"service": "dynamodb", "action": "TransactWriteItems",
        "error": "TransactionCanceledException", "count": 3}]),
    );
    assert_unavailable(&client.submit_keyed(&citizen.token, "EMIGRARE", "conflict-2"));
    assert_all_used();
    // Nothing was recorded: the same purpose today is accepted, not refused as a repeat.
    let again = submit(&client, &citizen, "EMIGRARE");
    assert_eq!(
        again.status,
        202,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
}

#[test]
fn kms_throttling_and_internal_errors_delay_the_certificate_but_it_comes_once() {
    let _turn = turn();
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::validated(&client);
    // Six failed signatures: the generator's first two invocations fail (three attempts each),
    // the stream delivers the record again, the third signs.
    stack().moto.inject(json!([
        {"service": "kms", "action": "Sign", "error": "ThrottlingException", "count": 3},
        {"service": "kms", "action": "Sign", "error": "KMSInternalException", "count": 3}
    ]));
    issued_despite_the_faults(&client, &citizen, "VIZA");
}

#[test]
fn s3_slow_down_reset_connections_and_a_timeout_are_survived() {
    let _turn = turn();
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::validated(&client);
    // The PDF's upload is refused three times (SlowDown): the generator fails once and is
    // invoked again; its DynamoDB connection is also reset twice (retried by the SDK).
    stack().moto.inject(json!([
        {"service": "s3", "action": "PUT", "error": "SlowDown", "count": 3},
        {"service": "dynamodb", "action": "GetItem", "reset": true, "count": 2}
    ]));
    let issued = issued_despite_the_faults(&client, &citizen, "ADOPTIE");
    // S3 answers the download 6 s late, past the 5 s attempt bound: the SDK gives up on that
    // attempt and the next one is answered at once. The citizen gets the PDF.
    stack()
        .moto
        .inject(json!([{"service": "s3", "action": "GET", "delay_s": 6, "count": 1}]));
    let number = issued["certificate_number"].as_str().unwrap_or("");
    let started = Instant::now();
    let pdf = client.get(
        &format!("/v1/certificates/{number}/pdf"),
        Some(&citizen.token),
    );
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the slow attempt was waited for"
    );
    assert_all_used();
}

#[test]
fn a_generator_that_fails_after_signing_issues_the_bound_number_once() {
    let _turn = turn();
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::validated(&client);
    // The write that records the signed certificate fails on every attempt, after the PDF was
    // signed and stored: the invocation ends as a crash would, with the number bound to the
    // request but no certificate. Redelivered, the generator issues under that same number.
    stack()
        .moto
        .inject(json!([{"service": "dynamodb", "action": "PutItem",
        "contains": "document_sha256", "error": "InternalServerError", "count": 3}]));
    let issued = issued_despite_the_faults(&client, &citizen, "PORT_ARMA");
    // Verifiable under that number, and the stats count one issuance.
    let number = issued["certificate_number"].as_str().unwrap_or("");
    let v = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": number, "cnp": citizen.cnp}),
    );
    assert_eq!(v.status, 200, "{}", String::from_utf8_lossy(&v.body));
}

/// The certificate is recorded, then its audit events (not one transaction: docs/COST.md).
/// When the audit table fails after the certificate was written, the invocation fails; the
/// redelivery finds the certificate, seals nothing again, appends the events and ends the
/// request: one certificate, and its issue in the holder's history once.
#[test]
fn an_audit_write_that_fails_after_the_certificate_is_repaired_by_the_redelivery() {
    let _turn = turn();
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::validated(&client);
    stack()
        .moto
        .inject(json!([{"service": "dynamodb", "action": "PutItem",
        "contains": "\"ISSUED\"", "error": "InternalServerError", "count": 3}]));
    let issued = issued_despite_the_faults(&client, &citizen, "STUDII");
    let number = issued["certificate_number"].as_str().unwrap_or("?");
    let number = cazier_shared::domain::CertificateNumber::parse(number).expect("a number");
    let subject = cazier_shared::domain::AuditSubject::Certificate(number);
    let history = stack()
        .runtime
        .block_on(stack().audit().history(&subject))
        .expect("the certificate's history");
    let issues = history
        .iter()
        .filter(|e| e.event == cazier_shared::domain::AuditEventKind::Issued)
        .count();
    assert_eq!(issues, 1, "{history:?}");
}
