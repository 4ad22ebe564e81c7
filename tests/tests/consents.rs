//! Once-only with consent (issue 27), over HTTP on the local stack: an institution's own OAuth
//! library (Authlib, PyPI) gets a token for `extract:ANGAJARE` and asks for a person's
//! consent; the person is e-mailed, sees who asks in the portal and accepts; the institution
//! pulls one sealed extract, which verifies offline against the trust file; the person sees
//! the pull in the consent's history. And what others try: a rival organisation, no token,
//! a token without the purpose's scope, a second pull of a one-off consent, a withdrawn one.
//! Then the desk code, the change feed and verification receipts. (Over 400 lines: one stack
//! for the whole feature, flow after flow, as an institution's system and a person meet it.)

use cazier_e2e::portal::{html, location, Browser};
use cazier_e2e::wallets::Verifier;
use cazier_e2e::{add_entries, entry, mail_to, stack, workspace_root, Citizen, Client, TestStack};
use cazier_shared::testing::with_changed_claims;
use serde_json::{json, Value};

/// Runs `tests/interop/org_consent.py` as `verifier`; its JSON output.
fn authlib(stack: &TestStack, verifier: &Verifier, mode: &str, subject: &str) -> Value {
    let audience = format!("{}/oauth2/token", stack.base_url);
    let out = std::process::Command::new(workspace_root().join(".venv/bin/python"))
        .arg(workspace_root().join("tests/interop/org_consent.py"))
        .args([
            mode,
            &stack.base_url,
            &audience,
            &verifier.cui,
            &verifier.private_jwk().to_string(),
            subject,
            "ANGAJARE",
        ])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("the script's JSON")
}

/// The token endpoint's answer to `verifier` asking for `scope`, by our own assertion.
fn token_reply(client: &Client, verifier: &Verifier, scope: &str) -> cazier_e2e::Reply {
    let assertion = verifier.assertion(&format!("{}/oauth2/token", client.base), json!({}));
    Verifier::scoped_token_reply(client, &assertion, scope)
}

/// `cazier-verify --trust <trust file> <document>`, as a checker runs it with no network:
/// whether it said valid (exit 0; 2 is invalid), and what it printed.
fn offline_verify(trust: &str, document: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("cazier-offline-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("trust.pem"), trust).unwrap();
    std::fs::write(dir.join("document.jwt"), document).unwrap();
    let out = std::process::Command::new(workspace_root().join("target/debug/cazier-verify"))
        .arg("--trust")
        .arg(dir.join("trust.pem"))
        .arg(dir.join("document.jwt"))
        .output()
        .expect("cazier-verify runs");
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 2)), "{printed}");
    (out.status.success(), printed)
}

/// `bearer`'s organisation asks `citizen` (`body` without the CNP), and the person accepts in
/// the portal: the consent's id, and the person's signed-in browser on its page.
fn asked_and_accepted(
    client: &Client,
    bearer: &str,
    citizen: &Citizen,
    mut body: Value,
) -> (String, Browser, String) {
    body["cnp"] = json!(citizen.cnp);
    let asked = client.post("/v1/consent-requests", Some(bearer), body);
    assert_eq!(
        asked.status,
        202,
        "{}",
        String::from_utf8_lossy(&asked.body)
    );
    let id = asked.json()["consent_id"].as_str().unwrap().to_owned();
    let mut browser = Browser::signed_in("ro", &citizen.email);
    let page = format!("/consimtaminte/{id}");
    let accepted = browser.submit(&page, &page, &[("answer", "accept")]);
    assert_eq!(location(&accepted), page);
    (id, browser, page)
}

/// A validated person whose record lists one entry (`id`, the decision's words).
fn validated_with_an_entry(
    stack: &TestStack,
    client: &Client,
    id: &str,
    decision: &str,
) -> Citizen {
    let citizen = Citizen::validated(client);
    add_entries(stack, &citizen.cnp, &[entry(id, decision, false)]);
    citizen
}

#[test]
fn an_employer_asks_the_person_accepts_in_the_portal_and_the_extract_verifies_offline() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = validated_with_an_entry(stack, &client, "c1", "Sentința penală 12/2018");
    let employer = Verifier::register(stack, "Transport Urban Cluj SA");
    let mails_before = mail_to(&stack.base_url, &citizen.email).len();

    let asked = authlib(stack, &employer, "ask", &citizen.cnp);
    println!("{asked}");
    assert_eq!(asked["token"]["scope"], "extract:ANGAJARE");
    assert_eq!(asked["asked_status"], 202);
    assert_eq!(asked["asked"]["status"], "PENDING");
    assert_eq!(asked["asked"]["level"], "STATUS");
    let id = asked["asked"]["consent_id"].as_str().unwrap().to_owned();
    assert!(!asked.to_string().contains(&citizen.cnp));

    // The e-mail says where to answer, not who asks.
    let mails = mail_to(&stack.base_url, &citizen.email);
    assert_eq!(mails.len(), mails_before + 1);
    let mail = mails.last().unwrap();
    assert!(mail.contains("/consimtaminte") && !mail.contains("Transport Urban"));

    // The person sees who asks, by its registered name, and accepts.
    let mut browser = Browser::signed_in("ro", &citizen.email);
    let list = browser.get("/consimtaminte");
    assert_eq!(list.status, 200);
    assert!(html(&list).contains("Transport Urban Cluj SA"));
    let page = format!("/consimtaminte/{id}");
    let shown = browser.get(&page);
    assert!(
        html(&shown).contains("Angajare conducător auto"),
        "the reason"
    );
    let accepted = browser.submit(&page, &page, &[("answer", "accept")]);
    assert_eq!(location(&accepted), page);

    // The institution's library pulls the extract, once.
    let pulled = authlib(stack, &employer, "extract", &id);
    println!("{pulled}");
    assert_eq!(pulled["status"]["status"], "ACCEPTED");
    assert_eq!(pulled["extract_status"], 201);
    assert_eq!(pulled["again_status"], 409);
    assert_eq!(pulled["again"]["code"], "CONSENT_NOT_GIVEN");
    let extract = pulled["extract"]["extract"].as_str().unwrap();
    let number = pulled["extract"]["number"].as_str().unwrap();

    // Offline: the trust file the service publishes is all a checker needs.
    let trust =
        String::from_utf8_lossy(&client.get("/v1/trust/certificates", None).body).into_owned();
    let keys = cazier_shared::statement::TrustFile::from_pem(&trust).keys;
    let claims = cazier_shared::extract::verify(extract, &keys).expect("a sealed extract");
    assert!(claims.has_entries);
    assert!(claims.entries.is_empty(), "an employer sees no entries");
    assert_eq!(claims.organisation.name, "Transport Urban Cluj SA");
    assert!(!extract.contains(&citizen.cnp));
    // The offline verifier, as an employer runs it: valid; one changed claim, invalid.
    let (ok, printed) = offline_verify(&trust, extract);
    assert!(ok, "{printed}");
    assert!(printed.contains(&format!("VALID extract {number}")));
    assert!(printed.contains("the record lists entries"));
    let forged = with_changed_claims(extract, |c| c["has_entries"] = json!(false));
    let (ok, printed) = offline_verify(&trust, &forged);
    assert!(!ok && printed.starts_with("INVALID extract"), "{printed}");

    // The person sees the pull, with its number, in the consent's history.
    let history = browser.get(&page);
    let text = html(&history);
    assert!(text.contains(number), "{text}");
    assert!(text.contains("Folosit"));
}

#[test]
fn nobody_else_reads_or_uses_a_consent_and_withdrawing_stops_it_at_once() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let employer = Verifier::register(stack, "Logistica Nord SRL");
    let rival = Verifier::register(stack, "Concurent SRL");
    let bearer = employer.token_for(&client, "extract:ANGAJARE");
    let asked = client.post(
        "/v1/consent-requests",
        Some(&bearer),
        json!({"cnp": citizen.cnp, "purpose": "ANGAJARE", "reason": "Paznic", "until": "2027-06-30"}),
    );
    assert_eq!(
        asked.status,
        202,
        "{}",
        String::from_utf8_lossy(&asked.body)
    );
    let id = asked.json()["consent_id"].as_str().unwrap().to_owned();

    // No token; a token without the purpose's scope; another organisation's token.
    let anonymous = client.post("/v1/consent-requests", None, json!({"cnp": citizen.cnp}));
    anonymous.problem(401, "INVALID_TOKEN");
    let presentation = employer.token_for(&client, "presentation");
    let body = json!({"cnp": citizen.cnp, "purpose": "ANGAJARE", "reason": "x"});
    client
        .post("/v1/consent-requests", Some(&presentation), body)
        .problem(403, "PURPOSE_NOT_ALLOWED");
    // A scope its registration does not cover is no token at all.
    let firearms = token_reply(&client, &employer, "extract:PORT_ARMA");
    assert_eq!(firearms.status, 400);
    assert_eq!(firearms.json()["error"], "invalid_scope");

    // Another organisation: the consent does not exist for it.
    let rivals = rival.token_for(&client, "extract:ANGAJARE");
    client
        .get(&format!("/v1/consents/{id}"), Some(&rivals))
        .problem(404, "NOT_FOUND");
    client
        .post(
            &format!("/v1/consents/{id}/extract"),
            Some(&rivals),
            json!({}),
        )
        .problem(404, "NOT_FOUND");
    // Hostile ids and bodies change nothing.
    for path in [
        "/v1/consents/..%2f..%2fx",
        "/v1/consents/%00",
        "/v1/consents/1",
    ] {
        assert_eq!(client.get(path, Some(&bearer)).status, 404, "{path}");
    }
    let wrong =
        json!({"cnp": "123", "purpose": "SPIONAJ", "reason": "a\nb", "until": "2099-01-01"});
    let refused = client.post("/v1/consent-requests", Some(&bearer), wrong);
    let problem = refused.problem(422, "INVALID_CNP");
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(4),
        "{problem}"
    );
    let unknown =
        json!({"cnp": citizen.cnp, "purpose": "ANGAJARE", "reason": "x", "organisation": "MAI"});
    assert_eq!(
        client
            .post("/v1/consent-requests", Some(&bearer), unknown)
            .status,
        400
    );

    // Before the answer: no extract. Accepted: extracts until withdrawn, then none.
    let pull = |client: &Client| {
        client.post(
            &format!("/v1/consents/{id}/extract"),
            Some(&bearer),
            json!({}),
        )
    };
    pull(&client).problem(409, "CONSENT_NOT_GIVEN");
    let mut browser = Browser::signed_in("en", &citizen.email);
    let page = format!("/consimtaminte/{id}");
    let accepted = browser.submit(&page, &page, &[("answer", "accept")]);
    assert_eq!(location(&accepted), page);
    assert_eq!(pull(&client).status, 201);
    assert_eq!(pull(&client).status, 201, "continuous: more than one");
    let withdrawn = browser.submit(&page, &page, &[("answer", "revoke")]);
    assert_eq!(location(&withdrawn), page);
    let refused = pull(&client).problem(409, "CONSENT_NOT_GIVEN");
    assert_eq!(refused["consent_status"], "REVOKED");
    let status = client
        .get(&format!("/v1/consents/{id}"), Some(&bearer))
        .json();
    assert_eq!(status["status"], "REVOKED");
    assert_eq!(status["extracts"], 2);
    // Someone else signed in cannot open or answer it.
    let stranger = Citizen::validated(&client);
    let mut other = Browser::signed_in("ro", &stranger.email);
    assert_eq!(other.get(&page).status, 404);
    let answered = other.submit("/consimtaminte", &page, &[("answer", "accept")]);
    assert_eq!(answered.status, 404);
}

/// At a public institution's desk: the clerk's system asks with `at_desk`, its screen shows a
/// code, the person types it in the portal on their own phone and answers; the institution
/// then sees the entries (its level). Employers do not ask at a desk.
#[test]
fn at_the_desk_the_person_opens_the_request_with_the_code_on_the_clerks_screen() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = validated_with_an_entry(stack, &client, "d1", "Sentința penală 7/2019");
    let office = Verifier::register_as(
        stack,
        "Autoritatea Rutieră Română",
        "PUBLIC_INSTITUTION",
        &["ATESTAT_PROFESIONAL"],
    );
    let bearer = office.token_for(&client, "extract:ATESTAT_PROFESIONAL");
    let mails = mail_to(&stack.base_url, &citizen.email).len();
    let asked = client.post(
        "/v1/consent-requests",
        Some(&bearer),
        json!({"cnp": citizen.cnp, "purpose": "ATESTAT_PROFESIONAL", "reason": "Atestat taxi", "at_desk": true}),
    );
    assert_eq!(
        asked.status,
        202,
        "{}",
        String::from_utf8_lossy(&asked.body)
    );
    let asked = asked.json();
    let code = asked["desk_code"].as_str().unwrap().to_owned();
    let id = asked["consent_id"].as_str().unwrap().to_owned();
    assert_eq!(
        mail_to(&stack.base_url, &citizen.email).len(),
        mails,
        "no e-mail at a desk"
    );

    // Someone else's phone: the code opens nothing.
    let stranger = Citizen::validated(&client);
    let mut other = Browser::signed_in("ro", &stranger.email);
    let refused = other.submit(
        "/consimtaminte/cod",
        "/consimtaminte/cod",
        &[("code", &code)],
    );
    assert_eq!(refused.status, 422);
    // The person's: the request, to answer.
    let mut phone = Browser::signed_in("ro", &citizen.email);
    let typed = code.to_lowercase().replace('-', " ");
    let opened = phone.submit(
        "/consimtaminte/cod",
        "/consimtaminte/cod",
        &[("code", &typed)],
    );
    let page = format!("/consimtaminte/{id}");
    assert_eq!(location(&opened), page);
    let accepted = phone.submit(&page, &page, &[("answer", "accept")]);
    assert_eq!(location(&accepted), page);
    let pulled = client.post(
        &format!("/v1/consents/{id}/extract"),
        Some(&bearer),
        json!({}),
    );
    assert_eq!(pulled.status, 201);
    let content = &pulled.json()["content"];
    assert_eq!(content["level"], "CERTIFICATE");
    assert_eq!(content["entries"][0]["decision"], "Sentința penală 7/2019");

    // An employer's desk: no.
    let employer = Verifier::register(stack, "Magazinul Central SRL");
    let employers = employer.token_for(&client, "extract:ANGAJARE");
    let body = json!({"cnp": citizen.cnp, "purpose": "ANGAJARE", "reason": "x", "at_desk": true});
    client
        .post("/v1/consent-requests", Some(&employers), body)
        .problem(403, "DESK_NOT_ALLOWED");
    // A parameter twice at the token endpoint is no request (RFC 6749, 3.1).
    let assertion = employer.assertion(&format!("{}/oauth2/token", client.base), json!({}));
    let twice = Verifier::scoped_token_reply(&client, &assertion, "presentation");
    assert_eq!(twice.status, 200, "once is fine");
    let assertion = employer.assertion(&format!("{}/oauth2/token", client.base), json!({}));
    let body = format!(
        "grant_type=client_credentials&scope=presentation&scope=extract%3AANGAJARE&client_assertion_type={}&client_assertion={assertion}",
        "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
    );
    let repeated = client.raw(
        "POST",
        "/oauth2/token",
        None,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    );
    assert_eq!(repeated.status, 400);
    assert_eq!(repeated.json()["error"], "invalid_request");
}

/// Continuous status: a record change under an accepted continuous consent reaches the
/// organisation's change feed (which consent, when; never what), the person by e-mail and in
/// the consent's history; the organisation's cursor gives nothing twice.
#[test]
fn a_record_change_reaches_the_organisations_feed_and_the_person() {
    use cazier_shared::wiring::ServiceGraphs;
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let employer = Verifier::register(stack, "Paza și Protecție SRL");
    let bearer = employer.token_for(&client, "extract:ANGAJARE");
    let (id, mut browser, page) = asked_and_accepted(
        &client,
        &bearer,
        &citizen,
        json!({"purpose": "ANGAJARE", "reason": "Agent de pază", "until": "2027-03-31"}),
    );
    let empty = client.get("/v1/consent-changes", Some(&bearer)).json();
    assert_eq!(empty["changes"], json!([]));

    // The record changes (as `cazier-admin records add` writes it and tells).
    add_entries(
        stack,
        &citizen.cnp,
        &[entry("f1", "Sentința penală 3/2026", false)],
    );
    let cnp = cazier_shared::domain::Cnp::parse(&citizen.cnp).unwrap();
    let notices = stack.wiring.change_notices().unwrap();
    let told = stack
        .runtime
        .block_on(notices.record_changed(&cnp))
        .unwrap();
    assert_eq!(told, 1);

    let feed = client.get("/v1/consent-changes", Some(&bearer));
    assert_eq!(feed.status, 200, "{}", String::from_utf8_lossy(&feed.body));
    let feed = feed.json();
    assert_eq!(feed["changes"].as_array().map(Vec::len), Some(1), "{feed}");
    assert_eq!(feed["changes"][0]["consent_id"], id.as_str());
    assert!(!feed.to_string().contains("3/2026"), "never what changed");
    let next = feed["next"].as_str().unwrap();
    let again = client
        .get(&format!("/v1/consent-changes?after={next}"), Some(&bearer))
        .json();
    assert_eq!(again["changes"], json!([]), "nothing twice");
    client
        .get("/v1/consent-changes?after=%FF%00", Some(&bearer))
        .problem(422, "INVALID_CODE");
    // One cursor at a time (an empty first one resent the whole feed).
    let twice = format!("/v1/consent-changes?after=&after={next}");
    assert_eq!(client.get(&twice, Some(&bearer)).status, 400);
    // Another organisation's feed is its own; a token without an extract scope reads none.
    let rival = Verifier::register(stack, "Alt Angajator SRL");
    let rivals = rival.token_for(&client, "extract:ANGAJARE");
    let theirs = client.get("/v1/consent-changes", Some(&rivals)).json();
    assert_eq!(theirs["changes"], json!([]));
    let presentation = employer.token_for(&client, "presentation");
    client
        .get("/v1/consent-changes", Some(&presentation))
        .problem(403, "PURPOSE_NOT_ALLOWED");

    // The person: an e-mail, and the history says the organisation was told.
    let mails = mail_to(&stack.base_url, &citizen.email);
    assert!(mails
        .iter()
        .any(|m| m.contains("Your criminal record was updated")));
    assert!(html(&browser.get(&page)).contains("organizația a fost anunțată"));
}

/// Receipts: an employer checks a certificate by number and CNP, by its PDF, and by a share
/// code, and keeps a receipt of each sealed by the service; the offline verifier reads it back;
/// a changed answer is INVALID.
#[test]
fn a_checker_keeps_a_sealed_receipt_of_each_kind_of_check() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let owner = Citizen::validated(&client);
    let request = owner.request_and_wait(&client, "ANGAJARE");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let reply = client.post(
        "/v1/verifications/receipt",
        None,
        json!({"certificate_number": number, "cnp": owner.cnp}),
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let answered = reply.json();
    assert_eq!(answered["result"], "VALID");
    let receipt = answered["receipt"].as_str().unwrap();
    assert!(!receipt.contains(&owner.cnp));
    let trust =
        String::from_utf8_lossy(&client.get("/v1/trust/certificates", None).body).into_owned();
    let (ok, printed) = offline_verify(&trust, receipt);
    assert!(ok, "{printed}");
    assert!(printed.contains("VALID receipt RC-"));
    assert!(printed.contains(&number) && printed.contains("answer:       VALID"));
    let forged = with_changed_claims(receipt, |c| c["result"] = json!("REVOKED"));
    let (ok, printed) = offline_verify(&trust, &forged);
    assert!(!ok && printed.starts_with("INVALID receipt"), "{printed}");
    // The holder sees the check in "who checked", as any check by number.
    let checks = client
        .get(
            &format!("/v1/certificates/{number}/checks"),
            Some(&owner.token),
        )
        .json();
    assert!(checks.to_string().contains("VALID"), "{checks}");

    // The PDF's check: the receipt names the file by its SHA-256; an altered file's check
    // gets a receipt that says TAMPERED (for that file's hash, not the genuine one's).
    let pdf = cazier_e2e::download_pdf(&client, &owner, &number);
    let with_receipt = |body: &[u8]| {
        client.raw(
            "POST",
            "/v1/verifications/document/receipt",
            None,
            &[("content-type", "application/pdf")],
            Some(body),
        )
    };
    let checked = with_receipt(&pdf);
    assert_eq!(
        checked.status,
        200,
        "{}",
        String::from_utf8_lossy(&checked.body)
    );
    let checked = checked.json();
    assert_eq!(checked["result"], "VALID");
    let sha = cazier_shared::crypto::sha256_hex(&pdf);
    let (ok, printed) = offline_verify(&trust, checked["receipt"].as_str().unwrap());
    assert!(
        ok && printed.contains("by DOCUMENT") && printed.contains(&sha),
        "{printed}"
    );
    let mut altered = pdf.clone();
    altered.extend_from_slice(b"\n%% appended\n");
    let tampered = with_receipt(&altered).json();
    assert_eq!(tampered["result"], "TAMPERED");
    let (ok, printed) = offline_verify(&trust, tampered["receipt"].as_str().unwrap());
    assert!(
        ok && printed.contains("answer:       TAMPERED"),
        "{printed}"
    );
    assert!(
        printed.contains(&cazier_shared::crypto::sha256_hex(&altered)) && !printed.contains(&sha)
    );
    // Not a PDF: refused as without a receipt, no receipt made.
    let refused = with_receipt(b"hello");
    assert_eq!(refused.status, 400);
    assert!(refused.json().get("receipt").is_none());

    // A share code: what it showed, in a receipt that never holds the code.
    let created = client
        .post(
            &format!("/v1/certificates/{number}/shares"),
            Some(&owner.token),
            json!({}),
        )
        .json();
    let code = created["code"].as_str().unwrap();
    let shared = client.post(
        "/v1/shared-certificate/receipt",
        None,
        json!({"code": code}),
    );
    assert_eq!(
        shared.status,
        200,
        "{}",
        String::from_utf8_lossy(&shared.body)
    );
    assert_eq!(shared.header("cache-control"), Some("no-store"));
    let shared = shared.json();
    assert_eq!(shared["status"], "VALID");
    let receipt = shared["receipt"].as_str().unwrap();
    let (ok, printed) = offline_verify(&trust, receipt);
    assert!(
        ok && printed.contains("by SHARE_CODE") && printed.contains(&number),
        "{printed}"
    );
    let bare = code.replace('-', "");
    assert!(!receipt.contains(code) && !printed.contains(code) && !printed.contains(&bare));
    let wrong = client.post(
        "/v1/shared-certificate/receipt",
        None,
        json!({"code": "AAAA-BBBB-CCCC"}),
    );
    assert!(matches!(wrong.status, 404 | 422), "{}", wrong.status);
}

/// Continuous status by webhook: the organisation's own receiver (Python, joserfc) is down
/// when the record changes; the change waits; once it is back the scheduled deliverer (the
/// generator's `WebhookDeliveries` job, run as Lambda runs it) pushes a new change at once and
/// the waiting one at its next attempt, each sealed, addressed to it and counted once; what an
/// attacker replays or alters is refused by the receiver.
#[test]
fn record_changes_are_pushed_to_the_organisations_receiver_through_an_outage() {
    use cazier_shared::wiring::{PortSource, ServiceGraphs};
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let employer = Verifier::register(stack, "Transport Urban de Călători SA");
    let port = cazier_e2e::free_port();
    let hook = format!("http://127.0.0.1:{port}/hooks/cazier");
    let cui = cazier_shared::domain::Cui::parse(&employer.cui).unwrap();
    let registry = stack.wiring.organisation_registry().unwrap();
    assert!(stack
        .runtime
        .block_on(registry.set_webhook(&cui, Some(&hook)))
        .unwrap());
    let bearer = employer.token_for(&client, "extract:ANGAJARE");
    let (id, _, _) = asked_and_accepted(
        &client,
        &bearer,
        &citizen,
        json!({"purpose": "ANGAJARE", "reason": "Conducător auto", "until": "2027-05-31"}),
    );
    let cnp = cazier_shared::domain::Cnp::parse(&citizen.cnp).unwrap();
    let notices = stack.wiring.change_notices().unwrap();
    let outbox = stack.wiring.webhook_outbox().unwrap();
    let ours = || {
        let later = chrono::Utc::now() + chrono::Duration::days(3);
        stack
            .runtime
            .block_on(outbox.due(later, 1000))
            .unwrap()
            .into_iter()
            .filter(|d| d.organisation == cui)
            .collect::<Vec<_>>()
    };

    // 1. The receiver is down: the change waits, its failure said.
    add_entries(
        stack,
        &citizen.cnp,
        &[entry("w1", "Sentința penală 7/2026", false)],
    );
    assert_eq!(
        stack
            .runtime
            .block_on(notices.record_changed(&cnp))
            .unwrap(),
        1
    );
    stack.run_schedule("WebhookDeliveries").unwrap();
    let waiting = ours();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(
        waiting[0].attempts >= 1 && waiting[0].last_error.is_some(),
        "{waiting:?}"
    );

    // 2. Back: a new change is pushed by the next scheduled run.
    let trust =
        String::from_utf8_lossy(&client.get("/v1/trust/certificates", None).body).into_owned();
    let receiver = cazier_e2e::WebhookReceiver::start(port, &trust, cui.as_str(), &stack.base_url);
    add_entries(
        stack,
        &citizen.cnp,
        &[entry("w2", "Sentința penală 8/2026", false)],
    );
    assert_eq!(
        stack
            .runtime
            .block_on(notices.record_changed(&cnp))
            .unwrap(),
        1
    );
    stack.run_schedule("WebhookDeliveries").unwrap();
    let accepted = |receiver: &cazier_e2e::WebhookReceiver| {
        receiver
            .lines()
            .into_iter()
            .filter(|l| l["accepted"] == true)
            .collect::<Vec<_>>()
    };
    // (Waited for: the schedule's own run, every minute beside this one, may be the one
    // posting it, and a claimed delivery is posted once.)
    let received = |count: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while accepted(&receiver).len() < count && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        accepted(&receiver)
    };
    assert!(!received(1).is_empty(), "{:?}", receiver.lines());

    // 3. The waiting one at its next attempt (a minute on, by the deliverer's clock).
    let mut deliveries = stack.wiring.webhook_deliveries().unwrap();
    deliveries.clock = cazier_shared::testing::TestClock::at(
        stack.wiring.clock().now() + chrono::Duration::minutes(2),
    );
    deliveries.issuer_url = stack.base_url.clone();
    stack.runtime.block_on(deliveries.deliver_due()).unwrap();
    let got = received(2);
    assert_eq!(got.len(), 2, "{:?}", receiver.lines());
    assert!(ours().is_empty(), "nothing waits");
    assert_ne!(got[0]["key"], got[1]["key"]);
    for notice in &got {
        assert_eq!(notice["claims"]["consent_id"], id.as_str());
        let token = notice["token"].as_str().unwrap();
        assert!(!token.contains(&citizen.cnp) && !notice.to_string().contains("7/2026"));
    }
    // The cursor of the last is where the feed resumes: nothing after it.
    // (A cursor is the feed's key, base64url: the later change's key sorts last.)
    let key_of = |cursor: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .unwrap()
    };
    let last = got
        .iter()
        .filter_map(|n| n["claims"]["cursor"].as_str())
        .max_by_key(|c| key_of(c))
        .unwrap();
    let after = client
        .get(&format!("/v1/consent-changes?after={last}"), Some(&bearer))
        .json();
    assert_eq!(after["changes"], json!([]));

    // 4. Replayed, a notice counts once; altered, or meant for another, it is refused.
    let hook_client = Client::new(&format!("http://127.0.0.1:{port}"));
    let post = |body: &str, key: &str| {
        hook_client
            .raw(
                "POST",
                "/hooks/cazier",
                None,
                &[
                    ("content-type", "application/jwt"),
                    ("idempotency-key", key),
                ],
                Some(body.as_bytes()),
            )
            .status
    };
    let token = got[0]["token"].as_str().unwrap();
    let key = got[0]["key"].as_str().unwrap();
    assert_eq!(post(token, key), 200, "seen before: not counted again");
    let forged = with_changed_claims(token, |c| c["consent_id"] = json!("someone-else"));
    assert_eq!(post(&forged, key), 400);
    assert_eq!(accepted(&receiver).len(), 2);
    let rival = Verifier::register(stack, "Alt Transportator SRL");
    let rival_port = cazier_e2e::free_port();
    let rivals =
        cazier_e2e::WebhookReceiver::start(rival_port, &trust, &rival.cui, &stack.base_url);
    let rival_client = Client::new(&format!("http://127.0.0.1:{rival_port}"));
    let status = rival_client
        .raw(
            "POST",
            "/hooks/cazier",
            None,
            &[
                ("content-type", "application/jwt"),
                ("idempotency-key", key),
            ],
            Some(token.as_bytes()),
        )
        .status;
    assert_eq!(status, 400, "addressed to another organisation");
    assert!(rivals.lines().iter().all(|l| l["accepted"] == false));
    // Signed by a key another CA of the trust file certified (the timestamping authority's
    // root: in production, another customer of that CA): not the seal, refused.
    let trust_file =
        std::env::temp_dir().join(format!("cazier-trust-{}.pem", uuid::Uuid::new_v4()));
    std::fs::write(&trust_file, &trust).unwrap();
    let forged = std::process::Command::new(workspace_root().join(".venv/bin/python"))
        .arg(workspace_root().join("tests/interop/forge_change.py"))
        .arg(&trust_file)
        .arg(stack.state_dir.join("tsa-keys/root.key.pem"))
        .args([cui.as_str(), &stack.base_url, &hook])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&forged.stdout).trim(),
        "400",
        "{}",
        String::from_utf8_lossy(&forged.stderr)
    );
    assert_eq!(accepted(&receiver).len(), 2);
}

/// DPoP (RFC 9449) end to end: an institution's independent client (openid-client, npm) gets a
/// token bound to its key and reads its change feed with a proof per request; the token alone
/// (as a bearer token, with another key's proofs, without a proof) and a replayed proof are
/// refused.
#[test]
fn a_dpop_bound_token_works_only_with_its_key() {
    let stack = stack();
    let employer = Verifier::register(stack, "Logistica Dunării SRL");
    let out = std::process::Command::new("node")
        .arg(workspace_root().join("tests/interop/org_dpop.mjs"))
        .args([
            &stack.base_url,
            &employer.cui,
            &employer.private_jwk().to_string(),
        ])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let out: Value = serde_json::from_slice(&out.stdout).expect("the script's JSON");
    println!("{out}");
    assert_eq!(
        out["token_type"].as_str().map(str::to_lowercase).as_deref(),
        Some("dpop")
    );
    assert_eq!(out["feed_status"], 200, "{out}");
    assert_eq!(out["feed"]["changes"], json!([]));
    assert_eq!(out["again_status"], 200, "a fresh proof each time");
    assert_eq!(out["handmade_status"], 200, "{out}");
    for refused in [
        "as_bearer_status",
        "other_key_status",
        "no_proof_status",
        "replayed_status",
    ] {
        assert_eq!(out[refused], 401, "{refused}: {out}");
    }
    // Without a DPoP header the same client gets a bearer token, as before.
    let client = Client::new(&stack.base_url);
    let bearer = token_reply(&client, &employer, "extract:ANGAJARE").json();
    assert_eq!(bearer["token_type"], "Bearer");
}

/// The extract as a PDF (`Accept: application/pdf`): sealed as a certificate is, so the PDF
/// validators an institution already has trust it (pyHanko, pdfsig), and `cazier-verify`
/// checks its seal and the sealed claims it carries, offline; one changed byte is refused.
#[test]
fn an_extract_pulled_as_a_pdf_is_trusted_by_pdf_validators_and_offline() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = validated_with_an_entry(stack, &client, "p1", "Sentința penală 7/2020");
    let employer = Verifier::register(stack, "Farmacia Centrală Iași SRL");
    let bearer = employer.token_for(&client, "extract:ANGAJARE");
    let (id, mut browser, page) = asked_and_accepted(
        &client,
        &bearer,
        &citizen,
        json!({"purpose": "ANGAJARE", "reason": "Farmacist"}),
    );

    let path = format!("/v1/consents/{id}/extract");
    // Asked for neither JSON nor a PDF: 406, and the one-off consent is not used.
    let refused = client.raw(
        "POST",
        &path,
        Some(&bearer),
        &[
            ("accept", "text/html"),
            ("content-type", "application/json"),
        ],
        Some(b"{}"),
    );
    refused.problem(406, "NOT_ACCEPTABLE");
    let pull = || {
        client.raw(
            "POST",
            &path,
            Some(&bearer),
            &[
                ("accept", "application/pdf"),
                ("content-type", "application/json"),
            ],
            Some(b"{}"),
        )
    };
    let pulled = pull();
    assert_eq!(
        pulled.status,
        201,
        "{}",
        String::from_utf8_lossy(&pulled.body)
    );
    assert_eq!(pulled.header("content-type"), Some("application/pdf"));
    assert_eq!(pulled.header("cache-control"), Some("no-store"));
    let disposition = pulled.header("content-disposition").unwrap_or_default();
    assert!(disposition.contains("extras-EX-"), "{disposition}");
    let pdf = pulled.body.clone();
    assert!(pdf.starts_with(b"%PDF-"));
    // One-off: used by this pull, whatever its form.
    pull().problem(409, "CONSENT_NOT_GIVEN");

    let dir = std::env::temp_dir().join(format!("cazier-extract-pdf-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    };
    let trust =
        String::from_utf8_lossy(&client.get("/v1/trust/certificates", None).body).into_owned();
    let root = trust
        .split_inclusive("-----END CERTIFICATE-----\n")
        .nth(1)
        .expect("the seal's root, second in the trust file")
        .to_owned();
    let pdf_path = file("extract.pdf", &pdf);
    let root_path = file("root.pem", root.as_bytes());
    let tsa_root_path = file("tsa-root.pem", stack.tsa.root_pem.as_bytes());
    let trust_path = file("trust.pem", trust.as_bytes());
    let run = |program: &str, args: &[&str]| {
        let out = std::process::Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };

    // pyHanko, as an institution's document system validates a sealed PDF.
    let pyhanko = workspace_root().join(".venv/bin/pyhanko");
    let pyhanko_validate = |pdf: &str| {
        run(
            &pyhanko.to_string_lossy(),
            &[
                "sign",
                "validate",
                "--trust-replace",
                "--trust",
                &root_path,
                "--trust",
                &tsa_root_path,
                pdf,
            ],
        )
    };
    let (code, report) = pyhanko_validate(&pdf_path);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("INTACT") && report.contains("TRUSTED"),
        "{report}"
    );
    // What a person reads on it: the registered name, the answer; never the CNP.
    let (_, text) = run("pdftotext", &[&pdf_path, "-"]);
    assert!(text.contains("EXTRAS DIN CAZIERUL JUDICIAR"), "{text}");
    assert!(text.contains("Farmacia Centrală Iași SRL"), "{text}");
    assert!(text.contains("ESTE ÎNSCRISĂ"), "{text}");
    assert!(
        !text.contains("Sentința penală 7/2020"),
        "an employer sees no entries"
    );
    assert!(!text.contains(&citizen.cnp) && !String::from_utf8_lossy(&pdf).contains(&citizen.cnp));

    // cazier-verify, with no network: the seal, its timestamp and the claims inside.
    let verify = workspace_root().join("target/debug/cazier-verify");
    let verify = verify.to_string_lossy();
    let (code, printed) = run(&verify, &["--trust", &trust_path, &pdf_path]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(printed.contains("VALID extract EX-"), "{printed}");
    assert!(printed.contains("Farmacia Centrală Iași SRL"), "{printed}");
    assert!(printed.contains("the record lists entries"), "{printed}");
    assert!(printed.contains("timestamped:"), "{printed}");
    let number = printed_number(&printed);
    // A later revision putting other claims in the catalog, as a reader of them would be
    // fooled: pyHanko calls it an illegal modification, cazier-verify INVALID.
    let swapped = dir.join("swapped.pdf").to_string_lossy().into_owned();
    let python = workspace_root().join(".venv/bin/python");
    let forge = workspace_root().join("tests/interop/forge_extract_pdf.py");
    let (code, out) = run(
        &python.to_string_lossy(),
        &[
            &forge.to_string_lossy(),
            &pdf_path,
            &swapped,
            "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    let (code, report) = pyhanko_validate(&swapped);
    assert_ne!(code, Some(0), "{report}");
    assert!(report.contains("ILLEGAL_MODIFICATIONS"), "{report}");
    let (code, printed_swapped) = run(&verify, &["--trust", &trust_path, &swapped]);
    assert_eq!(code, Some(2), "{printed_swapped}");
    // One byte changed in the sealed claims: INVALID.
    let mut forged = pdf.clone();
    let marker = b"/CazierExtract (";
    let at = forged
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + 80;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged_path = file("forged.pdf", &forged);
    let (code, printed) = run(&verify, &["--trust", &trust_path, &forged_path]);
    assert_eq!(code, Some(2), "{printed}");
    assert!(printed.starts_with("INVALID extract"), "{printed}");
    let _ = std::fs::remove_dir_all(&dir);

    // The public document check, API and page: a genuine extract, and for whom (not "not
    // issued here", which a genuine extract is not); the forged one: changed after sealing.
    let checked = |bytes: &[u8]| {
        client.raw(
            "POST",
            "/v1/verifications/document",
            None,
            &[("content-type", "application/pdf")],
            Some(bytes),
        )
    };
    let answer = checked(&pdf).json();
    assert_eq!(answer["result"], "EXTRACT", "{answer}");
    assert_eq!(answer["extract"]["number"], number.as_str());
    assert_eq!(
        answer["extract"]["organisation"],
        "Farmacia Centrală Iași SRL"
    );
    assert_eq!(checked(&forged).json()["result"], "TAMPERED");
    let mut visitor = Browser::new("en");
    let shown = visitor.upload("/verificare", "/verificare/document", "document", &pdf);
    assert_eq!(shown.status, 200);
    let text = html(&shown);
    assert!(
        text.contains("a criminal record extract this service issued"),
        "{text}"
    );
    assert!(text.contains("Farmacia Centrală Iași SRL"), "{text}");
    // A changed one: not to be accepted, and whom to ask (the organisation keeps extracts).
    let shown = visitor.upload("/verificare", "/verificare/document", "document", &forged);
    let text = html(&shown);
    assert!(
        text.contains("The document was changed after it was issued"),
        "{text}"
    );
    assert!(
        text.contains("Ask the organisation it was issued to"),
        "{text}"
    );

    // The person sees the pull in the consent's history.
    assert!(html(&browser.get(&page)).contains(&number), "{number}");
}

/// The extract number `cazier-verify` printed.
fn printed_number(printed: &str) -> String {
    printed
        .split_whitespace()
        .find(|w| w.starts_with("EX-"))
        .unwrap_or_default()
        .to_owned()
}

/// A staff account of `verifier`'s organisation (no second factor: the test stack does not
/// require one; the browser test signs in with one), signed in to the portal.
fn staff_browser(stack: &TestStack, verifier: &Verifier) -> (Browser, String) {
    use cazier_shared::wiring::PortSource;
    let email = format!("staff-{}@org.test", uuid::Uuid::new_v4().simple());
    let created = stack
        .runtime
        .block_on(cazier_shared::services::operators::create_staff(
            &*stack.accounts(),
            &*stack.wiring.organisations().expect("organisations"),
            &email,
            "staff-test-password",
            &verifier.cui,
            false,
            chrono::Utc::now(),
        ))
        .expect("staff created");
    let mut browser = Browser::new("ro");
    let signed = browser.submit(
        "/autentificare",
        "/autentificare",
        &[("email", &email), ("password", "staff-test-password")],
    );
    assert_eq!(location(&signed), "/organizatie");
    (browser, created.account_id.to_string())
}

#[test]
fn an_organisations_staff_act_in_its_name_only_and_every_step_is_audited() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = validated_with_an_entry(stack, &client, "s1", "Sentința penală 3/2020");
    let ours = Verifier::register(stack, "Logistica Mureș SRL");
    let rival = Verifier::register(stack, "Concurența Mureș SRL");
    let (mut staff, staff_id) = staff_browser(stack, &ours);
    let (mut other, _) = staff_browser(stack, &rival);

    // Asked through the form, in the organisation's name: first shown back to check (the
    // whole CNP once more), nothing asked yet; then sent.
    let fields = [
        ("cnp", citizen.cnp.as_str()),
        ("purpose", "ANGAJARE"),
        ("reason", "Angajare stivuitorist"),
        ("term", "ONE_OFF"),
    ];
    let to_check = staff.submit("/organizatie/cerere", "/organizatie/cerere", &fields);
    assert_eq!(to_check.status, 200);
    assert!(html(&to_check).contains(&citizen.cnp), "the CNP to check");
    assert!(
        !html(&staff.get("/organizatie")).contains("stivuitorist"),
        "nothing asked yet"
    );
    let mut sent = fields.to_vec();
    sent.push(("step", "send"));
    let asked = staff.submit("/organizatie/cerere", "/organizatie/cerere", &sent);
    let page = location(&asked).to_owned();
    assert!(page.starts_with("/organizatie/consimtaminte/"), "{page}");
    let id = page.rsplit('/').next().unwrap().to_owned();
    let list = html(&staff.get("/organizatie"));
    assert!(list.contains("Angajare stivuitorist"));
    assert!(list.contains(&citizen.cnp[9..]), "the CNP's end");
    assert!(!list.contains(&citizen.cnp), "never the whole CNP");
    // Not yet given: no extract, and said so on the consent's page (post/redirect/get).
    let early = staff.submit(&page, &format!("{page}/extras"), &[]);
    assert_eq!(location(&early), page);
    assert!(html(&staff.get(&page)).contains("nu a răspuns încă"));

    // The person accepts in their portal.
    let mut person = Browser::signed_in("ro", &citizen.email);
    let consent_page = format!("/consimtaminte/{id}");
    let accepted = person.submit(&consent_page, &consent_page, &[("answer", "accept")]);
    assert_eq!(location(&accepted), consent_page);
    assert!(html(&person.get(&consent_page)).contains("Logistica Mureș SRL"));

    // Another organisation's staff, with their own valid form token: nothing of ours.
    assert_eq!(other.get(&page).status, 404);
    let theirs = other.submit("/organizatie", &format!("{page}/extras"), &[]);
    assert_eq!(theirs.status, 404);
    assert!(!html(&other.get("/organizatie")).contains("stivuitorist"));
    // Nor a citizen, nor a form without its token.
    assert_eq!(person.get("/organizatie").status, 403);
    assert_eq!(person.get(&page).status, 403);
    let forged = staff.send("POST", &format!("{page}/extras"), Some(&[]));
    assert_ne!(forged.status, 200, "no extract without the form's token");

    // Ours pulls the sealed PDF, once (a one-off consent).
    let pulled = staff.submit(&page, &format!("{page}/extras"), &[]);
    assert_eq!(pulled.status, 200);
    assert!(pulled.body.starts_with(b"%PDF-"));
    assert!(!pulled.body.windows(13).any(|w| w == citizen.cnp.as_bytes()));
    let again = staff.submit(&page, &format!("{page}/extras"), &[]);
    assert_eq!(location(&again), page);
    let used = html(&staff.get(&page));
    assert!(
        used.contains("descărcat deja"),
        "used, not 'no longer given'"
    );

    // Suspended: nothing in its name, and the page says why; reinstated: back.
    let registry = {
        use cazier_shared::wiring::ServiceGraphs;
        stack.wiring.organisation_registry().expect("registry")
    };
    let cui = cazier_shared::domain::Cui::parse(&ours.cui).unwrap();
    let set = |status| {
        stack
            .runtime
            .block_on(registry.set_status(&cui, status))
            .expect("status set")
    };
    set(cazier_shared::domain::organisation::OrganisationStatus::Suspended);
    let refused = staff.get("/organizatie");
    assert_eq!(refused.status, 403);
    assert!(html(&refused).contains("suspendat"));
    assert_eq!(staff.get("/organizatie/cerere").status, 403);
    set(cazier_shared::domain::organisation::OrganisationStatus::Active);
    assert_eq!(staff.get("/organizatie").status, 200);

    // The staff member's history: what they did, in order (never the CNP).
    let history = stack
        .runtime
        .block_on(
            stack
                .audit()
                .history(&cazier_shared::domain::AuditSubject::Operator(
                    staff_id.as_str().into(),
                )),
        )
        .expect("history");
    let actions: Vec<&str> = history
        .iter()
        .filter_map(|e| e.details.get("action").map(String::as_str))
        .collect();
    assert!(actions.starts_with(&["ASKED"]), "{actions:?}");
    assert!(actions.contains(&"EXTRACT_PULLED"), "{actions:?}");
    assert!(!format!("{history:?}").contains(&citizen.cnp));
}
