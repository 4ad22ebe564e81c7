//! Consents and extracts (issue 27): an organisation asks by CNP and purpose, the person
//! decides in the portal, and only an accepted consent yields an extract, of the level the
//! organisation's kind and purpose allow; one-off consents are used once (also when pulled in
//! parallel), revocation works at once, and every step is in the consent's history. (Over 400
//! lines: one test per rule and per attack, on the in-memory graph; split, they would share
//! their helpers across files.)

use crate::common::{citizen, memory, new_cnp, principal_of, stored_citizen};
use cazier_shared::domain::consent::ConsentDecision;
use cazier_shared::domain::organisation::{Organisation, OrganisationKind};
use cazier_shared::domain::{
    Account, AuditEventKind, AuditSubject, Cnp, ConsentId, ConsentLevel, ConsentStatus, Cui,
    DocumentResult, Principal, Purpose, RecordEntry, RecordSubject,
};
use cazier_shared::ports::{AccountStore, AuditLog, RecordStore};
use cazier_shared::services::client_auth::Admitted;
use cazier_shared::services::consents::{
    AskConsentDto, ConsentRequestError as Refused, HolderConsentError,
};
use cazier_shared::statement::TrustFile;
use cazier_shared::testing::{organisations::sample_organisation, Memory};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use chrono::{Duration, NaiveDate};

pub(crate) fn employer() -> Admitted {
    Admitted {
        organisation: sample_organisation("Dunărea SA"),
        scopes: vec!["extract:ANGAJARE".into()],
    }
}

fn institution() -> Admitted {
    let mut organisation: Organisation = sample_organisation("Autoritatea Rutieră");
    organisation.cui = Cui::parse(&cazier_shared::testing::cui_from(4267117)).unwrap();
    organisation.kind = OrganisationKind::PublicInstitution;
    organisation.purposes = vec![Purpose::AtestatProfesional];
    Admitted {
        organisation,
        scopes: vec!["extract:ATESTAT_PROFESIONAL".into()],
    }
}

fn ask_dto(cnp: &str, purpose: &str, until: Option<&str>) -> AskConsentDto {
    AskConsentDto {
        cnp: cnp.into(),
        purpose: purpose.into(),
        reason: "Angajare șofer autobuz".into(),
        until: until.map(str::to_owned),
        at_desk: false,
    }
}

async fn ask(
    memory: &Memory,
    who: &Admitted,
    cnp: &str,
    purpose: &str,
    until: Option<&str>,
) -> Result<ConsentId, Refused> {
    // The organisation is registered (a suspended or unknown one's request is not accepted).
    use cazier_shared::ports::Organisations;
    let organisations = &memory.organisations;
    if organisations
        .get(&who.organisation.cui)
        .await
        .unwrap()
        .is_none()
    {
        organisations.add(&who.organisation).await.unwrap();
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let asked = ask_dto(cnp, purpose, until)
        .try_into_domain(today)
        .map_err(Refused::Invalid)?;
    Ok(requests(memory).ask(who, asked).await?.consent_id)
}

/// The organisations' service without its answer floor (its own test keeps it).
fn requests(memory: &Memory) -> cazier_shared::services::consents::ConsentRequests {
    let mut service = memory.consent_requests().unwrap();
    service.answer_floor = std::time::Duration::ZERO;
    service
}

/// A validated citizen, their principal and CNP.
pub(crate) async fn holder(memory: &Memory) -> (Account, Principal, String) {
    let (account, principal) = stored_citizen(memory).await;
    let cnp = account.person.as_ref().unwrap().cnp.as_string();
    (account, principal, cnp)
}

async fn accept(memory: &Memory, principal: &Principal, id: &ConsentId) {
    let holders = memory.holder_consents().unwrap();
    let status = holders
        .decide(principal, id, ConsentDecision::Accept)
        .await
        .unwrap();
    assert_eq!(status, ConsentStatus::Accepted);
}

/// A consent `who` asked of the person with `cnp` and they accepted.
pub(crate) async fn given(
    memory: &Memory,
    who: &Admitted,
    holder: &Principal,
    cnp: &str,
    purpose: &str,
    until: Option<&str>,
) -> ConsentId {
    let id = ask(memory, who, cnp, purpose, until).await.unwrap();
    accept(memory, holder, &id).await;
    id
}

pub(crate) async fn trust(memory: &Memory) -> TrustFile {
    let chain = memory.chain().unwrap().get().await.unwrap();
    TrustFile::from_pem(&chain.to_pem().unwrap())
}

fn entry(id: &str, rehabilitated: bool) -> RecordEntry {
    RecordEntry {
        entry_id: id.into(),
        court: "Judecătoria Sectorului 1".into(),
        decision: format!("Sentința penală {id}"),
        decision_date: NaiveDate::from_ymd_opt(2019, 5, 2).unwrap(),
        offence: "art. 336 C.pen.".into(),
        penalty: "amendă".into(),
        rehabilitated,
    }
}

#[tokio::test]
async fn an_employer_gets_a_sealed_status_extract_once_the_person_accepts() {
    let memory = memory().await;
    let (account, principal, cnp) = holder(&memory).await;
    memory
        .records
        .put_entries(&[(
            RecordSubject::Person(Cnp::parse(&cnp).unwrap()),
            entry("e1", false),
        )])
        .await
        .unwrap();
    let requests = memory.consent_requests().unwrap();
    let id = ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();

    // The person is told by e-mail, which names neither the organisation nor the purpose.
    let sent = memory.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, account.email);
    assert!(sent[0].text.contains("/consimtaminte"), "{}", sent[0].text);
    assert!(!sent[0].text.contains("Dunărea") && !sent[0].text.contains(&cnp));

    // Before the answer: no extract.
    let refused = requests.extract(&employer(), &id).await.unwrap_err();
    assert!(
        matches!(refused, Refused::NotGiven(ConsentStatus::Pending)),
        "{refused:?}"
    );

    // The person sees who asks, by its registered name, and accepts.
    let holders = memory.holder_consents().unwrap();
    let listed = holders.list(&principal).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].consent.organisation_name, "Dunărea SA");
    assert_eq!(listed[0].consent.level, ConsentLevel::Status);
    accept(&memory, &principal, &id).await;

    let issued = requests.extract(&employer(), &id).await.unwrap();
    assert!(issued.number.starts_with("EX-2026-"), "{}", issued.number);
    // Offline, with the trust file alone: sealed by us, and what it says.
    let claims =
        cazier_shared::extract::verify(&issued.extract, &trust(&memory).await.keys).unwrap();
    assert_eq!(claims, issued.content);
    assert!(claims.has_entries);
    assert!(claims.entries.is_empty(), "an employer sees no entries");
    // Tied to the person asked about by name and birth date (not the CNP), and dated.
    assert_eq!(claims.holder_birth_date, "1985-01-01");
    assert_eq!(claims.valid_until, "2027-05-22");
    assert_eq!(
        claims.holder_name,
        account.person.as_ref().unwrap().full_name()
    );
    assert!(!issued.extract.contains(&cnp));
    let json = serde_json::to_string(&issued.content).unwrap();
    assert!(!json.contains(&cnp), "the CNP is never handed back");

    // One-off: used.
    let again = requests.extract(&employer(), &id).await.unwrap_err();
    assert!(
        matches!(again, Refused::NotGiven(ConsentStatus::Used)),
        "{again:?}"
    );
    assert_eq!(
        requests.status(&employer(), &id).await.unwrap().status,
        ConsentStatus::Used
    );

    // Its history, as the holder reads it: asked, accepted, the extract, by name and purpose.
    let (_, history) = holders.get(&principal, &id).await.unwrap();
    let events: Vec<AuditEventKind> = history.iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        [
            AuditEventKind::ConsentAsked,
            AuditEventKind::ConsentAccepted,
            AuditEventKind::ExtractIssued
        ]
    );
    let pulled = &history[2];
    assert_eq!(pulled.details["organisation"], "Dunărea SA");
    assert_eq!(pulled.details["purpose"], "ANGAJARE");
    assert_eq!(pulled.details["extract"], issued.number);
}

#[tokio::test]
async fn a_forged_or_foreign_extract_does_not_verify() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let id = given(&memory, &employer(), &principal, &cnp, "ANGAJARE", None).await;
    let issued = memory
        .consent_requests()
        .unwrap()
        .extract(&employer(), &id)
        .await
        .unwrap();
    let keys = trust(&memory).await.keys;
    use cazier_shared::extract::{verify, ExtractRefusal};
    // The claims changed (no entries, another name), the signature kept.
    let forged = cazier_shared::testing::with_changed_claims(&issued.extract, |claims| {
        claims["has_entries"] = serde_json::json!(false);
        claims["holder_name"] = serde_json::json!("Altcineva Ion");
    });
    assert_eq!(verify(&forged, &keys), Err(ExtractRefusal::BadSignature));
    // Against another service's trust file: not ours.
    let other = Memory::new(crate::common::morning()).await;
    assert_eq!(
        verify(&issued.extract, &trust(&other).await.keys),
        Err(ExtractRefusal::UnknownSigner)
    );
    assert_eq!(verify("not a jws", &keys), Err(ExtractRefusal::Malformed));
}

/// A person with these entries (id, rehabilitated) who accepted a one-off request of the
/// institution: the consent's id, and the person's CNP.
async fn institutions_one_off_consent(
    memory: &Memory,
    entries: &[(&str, bool)],
) -> (ConsentId, String) {
    let (_, principal, cnp) = holder(memory).await;
    let subject = RecordSubject::Person(Cnp::parse(&cnp).unwrap());
    let entries: Vec<_> = entries
        .iter()
        .map(|(id, rehabilitated)| (subject.clone(), entry(id, *rehabilitated)))
        .collect();
    memory.records.put_entries(&entries).await.unwrap();
    let id = given(
        memory,
        &institution(),
        &principal,
        &cnp,
        "ATESTAT_PROFESIONAL",
        None,
    )
    .await;
    (id, cnp)
}

#[tokio::test]
async fn an_institution_sees_the_entries_never_the_rehabilitated_ones() {
    let memory = memory().await;
    let (id, _) = institutions_one_off_consent(&memory, &[("e1", false), ("e2", true)]).await;
    let issued = memory
        .consent_requests()
        .unwrap()
        .extract(&institution(), &id)
        .await
        .unwrap();
    assert_eq!(issued.content.level, "CERTIFICATE");
    assert_eq!(issued.content.entries.len(), 1);
    assert_eq!(issued.content.entries[0].decision, "Sentința penală e1");
}

/// The extract as a PDF (issue 27, item 4): sealed as a certificate is (PAdES-B-LT, its
/// number in the signed bytes), the entries the purpose allows and no CNP; a TSA outage is a
/// 503 that leaves the one-off consent unused, so the pull can be made again.
#[tokio::test]
async fn an_extract_pulled_as_a_pdf_is_sealed_and_a_failed_seal_spends_nothing() {
    use cazier_shared::pdf::pades::read_signed;
    use cazier_shared::ports::Signer;
    use cazier_shared::seal::{check_cms, CmsCheck};
    use cazier_shared::services::consents::asking::{ExtractForm, Pulled};
    let memory = memory().await;
    let (id, cnp) = institutions_one_off_consent(&memory, &[("e1", false)]).await;
    let requests = memory.consent_requests().unwrap();

    memory.tsa.set_failing(true);
    let refused = requests.pull(&institution(), &id, ExtractForm::Pdf).await;
    assert!(
        matches!(refused, Err(Refused::Unavailable(_))),
        "{refused:?}"
    );
    memory.tsa.set_failing(false);

    let Pulled::Pdf(extract) = requests
        .pull(&institution(), &id, ExtractForm::Pdf)
        .await
        .expect("the consent is still there to use")
    else {
        panic!("a PDF was asked for")
    };
    assert!(extract.number.starts_with("EX-"));
    let signed = read_signed(&extract.pdf).unwrap();
    assert_eq!(signed.number.as_deref(), Some(extract.number.as_str()));
    assert!(
        !signed.covers_whole_file,
        "followed by its validation material"
    );
    let CmsCheck::Valid { signer } = check_cms(&signed.cms, &signed.digest) else {
        panic!("the seal verifies");
    };
    let seal_key = memory.signer.public_key().await.unwrap();
    assert_eq!(
        der::Encode::to_der(&signer.tbs_certificate.subject_public_key_info).unwrap(),
        seal_key
    );
    let text = String::from_utf8_lossy(&extract.pdf);
    assert!(!text.contains(&cnp), "never the CNP");
    // Offline, as cazier-verify checks it: the seal, and the sealed claims it carries.
    let trust = trust(&memory).await;
    let claims = cazier_shared::statement::verify_extract_pdf(&extract.pdf, &trust).unwrap();
    assert_eq!(claims.number, extract.number);
    assert_eq!(claims.level, "CERTIFICATE");
    assert_eq!(claims.entries[0].decision, "Sentința penală e1");
    // One byte of the claims changed inside the sealed bytes: refused.
    let mut forged = extract.pdf.clone();
    let at = forged
        .windows(b"/CazierExtract (".len())
        .position(|w| w == b"/CazierExtract (")
        .unwrap()
        + 60;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    assert!(cazier_shared::statement::verify_extract_pdf(&forged, &trust).is_err());
    // The public document check says what it is, not "not issued here"; the forgery: changed.
    let documents = memory.verification_service().unwrap();
    let checked = |pdf: Vec<u8>| {
        let documents = &documents;
        async move {
            documents
                .verify_document(&pdf, Some("application/pdf"), "employer")
                .await
                .unwrap()
        }
    };
    let genuine = checked(extract.pdf.clone()).await;
    assert_eq!(genuine.result, DocumentResult::Extract);
    let found = genuine.extract.unwrap();
    assert_eq!(found.number, extract.number);
    assert_eq!(found.organisation, "Autoritatea Rutieră");
    assert_eq!(checked(forged).await.result, DocumentResult::Tampered);
    // Six months on, its answer no longer holds.
    memory.clock.advance(Duration::days(200));
    assert_eq!(
        checked(extract.pdf.clone()).await.result,
        DocumentResult::Expired
    );
    // One-off: used by this extract.
    assert!(matches!(
        requests.pull(&institution(), &id, ExtractForm::Pdf).await,
        Err(Refused::NotGiven(ConsentStatus::Used))
    ));
}

#[tokio::test]
async fn an_organisation_asks_only_for_what_its_kind_registration_and_token_allow() {
    let memory = memory().await;
    let cnp = new_cnp();
    // Not in its registration, and not for an employer at all.
    let firearms = ask(&memory, &employer(), &cnp, "PORT_ARMA", None).await;
    assert!(
        matches!(firearms, Err(Refused::PurposeNotAllowed)),
        "{firearms:?}"
    );
    // Registered, but the token was not issued for it.
    let mut presentation_only = employer();
    presentation_only.scopes = vec!["presentation".into()];
    let scoped = ask(&memory, &presentation_only, &cnp, "ANGAJARE", None).await;
    assert!(
        matches!(scoped, Err(Refused::PurposeNotAllowed)),
        "{scoped:?}"
    );
    // Nobody asks for emigration by consent: the person requests their own certificate.
    let mut everything = institution();
    everything.organisation.purposes = Purpose::ALL.to_vec();
    everything.scopes = vec!["extract:EMIGRARE".into()];
    let emigration = ask(&memory, &everything, &cnp, "EMIGRARE", None).await;
    assert!(
        matches!(emigration, Err(Refused::PurposeNotAllowed)),
        "{emigration:?}"
    );
    assert!(memory.mailer.sent().is_empty());
}

#[tokio::test]
async fn another_organisation_can_neither_read_nor_use_a_consent() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let id = given(&memory, &employer(), &principal, &cnp, "ANGAJARE", None).await;
    let mut rival = employer();
    rival.organisation.cui = Cui::parse(&cazier_shared::testing::cui_from(18547290)).unwrap();
    let requests = memory.consent_requests().unwrap();
    assert!(matches!(
        requests.status(&rival, &id).await,
        Err(Refused::NotFound)
    ));
    assert!(matches!(
        requests.extract(&rival, &id).await,
        Err(Refused::NotFound)
    ));
    // Its own token, without the purpose's scope, reads nothing either.
    let mut presentation_only = employer();
    presentation_only.scopes = vec!["presentation".into()];
    assert!(matches!(
        requests.status(&presentation_only, &id).await,
        Err(Refused::PurposeNotAllowed)
    ));
    // Its own, still there for the one that asked.
    assert!(requests.extract(&employer(), &id).await.is_ok());
}

#[tokio::test]
async fn a_flood_of_requests_is_throttled_and_the_person_gets_one_request_and_one_mail() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let first = ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();
    let mut throttled = 0;
    for _ in 0..100 {
        match ask(&memory, &employer(), &cnp, "ANGAJARE", None).await {
            Ok(id) => assert_eq!(id, first, "one pending request per person"),
            Err(Refused::Throttled { retry_after }) => {
                assert!(retry_after <= 60);
                throttled += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(throttled, 100 - 59, "60 a minute");
    assert_eq!(memory.mailer.sent().len(), 1);
    let listed = memory
        .holder_consents()
        .unwrap()
        .list(&principal)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn revoking_stops_a_continuous_consent_at_once() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let id = given(
        &memory,
        &employer(),
        &principal,
        &cnp,
        "ANGAJARE",
        Some("2027-06-30"),
    )
    .await;
    let requests = memory.consent_requests().unwrap();
    requests.extract(&employer(), &id).await.unwrap();
    requests.extract(&employer(), &id).await.unwrap();
    let holders = memory.holder_consents().unwrap();
    holders.revoke(&principal, &id).await.unwrap();
    let refused = requests.extract(&employer(), &id).await.unwrap_err();
    assert!(
        matches!(refused, Refused::NotGiven(ConsentStatus::Revoked)),
        "{refused:?}"
    );
    // Revoked is final.
    let again = holders.revoke(&principal, &id).await.unwrap_err();
    assert!(matches!(
        again,
        HolderConsentError::Settled(ConsentStatus::Revoked)
    ));
    let accepted_again = holders
        .decide(&principal, &id, ConsentDecision::Accept)
        .await;
    assert!(matches!(
        accepted_again,
        Err(HolderConsentError::Settled(_))
    ));
    // After its last day, an unrevoked one ends by itself.
    let id = {
        let other = given(
            &memory,
            &institution(),
            &principal,
            &cnp,
            "ATESTAT_PROFESIONAL",
            Some("2026-12-31"),
        )
        .await;
        other
    };
    memory.clock.set(crate::common::utc(2026, 12, 31, 22, 0, 0));
    let ended = requests.extract(&institution(), &id).await.unwrap_err();
    assert!(
        matches!(ended, Refused::NotGiven(ConsentStatus::Expired)),
        "{ended:?}"
    );
}

#[tokio::test]
async fn only_the_person_whose_cnp_it_is_decides_and_only_once_validated() {
    let memory = memory().await;
    let (_, _, cnp) = holder(&memory).await;
    let id = ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();
    let holders = memory.holder_consents().unwrap();
    // Someone else, validated.
    let (_, stranger, _) = holder(&memory).await;
    let decided = holders
        .decide(&stranger, &id, ConsentDecision::Accept)
        .await;
    assert!(
        matches!(decided, Err(HolderConsentError::NotFound)),
        "{decided:?}"
    );
    assert!(holders.list(&stranger).await.unwrap().is_empty());
    // An account that declared the same CNP but never proved it.
    let unproven = citizen(&cnp, false);
    memory
        .accounts
        .create(&unproven, chrono::Utc::now())
        .await
        .unwrap();
    let unproven = principal_of(&unproven);
    let decided = holders
        .decide(&unproven, &id, ConsentDecision::Accept)
        .await;
    assert!(
        matches!(decided, Err(HolderConsentError::NotValidated)),
        "{decided:?}"
    );
    assert!(matches!(
        holders.list(&unproven).await,
        Err(HolderConsentError::NotValidated)
    ));
}

#[tokio::test]
async fn an_unanswered_request_expires_and_the_organisation_may_ask_again() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let first = ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();
    memory.clock.advance(Duration::days(14));
    let holders = memory.holder_consents().unwrap();
    let late = holders
        .decide(&principal, &first, ConsentDecision::Accept)
        .await;
    assert!(matches!(
        late,
        Err(HolderConsentError::Settled(ConsentStatus::Expired))
    ));
    let second = ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();
    assert_ne!(first, second);
    // Declined: no extract, and a new request may follow.
    holders
        .decide(&principal, &second, ConsentDecision::Decline)
        .await
        .unwrap();
    let refused = memory
        .consent_requests()
        .unwrap()
        .extract(&employer(), &second)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        Refused::NotGiven(ConsentStatus::Declined)
    ));
    // Declined: the organisation does not ask again (nor e-mail) for a month.
    let mails = memory.mailer.sent().len();
    let again = ask(&memory, &employer(), &cnp, "ANGAJARE", None).await;
    assert!(matches!(again, Err(Refused::RecentlyDeclined)), "{again:?}");
    assert_eq!(memory.mailer.sent().len(), mails);
    memory.clock.advance(Duration::days(30));
    let third = ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();
    assert_ne!(third, second);
}

#[tokio::test]
async fn a_one_off_consent_pulled_in_parallel_yields_one_extract() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let id = given(&memory, &employer(), &principal, &cnp, "ANGAJARE", None).await;
    let requests = std::sync::Arc::new(memory.consent_requests().unwrap());
    let pulls = (0..10).map(|_| {
        let requests = requests.clone();
        let id = id.clone();
        tokio::spawn(async move { requests.extract(&employer(), &id).await })
    });
    let mut given = 0;
    for pull in pulls {
        match pull.await.unwrap() {
            Ok(_) => given += 1,
            Err(Refused::Changed | Refused::NotGiven(ConsentStatus::Used)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(given, 1);
    let history = memory
        .audit
        .history(&AuditSubject::Consent(id.clone()))
        .await
        .unwrap();
    let extracts = history
        .iter()
        .filter(|e| e.event == AuditEventKind::ExtractIssued)
        .count();
    assert_eq!(extracts, 1);
}

#[tokio::test]
async fn nobody_learns_whether_a_cnp_has_an_account() {
    let memory = memory().await;
    let (_, _, known) = holder(&memory).await;
    let service = memory.consent_requests().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    // Nor by the time of the answer: an e-mail is sent only to a validated account, and every
    // new request takes at least as long as one that sends it.
    let started = std::time::Instant::now();
    let with = service
        .ask(
            &employer(),
            ask_dto(&known, "ANGAJARE", None)
                .try_into_domain(today)
                .unwrap(),
        )
        .await
        .unwrap();
    let without = service
        .ask(
            &employer(),
            ask_dto(&new_cnp(), "ANGAJARE", None)
                .try_into_domain(today)
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(started.elapsed() >= 2 * cazier_shared::services::MAIL_ANSWER_FLOOR);
    let fields = |v: &cazier_shared::services::consents::asking::ConsentView| {
        (v.status, v.level, v.expires_at.clone(), v.extracts)
    };
    assert_eq!(fields(&with), fields(&without));
    // A store that fails to e-mail still keeps the request.
    memory.mailer.set_failing(true);
    let (_, principal, cnp) = holder(&memory).await;
    ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .unwrap();
    let listed = memory
        .holder_consents()
        .unwrap()
        .list(&principal)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let _ = memory
        .accounts
        .find_by_cnp(&Cnp::parse(&cnp).unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn at_an_institutions_desk_the_person_opens_the_request_with_the_code_shown() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut asked = ask_dto(&cnp, "ATESTAT_PROFESIONAL", None);
    asked.at_desk = true;
    let organisations = &memory.organisations;
    cazier_shared::ports::Organisations::add(&**organisations, &institution().organisation)
        .await
        .unwrap();
    let requests = memory.consent_requests().unwrap();
    let view = requests
        .ask(&institution(), asked.try_into_domain(today).unwrap())
        .await
        .unwrap();
    let code = view
        .desk_code
        .clone()
        .expect("a code for the desk's screen");
    assert_eq!(code.len(), 9, "{code}");
    assert!(
        memory.mailer.sent().is_empty(),
        "the person is at the desk: no e-mail"
    );
    let holders = memory.holder_consents().unwrap();
    // Typed loosely on a phone.
    let typed = code.to_lowercase().replace('-', " ");
    let opened = holders.open_desk_code(&principal, &typed).await.unwrap();
    assert_eq!(opened, view.consent_id);
    accept(&memory, &principal, &opened).await;
    assert!(requests.extract(&institution(), &opened).await.is_ok());

    // Someone else with the same code: nothing (one answer for a wrong, expired or foreign code).
    let (_, stranger, _) = holder(&memory).await;
    let foreign = holders.open_desk_code(&stranger, &code).await;
    assert!(
        matches!(foreign, Err(HolderConsentError::WrongCode)),
        "{foreign:?}"
    );
    assert!(matches!(
        holders.open_desk_code(&principal, "ABCD-EFGH").await,
        Err(HolderConsentError::WrongCode)
    ));
    assert!(matches!(
        holders.open_desk_code(&principal, "not a code").await,
        Err(HolderConsentError::WrongCode)
    ));
    // Fifteen minutes.
    let mut again = ask_dto(&cnp, "ATESTAT_PROFESIONAL", None);
    again.at_desk = true;
    let later = requests
        .ask(&institution(), again.try_into_domain(today).unwrap())
        .await
        .unwrap();
    memory.clock.advance(Duration::minutes(15));
    let expired = holders
        .open_desk_code(&principal, later.desk_code.as_deref().unwrap())
        .await;
    assert!(
        matches!(expired, Err(HolderConsentError::WrongCode)),
        "{expired:?}"
    );
    // Guessing is counted per account: ten a minute.
    let mut throttled = false;
    for _ in 0..12 {
        if let Err(HolderConsentError::Throttled { .. }) =
            holders.open_desk_code(&stranger, "ZZZZ-ZZZZ").await
        {
            throttled = true;
        }
    }
    assert!(throttled);
    // Employers do not ask at a desk.
    let mut desk = ask_dto(&cnp, "ANGAJARE", None);
    desk.at_desk = true;
    let refused = requests
        .ask(&employer(), desk.try_into_domain(today).unwrap())
        .await;
    assert!(
        matches!(refused, Err(Refused::DeskNotAllowed)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_record_change_is_told_to_continuous_consents_only_without_content() {
    let memory = memory().await;
    let (account, principal, cnp) = holder(&memory).await;
    let continuous = given(
        &memory,
        &employer(),
        &principal,
        &cnp,
        "ANGAJARE",
        Some("2027-06-30"),
    )
    .await;
    // Another organisation's one-off consent: told nothing.
    given(
        &memory,
        &institution(),
        &principal,
        &cnp,
        "ATESTAT_PROFESIONAL",
        None,
    )
    .await;
    let notices = memory.change_notices().unwrap();
    let feeds = memory.change_feeds().unwrap();
    let feed = feeds.feed(&employer(), None).await.unwrap();
    assert!(feed.changes.is_empty() && feed.next.is_none());

    let cnp = Cnp::parse(&cnp).unwrap();
    memory
        .records
        .put_entries(&[(RecordSubject::Person(cnp.clone()), entry("n1", false))])
        .await
        .unwrap();
    let mails = memory.mailer.sent().len();
    assert_eq!(notices.record_changed(&cnp).await.unwrap(), 1);
    // The person is told, without content.
    let sent = memory.mailer.sent();
    assert_eq!(sent.len(), mails + 1);
    assert_eq!(sent[mails].to, account.email);
    assert!(!sent[mails].text.contains("Dunărea") && !sent[mails].text.contains("n1"));

    // The employer's feed: which consent, when; then nothing new after its cursor.
    let feed = feeds.feed(&employer(), None).await.unwrap();
    assert_eq!(feed.changes.len(), 1);
    assert_eq!(feed.changes[0].consent_id, continuous);
    let json = serde_json::to_string(&feed).unwrap();
    assert!(
        !json.contains("n1") && !json.contains(&cnp.as_string()),
        "{json}"
    );
    let after = feed.next.clone().unwrap();
    let later = feeds.feed(&employer(), Some(&after)).await.unwrap();
    assert!(later.changes.is_empty());
    assert_eq!(
        later.next.as_deref(),
        Some(after.as_str()),
        "the cursor stays"
    );
    // The institution (one-off consent) is told nothing; a made-up cursor is refused.
    assert!(feeds
        .feed(&institution(), None)
        .await
        .unwrap()
        .changes
        .is_empty());
    assert!(matches!(
        feeds.feed(&employer(), Some("not-a-cursor")).await,
        Err(Refused::Invalid(_))
    ));
    // The person sees, in the consent's history, that the organisation was told.
    let (_, history) = memory
        .holder_consents()
        .unwrap()
        .get(&principal, &continuous)
        .await
        .unwrap();
    assert_eq!(history.last().unwrap().event, AuditEventKind::RecordChanged);

    // Withdrawn: no more notices.
    memory
        .holder_consents()
        .unwrap()
        .revoke(&principal, &continuous)
        .await
        .unwrap();
    memory.clock.advance(Duration::seconds(1));
    assert_eq!(notices.record_changed(&cnp).await.unwrap(), 0);
    let after_revoke = feeds.feed(&employer(), Some(&after)).await.unwrap();
    assert!(after_revoke.changes.is_empty());
}

#[tokio::test]
async fn a_person_who_withdrew_is_not_asked_again_for_a_month() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let until = Some("2027-03-01");
    let id = given(&memory, &employer(), &principal, &cnp, "ANGAJARE", until).await;
    let holders = memory.holder_consents().unwrap();
    holders.revoke(&principal, &id).await.unwrap();
    // Withdrawn: the organisation cannot ask (nor e-mail) again at once (the attack of stop
    // 40 re-asked the second after).
    let mails = memory.mailer.sent().len();
    let again = ask(&memory, &employer(), &cnp, "ANGAJARE", None).await;
    assert!(matches!(again, Err(Refused::RecentlyDeclined)), "{again:?}");
    assert_eq!(memory.mailer.sent().len(), mails);
    // Another organisation still may; and this one after the month.
    assert!(
        ask(&memory, &institution(), &cnp, "ATESTAT_PROFESIONAL", None)
            .await
            .is_ok()
    );
    memory.clock.advance(Duration::days(30));
    assert!(ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .is_ok());
}

#[tokio::test]
async fn a_used_one_off_consent_may_be_asked_again() {
    let memory = memory().await;
    let (_, principal, cnp) = holder(&memory).await;
    let id = given(&memory, &employer(), &principal, &cnp, "ANGAJARE", None).await;
    requests(&memory).extract(&employer(), &id).await.unwrap();
    // A new hiring round is a new question: asked, and the person is asked again.
    assert!(ask(&memory, &employer(), &cnp, "ANGAJARE", None)
        .await
        .is_ok());
}
