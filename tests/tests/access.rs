//! Who may see what: someone else's requests and certificates are 404, roles are 403, and
//! repeated failures are throttled.

use cazier_e2e::*;
use serde_json::json;

#[test]
fn citizens_see_only_their_own_requests_and_certificates() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let owner = Citizen::validated(&client);
    let other = Citizen::validated(&client);
    let request = owner.request_and_wait(&client, "ADOPTIE");
    let request_id = request["request_id"].as_str().unwrap();
    let number = request["certificate_number"].as_str().unwrap();

    let theirs = client.get(
        &format!("/v1/certificate-requests/{request_id}"),
        Some(&other.token),
    );
    let unknown = client.get(
        "/v1/certificate-requests/00000000-0000-0000-0000-000000000000",
        Some(&other.token),
    );
    theirs.problem(404, "NOT_FOUND");
    assert_eq!(
        theirs.body, unknown.body,
        "someone else's request is indistinguishable from none"
    );
    client
        .get(
            &format!("/v1/certificates/{number}/pdf"),
            Some(&other.token),
        )
        .problem(404, "NOT_FOUND");
    let list = client.get("/v1/certificates", Some(&other.token)).json();
    assert_eq!(list, json!([]));

    // Operators are not citizens: they cannot read or request certificates.
    let operator = client.operator_token();
    client
        .get(
            &format!("/v1/certificate-requests/{request_id}"),
            Some(&operator),
        )
        .problem(403, "FORBIDDEN_ROLE");
    client
        .get(&format!("/v1/certificates/{number}/pdf"), Some(&operator))
        .problem(403, "FORBIDDEN_ROLE");
    client
        .get("/v1/certificates", Some(&operator))
        .problem(403, "FORBIDDEN_ROLE");
    let me = client.get("/v1/accounts/me", Some(&operator)).json();
    assert_eq!(me["email"], OPERATOR_EMAIL);
    assert_eq!(me["cnp_masked"], serde_json::Value::Null);
    // An operator cannot validate their own account.
    let own = format!(
        "/v1/operator/accounts/{}/validation",
        me["account_id"].as_str().unwrap()
    );
    client
        .post(
            &own,
            Some(&operator),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        )
        .problem(403, "OWN_ACCOUNT");

    // The owner still has it.
    let pdf = client.get(
        &format!("/v1/certificates/{number}/pdf"),
        Some(&owner.token),
    );
    assert_eq!(pdf.status, 200);
}

#[test]
fn the_holder_sees_who_checked_and_nobody_else_does() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let owner = Citizen::validated(&client);
    let request = owner.request_and_wait(&client, "STUDII");
    let number = request["certificate_number"].as_str().unwrap();
    let checks_path = format!("/v1/certificates/{number}/checks");
    let none = client.get(&checks_path, Some(&owner.token));
    assert_eq!(none.status, 200);
    assert_eq!(none.header("cache-control"), Some("private, no-store"));
    assert_eq!(none.json()["checks"], json!([]));

    let verified = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": number, "cnp": owner.cnp}),
    );
    assert_eq!(verified.json()["result"], "VALID");
    let wrong = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": number, "cnp": random_cnp()}),
    );
    assert_eq!(wrong.json()["result"], "NOT_FOUND");
    let pdf = download_pdf(&client, &owner, number);
    assert_eq!(verify_document(&client, &pdf).json()["result"], "VALID");

    let seen = client.get(&checks_path, Some(&owner.token)).json();
    assert_eq!(seen["certificate_number"], number);
    let seen: Vec<(String, String)> = seen["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(c["at"].as_str().unwrap().ends_with('Z'), "{c}");
            (c["channel"].to_string(), c["result"].to_string())
        })
        .collect();
    let expected = [
        ("\"DOCUMENT\"", "\"VALID\""),
        ("\"NUMBER_AND_CNP\"", "\"NOT_FOUND\""),
        ("\"NUMBER_AND_CNP\"", "\"VALID\""),
    ];
    let mut sorted = seen.clone();
    sorted.sort();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    want.sort();
    // Within one second the order is the audit's; the set is what matters here.
    assert_eq!(sorted, want, "{seen:?}");

    let other = Citizen::validated(&client);
    let theirs = client.get(&checks_path, Some(&other.token));
    theirs.problem(404, "NOT_FOUND");
    client
        .get(&checks_path, Some(&client.operator_token()))
        .problem(403, "FORBIDDEN_ROLE");
    assert_eq!(client.get(&checks_path, None).status, 401);
}

#[test]
fn repeated_login_failures_are_throttled_per_email() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::register(&client);
    for _ in 0..5 {
        client
            .post(
                "/v1/sessions",
                None,
                json!({"email": citizen.email, "password": "wrong password!"}),
            )
            .problem(401, "INVALID_CREDENTIALS");
    }
    // Even the right password is refused while throttled: the guesser learns nothing.
    let throttled = client.post(
        "/v1/sessions",
        None,
        json!({"email": citizen.email, "password": CITIZEN_PASSWORD}),
    );
    throttled.problem(429, "TOO_MANY_REQUESTS");
    let retry: u64 = throttled
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry));
    // Another account is not affected.
    let other = Citizen::register(&client);
    assert!(!other.token.is_empty());
}

#[test]
fn verifications_are_throttled_per_client() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let body = json!({"certificate_number": "CJ-2026-00000001", "cnp": random_cnp()});
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(client.post("/v1/verifications", None, body.clone()).status);
    }
    assert!(statuses.iter().take(25).all(|s| *s == 200), "{statuses:?}");
    let limited = client.post("/v1/verifications", None, body);
    // Within one minute window 30 are allowed; if the window turned during the loop the count
    // restarted, so only insist on a 429 once more than 30 were sent in the current window.
    if limited.status == 429 {
        limited.problem(429, "TOO_MANY_REQUESTS");
        assert!(limited.header("retry-after").is_some());
    }
    assert!(
        statuses.contains(&429) || limited.status == 429,
        "41 verifications in a row were never throttled: {statuses:?}"
    );
}
