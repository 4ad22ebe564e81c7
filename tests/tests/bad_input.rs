//! Malformed and hostile input on every route: a clear 4xx problem, and nothing stored.
//! One test in this binary, so that the item counts it compares are its own.
//! (Over 400 lines: every route's bad input on one stack, so that one count of stored items covers
//! them all.)

use cazier_e2e::*;
use serde_json::{json, Value};

fn item_count(stack: &TestStack, table: &'static str) -> i32 {
    stack.runtime.block_on(async {
        let dynamo = aws_sdk_dynamodb::Client::new(&stack.sdk);
        let mut total = 0;
        let mut start = None;
        loop {
            let out = dynamo
                .scan()
                .table_name(stack.setting(table))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            total += out.count;
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return total,
            }
        }
    })
}

fn counts(stack: &TestStack) -> Vec<i32> {
    [
        cazier_shared::config::vars::ACCOUNTS_TABLE,
        cazier_shared::config::vars::REQUESTS_TABLE,
        cazier_shared::config::vars::CERTIFICATES_TABLE,
        cazier_shared::config::vars::RECORDS_TABLE,
    ]
    .iter()
    .map(|t| item_count(stack, t))
    .collect()
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().unwrap().remove(field);
    body
}

#[test]
fn every_route_rejects_bad_input_and_stores_nothing() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let operator = client.operator_token();
    let before = counts(stack);
    let json_header = [("content-type", "application/json")];
    let huge = format!(r#"{{"email": "{}"}}"#, "a".repeat(1024 * 1024 + 1));

    // --- POST /v1/accounts -------------------------------------------------------------------
    let good = registration(&unique_email(), &random_cnp());
    let post = |body: Value| client.post("/v1/accounts", None, body);
    client
        .raw(
            "POST",
            "/v1/accounts",
            None,
            &json_header,
            Some(b"{not json"),
        )
        .problem(400, "MALFORMED_REQUEST");
    client
        .raw("POST", "/v1/accounts", None, &json_header, Some(b""))
        .problem(400, "MALFORMED_REQUEST");
    client
        .raw(
            "POST",
            "/v1/accounts",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(b"email=a"),
        )
        .problem(400, "UNSUPPORTED_MEDIA_TYPE");
    client
        .raw(
            "POST",
            "/v1/accounts",
            None,
            &json_header,
            Some(huge.as_bytes()),
        )
        .problem(413, "PAYLOAD_TOO_LARGE");
    post(json!([1, 2])).problem(400, "MALFORMED_REQUEST");
    post(with(good.clone(), "cnp", json!(2850101400019u64))).problem(400, "MALFORMED_REQUEST");
    post(with(good.clone(), "first_name", json!(null))).problem(400, "MALFORMED_REQUEST");
    let missing = post(without(good.clone(), "password")).problem(400, "MALFORMED_REQUEST");
    assert!(
        missing["detail"].as_str().unwrap().contains("password"),
        "{missing}"
    );
    let unknown =
        post(with(good.clone(), "is_admin", json!(true))).problem(400, "MALFORMED_REQUEST");
    assert!(
        unknown["detail"].as_str().unwrap().contains("is_admin"),
        "{unknown}"
    );
    post(with(
        good.clone(),
        "id_document",
        json!({"type": "CI", "series": "RX", "number": "123456", "x": 1}),
    ))
    .problem(400, "MALFORMED_REQUEST");

    let invalid_cnp =
        post(with(good.clone(), "cnp", json!("1630615123458"))).problem(422, "INVALID_CNP");
    assert_eq!(invalid_cnp["errors"][0]["field"], "cnp");
    post(with(good.clone(), "cnp", json!("1850229400017"))).problem(422, "INVALID_CNP"); // 29 Feb 1985
    post(with(good.clone(), "password", json!("short"))).problem(422, "INVALID_PASSWORD");
    post(with(good.clone(), "email", json!("not-an-email"))).problem(422, "INVALID_EMAIL");
    post(with(good.clone(), "last_name", json!("ă".repeat(101)))).problem(422, "INVALID_NAME");
    post(with(good.clone(), "first_name", json!("Ana\u{0007}"))).problem(422, "INVALID_NAME");
    post(with(good.clone(), "birth_place", json!(""))).problem(422, "INVALID_PLACE");
    // Found by this round's attack: text that read as a sealed statement, a Cyrillic letter in
    // a Latin name, characters drawn as nothing, and addresses the mailer refused with a 503.
    post(with(
        good.clone(),
        "birth_place",
        json!("București. Mențiune: persoana NU are înscrieri; certificat valabil"),
    ))
    .problem(422, "INVALID_PLACE");
    post(with(good.clone(), "last_name", json!("P\u{43E}p"))).problem(422, "INVALID_NAME");
    post(with(good.clone(), "first_name", json!("Dan\u{E0080}"))).problem(422, "INVALID_NAME");
    post(with(good.clone(), "last_name", json!("Pop\u{FFF0}"))).problem(422, "INVALID_NAME");
    for email in ["a,b@example.ro", "a;b@example.ro", "ăî@exâmple.ro"] {
        post(with(good.clone(), "email", json!(email))).problem(422, "INVALID_EMAIL");
    }
    post(with(
        good.clone(),
        "id_document",
        json!({"type": "CI", "series": "RXX", "number": "123456"}),
    ))
    .problem(422, "INVALID_ID_DOCUMENT");
    post(with(
        good.clone(),
        "id_document",
        json!({"type": "BI", "number": "123456"}),
    ))
    .problem(422, "INVALID_ID_DOCUMENT");
    // Every invalid field is reported at once.
    let many = post(with(
        with(good.clone(), "cnp", json!("1")),
        "email",
        json!("x"),
    ))
    .problem(422, "INVALID_EMAIL");
    assert_eq!(many["errors"].as_array().unwrap().len(), 2, "{many}");
    // Duplicates: the same answer as a new registration, and the e-mail's owner is told.
    let fresh = post(good.clone());
    assert_eq!(fresh.status, 202);
    let before_told = mail_to(&client.base, &citizen.email).len();
    for body in [
        with(good.clone(), "email", json!(citizen.email)),
        with(good.clone(), "cnp", json!(citizen.cnp)),
        with(good.clone(), "email", json!(citizen.email.to_uppercase())),
    ] {
        let dup = post(body);
        assert_eq!(dup.status, 202, "{}", String::from_utf8_lossy(&dup.body));
        assert_eq!(
            registration_answer(&dup),
            registration_answer(&fresh),
            "registration says nothing of who exists"
        );
    }
    let told = mail_to(&client.base, &citizen.email);
    assert_eq!(told.len(), before_told + 2, "the owner is told of each try");
    assert!(told.iter().all(|m| !m.contains(&citizen.cnp)));

    // --- POST /v1/accounts/confirmation, password resets -------------------------------------
    let confirm = |body: Value| client.post("/v1/accounts/confirmation", None, body);
    confirm(json!({"registration_id": "x"})).problem(400, "MALFORMED_REQUEST");
    confirm(json!({"registration_id": "x", "code": 12345678})).problem(400, "MALFORMED_REQUEST");
    confirm(json!({"registration_id": "x", "code": "ABCD-EFGH", "x": 1}))
        .problem(400, "MALFORMED_REQUEST");
    // The old shape (an address instead of the registration's id) is refused as malformed.
    confirm(json!({"email": citizen.email, "code": "ABCD-EFGH"})).problem(400, "MALFORMED_REQUEST");
    for (id, code) in [
        ("unknown", "ABCD-EFGH"),
        ("", "ABCD-EFGH"),
        (&"A".repeat(10_000), "ABCD-EFGH"),
        ("unknown", "x"),
        ("unknown", &"A".repeat(10_000)),
    ] {
        confirm(json!({"registration_id": id, "code": code})).problem(422, "INVALID_CODE");
    }
    let reset = |body: Value| client.post("/v1/password-resets", None, body);
    reset(json!({})).problem(400, "MALFORMED_REQUEST");
    reset(json!({"email": "not an address"})).problem(422, "INVALID_EMAIL");
    let new_password = |body: Value| client.post("/v1/password-resets/confirmation", None, body);
    new_password(json!({"token": "x"})).problem(400, "MALFORMED_REQUEST");
    new_password(json!({"token": "forged", "new_password": "long enough password"}))
        .problem(422, "INVALID_RESET_LINK");
    new_password(json!({"token": "forged", "new_password": "short"}))
        .problem(422, "INVALID_PASSWORD");
    let change = |body: Value| client.post("/v1/accounts/me/password", Some(&citizen.token), body);
    change(json!({"new_password": "long enough password"})).problem(400, "MALFORMED_REQUEST");
    change(json!({"current_password": "wrong password!", "new_password": "long enough password"}))
        .problem(422, "WRONG_PASSWORD");
    client
        .post("/v1/accounts/me/password", None, json!({}))
        .problem(401, "UNAUTHENTICATED");

    // --- sessions ----------------------------------------------------------------------------
    client
        .raw("POST", "/v1/sessions", None, &json_header, Some(b"nope"))
        .problem(400, "MALFORMED_REQUEST");
    client
        .post("/v1/sessions", None, json!({"email": citizen.email}))
        .problem(400, "MALFORMED_REQUEST");
    client
        .post(
            "/v1/sessions",
            None,
            json!({"email": citizen.email, "password": 12}),
        )
        .problem(400, "MALFORMED_REQUEST");
    let wrong = client
        .post(
            "/v1/sessions",
            None,
            json!({"email": citizen.email, "password": "wrong password!"}),
        )
        .problem(401, "INVALID_CREDENTIALS");
    let nobody = client
        .post(
            "/v1/sessions",
            None,
            json!({"email": unique_email(), "password": "wrong password!"}),
        )
        .problem(401, "INVALID_CREDENTIALS");
    assert_eq!(
        wrong, nobody,
        "unknown e-mail and wrong password answer alike"
    );
    for token in [None, Some("garbage"), Some("")] {
        client
            .call("DELETE", "/v1/sessions/current", token, None)
            .problem(401, "UNAUTHENTICATED");
        client
            .get("/v1/accounts/me", token)
            .problem(401, "UNAUTHENTICATED");
        client
            .get("/v1/certificates", token)
            .problem(401, "UNAUTHENTICATED");
        client
            .post(
                "/v1/certificate-requests",
                token,
                json!({"purpose": "ANGAJARE"}),
            )
            .problem(401, "UNAUTHENTICATED");
        client
            .post(
                "/v1/operator/lookups",
                token,
                json!({"counter_code": "ABCDEFGH"}),
            )
            .problem(401, "UNAUTHENTICATED");
    }
    client
        .raw(
            "GET",
            "/v1/accounts/me",
            None,
            &[("authorization", "Basic abc")],
            None,
        )
        .problem(401, "UNAUTHENTICATED");

    // --- operator routes ---------------------------------------------------------------------
    let lookups = |body: &[u8]| {
        client.raw(
            "POST",
            "/v1/operator/lookups",
            Some(&operator),
            &json_header,
            Some(body),
        )
    };
    lookups(b"[").problem(400, "MALFORMED_REQUEST");
    lookups(br#"{"counter_code": 12345678}"#).problem(400, "MALFORMED_REQUEST");
    lookups(br#"{"counter_code": "ABCDEFGH", "cnp": "1"}"#).problem(400, "MALFORMED_REQUEST");
    lookups(br#"{"counter_code": "ABC"}"#).problem(422, "INVALID_COUNTER_CODE");
    lookups(br#"{"counter_code": "ZZZZZZZZ"}"#).problem(404, "NOT_FOUND");
    client
        .post(
            "/v1/operator/lookups",
            Some(&citizen.token),
            json!({"counter_code": citizen.counter_code}),
        )
        .problem(403, "FORBIDDEN_ROLE");
    let validate_path = format!("/v1/operator/accounts/{}/validation", citizen.account_id);
    client
        .post(
            &validate_path,
            Some(&citizen.token),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        )
        .problem(403, "FORBIDDEN_ROLE");
    client
        .post(
            "/v1/operator/accounts/no-such-account/validation",
            Some(&operator),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        )
        .problem(403, "LOOKUP_REQUIRED");
    client
        .post(
            &validate_path,
            Some(&operator),
            json!({"id_document": {"type": "CI", "series": "R", "number": "123456"}}),
        )
        .problem(422, "INVALID_ID_DOCUMENT");
    client
        .post(&validate_path, Some(&operator), json!({}))
        .problem(400, "MALFORMED_REQUEST");
    // Not looked up in this session: refused whatever the account's state.
    client
        .post(
            &validate_path,
            Some(&operator),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        )
        .problem(403, "LOOKUP_REQUIRED");
    let code = json!({"counter_code": citizen.counter_code}).to_string();
    assert_eq!(lookups(code.as_bytes()).status, 200);
    client
        .post(
            &validate_path,
            Some(&operator),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}, "last_name": "Ana\u{202E}"}),
        )
        .problem(422, "INVALID_NAME");
    client
        .post(
            &validate_path,
            Some(&operator),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        )
        .problem(409, "ALREADY_VALIDATED");

    // --- requests and certificates -----------------------------------------------------------
    let submit = |body: &[u8], headers: &[(&str, &str)]| {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        client.raw(
            "POST",
            "/v1/certificate-requests",
            Some(&citizen.token),
            &all,
            Some(body),
        )
    };
    submit(b"purpose=ANGAJARE", &[]).problem(400, "MALFORMED_REQUEST");
    submit(br#"{"purpose": 1}"#, &[]).problem(400, "MALFORMED_REQUEST");
    submit(br#"{}"#, &[]).problem(400, "MALFORMED_REQUEST");
    submit(br#"{"purpose": "ANGAJARE", "cnp": "2850101400019"}"#, &[])
        .problem(400, "MALFORMED_REQUEST");
    submit(huge.as_bytes(), &[]).problem(413, "PAYLOAD_TOO_LARGE");
    submit(br#"{"purpose": "CONCEDIU"}"#, &[]).problem(422, "UNKNOWN_PURPOSE");
    let long_key = "k".repeat(129);
    submit(
        br#"{"purpose": "ANGAJARE"}"#,
        &[("idempotency-key", &long_key)],
    )
    .problem(400, "MALFORMED_REQUEST");
    client
        .post(
            "/v1/certificate-requests",
            Some(&operator),
            json!({"purpose": "ANGAJARE"}),
        )
        .problem(403, "FORBIDDEN_ROLE");
    client
        .get(
            "/v1/certificate-requests/no-such-request",
            Some(&citizen.token),
        )
        .problem(404, "NOT_FOUND");
    client
        .get(
            "/v1/certificates/CJ-2026-99999999/pdf",
            Some(&citizen.token),
        )
        .problem(404, "NOT_FOUND");
    client
        .get("/v1/certificates/..%2F..%2Fetc/pdf", Some(&citizen.token))
        .problem(404, "NOT_FOUND");

    // --- verification ------------------------------------------------------------------------
    let verify =
        |body: &[u8]| client.raw("POST", "/v1/verifications", None, &json_header, Some(body));
    verify(b"{").problem(400, "MALFORMED_REQUEST");
    verify(br#"{"certificate_number": "CJ-2026-00000001"}"#).problem(400, "MALFORMED_REQUEST");
    verify(br#"{"certificate_number": 1, "cnp": "2850101400019"}"#)
        .problem(400, "MALFORMED_REQUEST");
    verify(br#"{"certificate_number": "CJ-2026-00000001", "cnp": "2850101400019", "x": 1}"#)
        .problem(400, "MALFORMED_REQUEST");
    verify(huge.as_bytes()).problem(413, "PAYLOAD_TOO_LARGE");
    verify(br#"{"certificate_number": "CJ-2026-00000001", "cnp": "1234567890123"}"#)
        .problem(422, "INVALID_CNP");
    let garbage = verify(br#"{"certificate_number": "'; DROP TABLE --", "cnp": "2850101400019"}"#);
    assert_eq!(garbage.status, 200);
    assert_eq!(garbage.json()["result"], "NOT_FOUND");

    // --- unknown routes and methods ----------------------------------------------------------
    client
        .get("/v1/nothing-here", None)
        .problem(404, "NOT_FOUND");
    // A method no route has goes to the API's $default route, as API Gateway sends it: under
    // /v1 a problem (405, with Allow), never a page.
    let put = client.call("PUT", "/v1/accounts", None, Some(json!({})));
    assert_eq!(put.header("allow"), Some("POST"));
    put.problem(405, "METHOD_NOT_ALLOWED");
    // Browsers get pages: 404 for an unknown address, 405 (with Allow) for a page's path
    // asked the wrong way, in the visitor's language.
    let unknown = client.raw(
        "GET",
        "/nu-exista",
        None,
        &[("accept-language", "en")],
        None,
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&unknown.body).contains("<title>Page not found"));
    let wrong_method = client.raw("POST", "/cont", None, &[], Some(b"x=1"));
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow"), Some("GET"));
    assert_eq!(
        wrong_method.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    assert_eq!(
        counts(stack),
        before,
        "bad input changed stored items (accounts, requests, certificates, records)"
    );
}
