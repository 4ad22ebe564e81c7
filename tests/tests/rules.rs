//! The rules of issue: rehabilitated entries, validity and its end, revocation, legal persons,
//! the daily limit's day boundary. Over HTTP where a user would see it.

use cazier_e2e::*;
use cazier_shared::domain::{
    AuditEventKind, AuditSubject, CertificateStatus, Cnp, Company, Cui, DocumentResult,
    RecordSubject, VerificationResult,
};
use cazier_shared::ports::SystemClock;
use cazier_shared::services::revocation::revoke;
use cazier_shared::services::verification::SignatureCheck;
use cazier_shared::testing::TestClock;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;

fn document_result(client: &Client, pdf: &[u8]) -> serde_json::Value {
    let r = verify_document(client, pdf);
    assert_eq!(r.status, 200);
    r.json()
}

#[test]
fn only_rehabilitated_entries_give_a_clean_certificate() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    add_entries(
        stack,
        &citizen.cnp,
        &[entry("r1", "77/2009", true), entry("r2", "78/2010", true)],
    );
    let request = citizen.request_and_wait(&client, "ANGAJARE");
    assert_eq!(request["status"], "ISSUED", "{request}");
    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    assert_eq!(list[0]["has_entries"], false);
    let text = pdf_text(&download_pdf(
        &client,
        &citizen,
        request["certificate_number"].as_str().unwrap(),
    ));
    assert!(text.contains("NU ESTE ÎNSCRISĂ"), "{text}");
    assert!(
        !text.contains("77/2009") && !text.contains("78/2010"),
        "{text}"
    );
}

#[test]
fn current_entries_are_used_and_rehabilitated_ones_omitted() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    add_entries(
        stack,
        &citizen.cnp,
        &[entry("a", "11/2015", false), entry("b", "12/2016", true)],
    );
    let first = citizen.request_and_wait(&client, "ANGAJARE");
    let text = pdf_text(&download_pdf(
        &client,
        &citizen,
        first["certificate_number"].as_str().unwrap(),
    ));
    assert!(
        text.contains("11/2015") && !text.contains("12/2016"),
        "{text}"
    );

    // The entry is removed (say, it was loaded in error): the next certificate is clean.
    let subject = RecordSubject::Person(Cnp::parse(&citizen.cnp).unwrap());
    let removed = stack
        .runtime
        .block_on(stack.records().remove(&subject, "a"))
        .unwrap();
    assert!(removed);
    let second = citizen.request_and_wait(&client, "STUDII");
    let text = pdf_text(&download_pdf(
        &client,
        &citizen,
        second["certificate_number"].as_str().unwrap(),
    ));
    assert!(text.contains("NU ESTE ÎNSCRISĂ"), "{text}");
}

#[test]
fn validity_ends_after_six_months_everywhere() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "VIZA");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let pdf = download_pdf(&client, &citizen, &number);
    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    let valid_until: NaiveDate = list[0]["valid_until"].as_str().unwrap().parse().unwrap();

    // The last minute of the last valid day in Bucharest, and the first of the next.
    let last_minute = chrono_tz::Europe::Bucharest
        .from_local_datetime(&valid_until.and_hms_opt(23, 59, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let next_day = last_minute + Duration::minutes(2);
    let dto = || {
        cazier_shared::services::verification::VerifyDto {
            certificate_number: number.clone(),
            cnp: Some(citizen.cnp.clone()),
            cui: None,
        }
        .try_into_domain()
        .expect("a well-formed check")
    };
    stack.runtime.block_on(async {
        let still = verification_service(stack, TestClock::at(last_minute));
        assert_eq!(
            still.verify(dto(), "rules-1").await.unwrap().result,
            VerificationResult::Valid
        );
        let later = verification_service(stack, TestClock::at(next_day));
        assert_eq!(
            later.verify(dto(), "rules-1").await.unwrap().result,
            VerificationResult::Expired
        );
        let document = later
            .verify_document(&pdf, Some("application/pdf"), "rules-1")
            .await
            .unwrap();
        assert_eq!(document.result, DocumentResult::Expired, "{document:?}");
        assert_eq!(document.signature, SignatureCheck::Valid);
        let listing = request_service(stack, TestClock::at(next_day))
            .list_certificates(&citizen_principal(&citizen.account_id))
            .await
            .unwrap();
        assert_eq!(listing[0].status, CertificateStatus::Expired);
    });
    // Today it is valid.
    assert_eq!(document_result(&client, &pdf)["result"], "VALID");
}

#[test]
fn a_revoked_certificate_says_so_everywhere() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "ADOPTIE");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let pdf = download_pdf(&client, &citizen, &number);
    let parsed = cazier_shared::domain::CertificateNumber::parse(&number).unwrap();
    let certificates = stack.certificates();
    let revoked = stack
        .runtime
        .block_on(revoke(
            &*certificates,
            &SystemClock,
            &parsed,
            "issued in error",
            "ops-test",
        ))
        .unwrap();
    assert!(revoked);
    let again = stack
        .runtime
        .block_on(revoke(
            &*certificates,
            &SystemClock,
            &parsed,
            "twice",
            "ops-test",
        ))
        .unwrap();
    assert!(!again, "already revoked");

    // The year's status list, published again (as the admin tool does after revoking), says
    // so to verifiers offline: signed by the seal, this number's bit set.
    let (year, _) = parsed.year_and_sequence();
    let index = stack
        .runtime
        .block_on(stack.certificates().get(&parsed))
        .unwrap()
        .unwrap()
        .status_index();
    stack
        .runtime
        .block_on(stack.status_lists().publish(year))
        .unwrap();
    let published = client.get(&format!("/v1/status-lists/{year}"), None);
    assert_eq!(published.status, 200);
    assert_eq!(
        published.header("content-type"),
        Some("application/statuslist+jwt")
    );
    let chain = client.get("/v1/trust/certificates", None);
    let trusted = cazier_shared::statement::trusted_keys(&String::from_utf8_lossy(&chain.body));
    let list = cazier_shared::statement::status_list::verify(
        &String::from_utf8_lossy(&published.body),
        &trusted,
        chrono::Utc::now(),
    )
    .unwrap();
    use cazier_shared::statement::status_list::ListStatus;
    assert_eq!(list.status_in_year(year, index), Ok(ListStatus::Revoked));
    assert_eq!(
        list.status_in_year(year, index + 1),
        Ok(ListStatus::NotRevoked)
    );
    // A certificate of another year is not judged by this year's list.
    assert!(list.status_in_year(year - 1, index).is_err());
    client
        .get(&format!("/v1/status-lists/{}", year + 50), None)
        .problem(404, "NOT_FOUND");

    let list = client.get("/v1/certificates", Some(&citizen.token)).json();
    assert_eq!(list[0]["status"], "REVOKED");
    let verified = client
        .post(
            "/v1/verifications",
            None,
            json!({"certificate_number": number, "cnp": citizen.cnp}),
        )
        .json();
    assert_eq!(verified["result"], "REVOKED");
    let document = document_result(&client, &pdf);
    assert_eq!(document["result"], "REVOKED");
    assert_eq!(document["signature"], "VALID");
    let history = stack
        .runtime
        .block_on(
            stack
                .audit()
                .history(&AuditSubject::Certificate(parsed.clone())),
        )
        .unwrap();
    let revoked: Vec<_> = history
        .iter()
        .filter(|e| e.event == AuditEventKind::Revoked)
        .collect();
    assert_eq!(revoked.len(), 1, "revoked once, recorded once");
    assert_eq!(revoked[0].details["reason"], "issued in error");
}

fn register_company(stack: &TestStack, representatives: &[&str]) -> Company {
    let company = Company {
        cui: Cui::parse(&random_cui()).unwrap(),
        name: "Transilvania Construcții SRL".into(),
        trade_register_number: "J12/3456/2011".into(),
        representatives: representatives
            .iter()
            .map(|c| Cnp::parse(c).unwrap())
            .collect(),
    };
    stack
        .runtime
        .block_on(stack.records().put_company(&company))
        .unwrap();
    company
}

#[test]
fn a_legal_representative_obtains_the_company_certificate() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let representative = Citizen::validated(&client);
    let stranger = Citizen::validated(&client);
    let company = register_company(stack, &[&representative.cnp]);
    let cui = company.cui.to_string();
    let company_entry = entry("c1", "4321/2021", false);
    stack
        .runtime
        .block_on(
            stack
                .records()
                .put_entries(&[(RecordSubject::Company(company.cui.clone()), company_entry)]),
        )
        .unwrap();
    let body =
        json!({"purpose": "ALTE_UTILIZARI", "subject": {"type": "LEGAL_PERSON", "cui": cui}});

    // Not a representative, or an unknown company: 403, alike.
    let refused = client.post(
        "/v1/certificate-requests",
        Some(&stranger.token),
        body.clone(),
    );
    let refused = refused.problem(403, "NOT_LEGAL_REPRESENTATIVE");
    let unknown = client.post(
        "/v1/certificate-requests",
        Some(&stranger.token),
        json!({"purpose": "ALTE_UTILIZARI", "subject": {"type": "LEGAL_PERSON", "cui": random_cui()}}),
    );
    assert_eq!(unknown.problem(403, "NOT_LEGAL_REPRESENTATIVE"), refused);
    // A CUI whose control digit is wrong: 422.
    let mut wrong = cui.clone().into_bytes();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'9' {
        b'0'
    } else {
        wrong[last] + 1
    };
    client
        .post(
            "/v1/certificate-requests",
            Some(&representative.token),
            json!({"purpose": "ALTE_UTILIZARI", "subject": {"type": "LEGAL_PERSON", "cui": String::from_utf8(wrong).unwrap()}}),
        )
        .problem(422, "INVALID_CUI");

    // The representative: issued, naming the company and listing its entries.
    let r = client.post(
        "/v1/certificate-requests",
        Some(&representative.token),
        body,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let request = wait_final(
        &client,
        &representative.token,
        r.json()["request_id"].as_str().unwrap(),
    );
    assert_eq!(request["status"], "ISSUED", "{request}");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let text = pdf_text(&download_pdf(&client, &representative, &number));
    for expected in [
        "Transilvania Construcții SRL",
        cui.as_str(),
        "J12/3456/2011",
        "Trade register number",
        "Persoana juridică ESTE ÎNSCRISĂ",
        "4321/2021",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    assert!(
        !text.contains(&representative.cnp),
        "the certificate is about the company"
    );

    // Through the portal: the representative asks for the company on the request page; a
    // stranger is told beside the CUI field, and nothing is asked.
    use cazier_e2e::portal::{html, location, Browser};
    let mut stranger_browser = Browser::signed_in("ro", &stranger.email);
    let refused = stranger_browser.submit(
        "/cereri/noua",
        "/cereri/noua",
        &[
            ("purpose", "ANGAJARE"),
            ("subject", "LEGAL_PERSON"),
            ("subject.cui", &cui),
        ],
    );
    assert_eq!(refused.status, 422);
    let page = html(&refused);
    assert!(page.contains("href=\"#subject_cui\"") && page.contains("reprezentant legal"));
    let mut browser = Browser::signed_in("ro", &representative.email);
    let form = html(&browser.get("/cereri/noua"));
    assert!(
        form.contains("Ce va apărea pe certificat")
            && form.contains("Ion (declarat de dumneavoastră)")
    );
    let asked = browser.submit(
        "/cereri/noua",
        "/cereri/noua",
        &[
            ("purpose", "ANGAJARE"),
            ("subject", "LEGAL_PERSON"),
            ("subject.cui", &cui),
        ],
    );
    assert_eq!(asked.status, 303, "{}", html(&asked));
    let request_id = location(&asked).trim_start_matches("/cereri/").to_owned();
    let by_portal = wait_final(&client, &representative.token, &request_id);
    assert_eq!(by_portal["status"], "ISSUED", "{by_portal}");
    let portal_number = by_portal["certificate_number"].as_str().unwrap().to_owned();
    let text = pdf_text(&download_pdf(&client, &representative, &portal_number));
    assert!(
        text.contains("Transilvania Construcții SRL"),
        "the company's certificate"
    );

    // Verified by the company's CUI; the representative's CNP does not find it.
    let by_cui = client
        .post(
            "/v1/verifications",
            None,
            json!({"certificate_number": number, "cui": format!("RO{cui}")}),
        )
        .json();
    assert_eq!(by_cui["result"], "VALID", "{by_cui}");
    assert_eq!(by_cui["holder_name"], "Transilvania Construcții SRL");
    let by_cnp = client
        .post(
            "/v1/verifications",
            None,
            json!({"certificate_number": number, "cnp": representative.cnp}),
        )
        .json();
    assert_eq!(by_cnp["result"], "NOT_FOUND");

    // The company's request and the representative's own are limited separately.
    let own = representative.request_and_wait(&client, "ALTE_UTILIZARI");
    assert_eq!(own["status"], "ISSUED");
}
