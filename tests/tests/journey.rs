//! The whole citizen journey over HTTP, against a local stack (moto + the real handlers).

use cazier_e2e::*;
use serde_json::json;
use sha2::{Digest, Sha256};

#[test]
fn register_validate_request_download_and_verify() {
    let stack = stack();
    let client = Client::new(&stack.base_url);

    // 1. Registration: names come back with comma-below letters, the CNP masked.
    let citizen = Citizen::register(&client);
    assert_eq!(citizen.counter_code.len(), 8);
    assert!(!citizen.counter_code.contains(['I', 'L', 'O', 'U']));
    let me = client.get("/v1/accounts/me", Some(&citizen.token)).json();
    assert_eq!(me["status"], "PENDING_VALIDATION");
    assert_eq!(me["last_name"], "Ștefănescu");
    assert_eq!(me["validation"], serde_json::Value::Null);
    let masked = me["cnp_masked"].as_str().unwrap();
    assert_eq!(
        masked,
        format!("{}*****{}", &citizen.cnp[..4], &citizen.cnp[9..])
    );

    // Not validated yet: no requests.
    let r = client.post(
        "/v1/certificate-requests",
        Some(&citizen.token),
        json!({"purpose": "ANGAJARE"}),
    );
    r.problem(403, "ACCOUNT_NOT_VALIDATED");

    // 2. At the counter: the clerk looks the code up (typed in lower case, with a dash) and
    //    validates against the document in hand.
    let operator = client.operator_token();
    let typed = format!(
        "{}-{}",
        &citizen.counter_code[..4],
        &citizen.counter_code[4..]
    )
    .to_lowercase();
    let found = client.post(
        "/v1/operator/lookups",
        Some(&operator),
        json!({"counter_code": typed}),
    );
    assert_eq!(found.status, 200);
    let found = found.json();
    assert_eq!(found["account_id"], citizen.account_id.as_str());
    assert_eq!(found["cnp"], citizen.cnp.as_str());
    assert_eq!(
        found["id_document"],
        json!({"type": "CI", "series": "RX", "number": "123456"})
    );

    let wrong = client.post(
        &format!("/v1/operator/accounts/{}/validation", citizen.account_id),
        Some(&operator),
        json!({"id_document": {"type": "CI", "series": "RX", "number": "654321"}}),
    );
    wrong.problem(422, "DOCUMENT_MISMATCH");
    let validated = client.post(
        &format!("/v1/operator/accounts/{}/validation", citizen.account_id),
        Some(&operator),
        json!({"id_document": {"type": "CI", "series": "rx", "number": "123456"}}),
    );
    assert_eq!(validated.status, 200);
    assert_eq!(validated.json()["status"], "VALIDATED");
    assert_eq!(validated.json()["validation"]["method"], "COUNTER");
    let me = client.get("/v1/accounts/me", Some(&citizen.token)).json();
    assert_eq!(me["status"], "VALIDATED");

    // 3. Purposes and the request, issued by the stream-driven generator.
    let purposes = client.get("/v1/purposes", None).json();
    let codes: Vec<_> = purposes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    for code in [
        "ANGAJARE",
        "STUDII",
        "EMIGRARE",
        "VIZA",
        "ADOPTIE",
        "PORT_ARMA",
        "ATESTAT_PROFESIONAL",
        "ALTE_UTILIZARI",
    ] {
        assert!(codes.contains(&code), "{code} missing");
    }
    let request = citizen.request_and_wait(&client, "ANGAJARE");
    assert_eq!(request["status"], "ISSUED", "{request}");
    assert_eq!(request["rejection_code"], serde_json::Value::Null);
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("CJ-"));

    // A second request for the same purpose today: 409 naming the first.
    let again = client.post(
        "/v1/certificate-requests",
        Some(&citizen.token),
        json!({"purpose": "ANGAJARE"}),
    );
    let problem = again.problem(409, "DAILY_LIMIT");
    assert_eq!(problem["request_id"], request["request_id"]);

    // 4. The citizen's certificates and the document.
    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["certificate_number"], number.as_str());
    assert_eq!(list[0]["status"], "VALID");
    assert_eq!(list[0]["has_entries"], false);
    let pdf = client.get(
        &format!("/v1/certificates/{number}/pdf"),
        Some(&citizen.token),
    );
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF-"));
    let sha256 = hex::encode(Sha256::digest(&pdf.body));

    // 5. A third party verifies with the number and the CNP.
    let verified = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": number, "cnp": citizen.cnp}),
    );
    assert_eq!(verified.status, 200);
    let verified = verified.json();
    assert_eq!(verified["result"], "VALID");
    assert_eq!(verified["holder_name"], "Ștefănescu Ana-Maria");
    assert_eq!(verified["purpose"], "ANGAJARE");
    assert_eq!(
        verified["document_sha256"],
        sha256.as_str(),
        "the hash is the downloaded PDF's"
    );
    assert_eq!(verified["valid_until"], list[0]["valid_until"]);

    // A wrong CNP and an unknown number answer exactly alike.
    let wrong_cnp = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": number, "cnp": random_cnp()}),
    );
    let unknown = client.post(
        "/v1/verifications",
        None,
        json!({"certificate_number": "CJ-2026-99999999", "cnp": citizen.cnp}),
    );
    assert_eq!(wrong_cnp.status, 200);
    assert_eq!(wrong_cnp.json()["result"], "NOT_FOUND");
    assert_eq!(wrong_cnp.body, unknown.body);

    // 6. The document's seal verifies, and its certificate is for the KMS signing key.
    let signed = cazier_shared::pdf::pades::read_signed(&pdf.body).expect("a signed PDF");
    // Followed by its validation material (PAdES-B-LT) and nothing else.
    let (sealed, appended) = pdf.body.split_at(signed.signed_len);
    assert!(cazier_shared::pdf::dss::only_validation_material(
        sealed, appended
    ));
    assert_eq!(signed.number.as_deref(), Some(number.as_str()));
    let cazier_shared::seal::CmsCheck::Valid { signer } =
        cazier_shared::seal::check_cms(&signed.cms, &signed.digest)
    else {
        panic!("the seal does not verify");
    };
    let kms_key = stack.signing_public_key();
    use der::Encode;
    assert_eq!(
        signer
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
        kms_key
    );

    // 7. The audit trail has the validation (who, which unit, how), the issue and the
    //    verification attempts, and no CNP.
    stack.runtime.block_on(async {
        use cazier_shared::domain::AuditSubject;
        let audit = stack.audit();
        let account = audit
            .history(&AuditSubject::Account(citizen.account_id.as_str().into()))
            .await
            .unwrap();
        let events: Vec<_> = account.iter().map(|e| e.event.as_str()).collect();
        // The clerk's lookup (who saw the data), the validation, the issue.
        assert_eq!(events, ["VIEWED", "VALIDATED", "ISSUED"], "{account:?}");
        assert_eq!(account[0].details["how"], "COUNTER_CODE");
        assert_eq!(account[1].details["method"], "COUNTER");
        assert_eq!(account[1].details["unit"], OPERATOR_UNIT);
        assert!(!account[1].details["operator_id"].is_empty());
        let parsed = cazier_shared::domain::CertificateNumber::parse(&number).unwrap();
        let certificate = audit
            .history(&AuditSubject::Certificate(parsed.clone()))
            .await
            .unwrap();
        let events: Vec<_> = certificate
            .iter()
            .map(|e| {
                format!(
                    "{}:{}",
                    e.event,
                    e.details.get("result").map(String::as_str).unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            events,
            ["ISSUED:", "VERIFIED:VALID", "VERIFIED:NOT_FOUND"],
            "{certificate:?}"
        );
        assert!(!format!("{certificate:?}{account:?}").contains(&citizen.cnp));
    });

    // 8. Logout ends the session at once.
    let r = client.call("DELETE", "/v1/sessions/current", Some(&citizen.token), None);
    assert_eq!(r.status, 204);
    client
        .get("/v1/accounts/me", Some(&citizen.token))
        .problem(401, "UNAUTHENTICATED");
}

#[test]
fn idempotency_key_returns_the_same_request() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let submit = |key: &str| client.submit_keyed(&citizen.token, "STUDII", key);
    let first = submit("retry-1");
    assert_eq!(first.status, 202);
    let second = submit("retry-1");
    assert_eq!(
        second.status,
        202,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
    assert_eq!(first.json()["request_id"], second.json()["request_id"]);
    // Another key on the same day and purpose is a new request: the daily limit answers.
    submit("retry-2").problem(409, "DAILY_LIMIT");
    // The same key for another purpose: refused, not answered with the first request.
    let reused = client.submit_keyed(&citizen.token, "EMIGRARE", "retry-1");
    reused.problem(422, "IDEMPOTENCY_KEY_REUSED");
    // Another purpose is fine.
    let other = citizen.request_and_wait(&client, "VIZA");
    assert_eq!(other["status"], "ISSUED");
    let final_first = wait_final(
        &client,
        &citizen.token,
        first.json()["request_id"].as_str().unwrap(),
    );
    assert_eq!(final_first["status"], "ISSUED");
    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "one certificate per request: {list}"
    );
    // Newest first.
    assert!(list[0]["issued_at"].as_str() >= list[1]["issued_at"].as_str());
}

#[test]
fn entries_are_listed_on_the_certificate() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    stack.runtime.block_on(async {
        let records = stack.records();
        let cnp = cazier_shared::domain::Cnp::parse(&citizen.cnp).unwrap();
        records
            .add(
                &cazier_shared::domain::RecordSubject::Person(cnp),
                &cazier_shared::domain::RecordEntry {
                    entry_id: "e1".into(),
                    court: "Judecătoria Sectorului 1".into(),
                    decision: "1234/2019".into(),
                    decision_date: chrono::NaiveDate::from_ymd_opt(2019, 5, 14).unwrap(),
                    offence: "conducere fără permis".into(),
                    penalty: "amendă penală".into(),
                    rehabilitated: false,
                },
            )
            .await
            .unwrap();
    });
    let request = citizen.request_and_wait(&client, "EMIGRARE");
    assert_eq!(request["status"], "ISSUED");
    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    assert_eq!(list[0]["has_entries"], true);
    let number = request["certificate_number"].as_str().unwrap();
    let pdf = client.get(
        &format!("/v1/certificates/{number}/pdf"),
        Some(&citizen.token),
    );
    let text = pdf_text(&pdf.body);
    for expected in [
        "ESTE ÎNSCRISĂ",
        "has the following entries",
        "Judecătoria Sectorului 1",
        "1234/2019 / 14.05.2019",
        "conducere fără permis",
        "amendă penală",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }

    // The holder's own page says what it contains, in plain words, with what to do.
    use cazier_e2e::portal::{html, Browser};
    let mut browser = Browser::signed_in("ro", &citizen.email);
    let contents = browser.get(&format!("/certificate/{number}/mentiuni"));
    assert_eq!(contents.status, 200);
    let page = html(&contents);
    for expected in [
        "Certificatul arată o mențiune din cazierul judiciar.",
        "Judecătoria Sectorului 1",
        "1234/2019, 14.05.2019",
        "conducere fără permis",
        "Reabilitarea",
        "Dacă o mențiune este greșită",
        "asistență juridică gratuită",
    ] {
        assert!(page.contains(expected), "{expected:?} missing:\n{page}");
    }
    // Before a share code is made: what the other side will see, and the way to read it.
    let codes = html(&browser.get(&format!("/certificate/{number}/coduri")));
    assert!(codes.contains("poate descărca certificatul și vede toate mențiunile"));
    assert!(codes.contains(&format!("/certificate/{number}/mentiuni")));
    // Nobody else opens it.
    let other = Citizen::validated(&client);
    let mut stranger = Browser::signed_in("ro", &other.email);
    assert_eq!(
        stranger
            .get(&format!("/certificate/{number}/mentiuni"))
            .status,
        404
    );
}
