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
    // The count must not cross the end of its fixed 15-minute window.
    clear_of_window_end(
        cazier_shared::services::accounts::LOGIN_WINDOW_SECS,
        std::time::Duration::from_secs(60),
    );
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

#[test]
fn a_share_code_opens_the_certificate_without_the_cnp_until_revoked() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let owner = Citizen::validated(&client);
    let request = owner.request_and_wait(&client, "VIZA");
    let number = request["certificate_number"].as_str().unwrap();
    let shares_path = format!("/v1/certificates/{number}/shares");

    let created = client.post(&shares_path, Some(&owner.token), json!({}));
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let created = created.json();
    let code = created["code"].as_str().unwrap().to_owned();
    let share_id = created["share_id"].as_str().unwrap().to_owned();

    let seen = client.post(
        "/v1/shared-certificate",
        None,
        json!({"code": code.to_lowercase(), "organisation": "Dunărea SA"}),
    );
    assert_eq!(seen.status, 200, "{}", String::from_utf8_lossy(&seen.body));
    let body = String::from_utf8_lossy(&seen.body).into_owned();
    assert!(!body.contains(&owner.cnp), "no CNP: {body}");
    let seen = seen.json();
    assert_eq!(seen["status"], "VALID");
    assert_eq!(seen["certificate_number"], number);
    let pdf = client.post("/v1/shared-certificate/pdf", None, json!({"code": code}));
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert_eq!(pdf.body, download_pdf(&client, &owner, number));

    let listed = client.get("/v1/shares", Some(&owner.token)).json();
    assert_eq!(listed[0]["share_id"], share_id.as_str());
    assert_eq!(listed[0]["status"], "ACTIVE");
    let checks = client
        .get(
            &format!("/v1/certificates/{number}/checks"),
            Some(&owner.token),
        )
        .json();
    assert!(
        checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| { c["channel"] == "SHARE_CODE" && c["organisation"] == "Dunărea SA" }),
        "{checks}"
    );

    // Someone else can neither make, nor revoke, the owner's codes.
    let other = Citizen::validated(&client);
    client
        .post(&shares_path, Some(&other.token), json!({}))
        .problem(404, "NOT_FOUND");
    let revoke_path = format!("/v1/shares/{share_id}");
    client
        .call("DELETE", &revoke_path, Some(&other.token), None)
        .problem(404, "NOT_FOUND");
    assert_eq!(client.post(&shares_path, None, json!({})).status, 401);
    client
        .post(
            &shares_path,
            Some(&owner.token),
            json!({"expires_on": "2020-01-01"}),
        )
        .problem(422, "IN_THE_PAST");

    // Revoked: at once, and it answers as a wrong code does.
    let wrong = client.post(
        "/v1/shared-certificate",
        None,
        json!({"code": "ABCD-EFGH-JKMNP"}),
    );
    wrong.problem(404, "NOT_FOUND");
    let revoked = client.call("DELETE", &revoke_path, Some(&owner.token), None);
    assert_eq!(revoked.status, 204);
    let after = client.post("/v1/shared-certificate", None, json!({"code": code}));
    after.problem(404, "NOT_FOUND");
    assert_eq!(
        after.body, wrong.body,
        "revoked and wrong codes answer alike"
    );
    let listed = client.get("/v1/shares", Some(&owner.token)).json();
    assert_eq!(listed[0]["status"], "REVOKED");
}
