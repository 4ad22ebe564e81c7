//! An organisation's staff in the portal (issue 27, item 7): they act only in their own
//! organisation's name, only while it is active and they are enabled, only for its purposes;
//! they see only its consents, never a whole CNP; and what they do is in their own history.

use crate::common::{memory, principal_of, stored_citizen};
use cazier_shared::domain::consent::ConsentDecision;
use cazier_shared::domain::organisation::{Organisation, OrganisationKind, OrganisationStatus};
use cazier_shared::domain::{
    AuditEventKind, AuditSubject, ConsentId, ConsentStatus, Cui, Principal, Purpose, Role,
};
use cazier_shared::ports::{AccountStore, AuditLog, Consents, Organisations};
use cazier_shared::services::consents::asking::{ExtractForm, Pulled};
use cazier_shared::services::consents::{
    AskConsentDto, ConsentRequestError as Refused, StaffConsentError as E, StaffConsents,
};
use cazier_shared::services::operators::{
    change_operator, create_operator, create_staff, OperatorChange,
};
use cazier_shared::testing::{organisations::sample_organisation, Memory};
use cazier_shared::wiring::ServiceGraphs;
use chrono::NaiveDate;

fn staff_service(memory: &Memory) -> StaffConsents {
    let mut service = memory.staff_consents().unwrap();
    service.asking.answer_floor = std::time::Duration::ZERO;
    service
}

/// Registers `organisation` and makes a staff account for it; the staff member's principal.
async fn staff_of(memory: &Memory, organisation: &Organisation, email: &str) -> Principal {
    if memory
        .organisations
        .get(&organisation.cui)
        .await
        .unwrap()
        .is_none()
    {
        memory.organisations.add(organisation).await.unwrap();
    }
    let created = create_staff(
        &*memory.accounts,
        &*memory.organisations,
        email,
        "staff-test-password",
        organisation.cui.as_str(),
        true,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let account = memory.accounts.get(&created.account_id).await.unwrap();
    let account = account.unwrap();
    assert_eq!(account.role, Role::Staff);
    principal_of(&account)
}

/// A validated person: their principal and CNP.
async fn person(memory: &Memory) -> (Principal, String) {
    let (account, principal) = stored_citizen(memory).await;
    let cnp = account.person.as_ref().map(|p| p.cnp.as_string());
    (principal, cnp.expect("a validated person"))
}

fn employer() -> Organisation {
    sample_organisation("Dunărea SA")
}

fn institution() -> Organisation {
    let mut organisation = sample_organisation("Autoritatea Rutieră");
    organisation.cui = Cui::parse(&cazier_shared::testing::cui_from(4267117)).unwrap();
    organisation.kind = OrganisationKind::PublicInstitution;
    organisation.purposes = vec![Purpose::AtestatProfesional];
    organisation
}

fn asked(cnp: &str, purpose: &str, at_desk: bool) -> cazier_shared::services::consents::AskConsent {
    AskConsentDto {
        cnp: cnp.into(),
        purpose: purpose.into(),
        reason: "Angajare șofer".into(),
        until: None,
        at_desk,
    }
    .try_into_domain(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
    .unwrap()
}

async fn accept(memory: &Memory, holder: &Principal, id: &ConsentId) {
    memory
        .holder_consents()
        .unwrap()
        .decide(holder, id, ConsentDecision::Accept)
        .await
        .unwrap();
}

fn actions(history: &[cazier_shared::domain::AuditEvent]) -> Vec<String> {
    history
        .iter()
        .filter(|e| e.event == AuditEventKind::StaffActed)
        .filter_map(|e| e.details.get("action").cloned())
        .collect()
}

#[tokio::test]
async fn staff_ask_and_pull_a_sealed_extract_in_their_organisations_name_and_are_audited() {
    let memory = memory().await;
    let service = staff_service(&memory);
    let staff = staff_of(&memory, &employer(), "hr@dunarea.example").await;
    let (holder, cnp) = person(&memory).await;

    let view = service
        .ask(&staff, asked(&cnp, "ANGAJARE", false))
        .await
        .unwrap();
    let consent = memory
        .consents
        .get(&view.consent_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(consent.organisation, employer().cui, "asked in its name");
    assert_eq!(consent.organisation_name, "Dunărea SA");

    // The list shows whose it is by the CNP's last digits only, and the name once accepted.
    let (_, listed) = service.list(&staff).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].cnp_ending, &cnp[9..]);
    assert_eq!(listed[0].holder_name, None);
    accept(&memory, &holder, &view.consent_id).await;
    let (_, shown, history) = service.get(&staff, &view.consent_id).await.unwrap();
    assert_eq!(shown.view.status, ConsentStatus::Accepted);
    assert!(shown.holder_name.is_some());
    assert!(history
        .iter()
        .any(|e| e.event == AuditEventKind::ConsentAccepted));

    let pulled = service
        .pull(&staff, &view.consent_id, ExtractForm::Pdf)
        .await
        .unwrap();
    let Pulled::Pdf(pdf) = pulled else {
        panic!("a PDF was asked for")
    };
    assert!(pdf.pdf.starts_with(b"%PDF-"));
    // A one-off consent: used by that extract.
    assert!(matches!(
        service
            .pull(&staff, &view.consent_id, ExtractForm::Pdf)
            .await,
        Err(E::Request(Refused::NotGiven(ConsentStatus::Used)))
    ));

    // The staff member's own history: what they did, with the extract's number.
    let mine = memory
        .audit
        .history(&AuditSubject::Operator(staff.account_id.clone()))
        .await
        .unwrap();
    assert_eq!(actions(&mine), ["ASKED", "OPENED", "EXTRACT_PULLED"]);
    let pulled_entry = mine
        .iter()
        .find(|e| e.details.get("action").map(String::as_str) == Some("EXTRACT_PULLED"));
    assert_eq!(
        pulled_entry.and_then(|e| e.details.get("extract")),
        Some(&pdf.number)
    );
    assert!(
        mine.iter()
            .all(|e| !format!("{:?}", e.details).contains(&cnp)),
        "no CNP in the audit"
    );
}

#[tokio::test]
async fn staff_see_and_pull_only_their_own_organisations_consents() {
    let memory = memory().await;
    let service = staff_service(&memory);
    let ours = staff_of(&memory, &employer(), "hr@dunarea.example").await;
    let theirs = staff_of(&memory, &institution(), "ghiseu@arr.example").await;
    let (holder, cnp) = person(&memory).await;
    let view = service
        .ask(&ours, asked(&cnp, "ANGAJARE", false))
        .await
        .unwrap();
    accept(&memory, &holder, &view.consent_id).await;

    assert!(matches!(
        service.get(&theirs, &view.consent_id).await,
        Err(E::Request(Refused::NotFound))
    ));
    assert!(matches!(
        service
            .pull(&theirs, &view.consent_id, ExtractForm::Json)
            .await,
        Err(E::Request(Refused::NotFound))
    ));
    assert!(service.list(&theirs).await.unwrap().1.is_empty());
    // Nothing was spent by the other organisation's tries.
    assert!(service
        .pull(&ours, &view.consent_id, ExtractForm::Json)
        .await
        .is_ok());
}

#[tokio::test]
async fn a_suspended_organisation_or_a_disabled_staff_member_can_do_nothing() {
    let memory = memory().await;
    let service = staff_service(&memory);
    let staff = staff_of(&memory, &employer(), "hr@dunarea.example").await;
    let (_, cnp) = person(&memory).await;

    memory
        .organisations
        .set_status(&employer().cui, OrganisationStatus::Suspended)
        .await
        .unwrap();
    assert!(matches!(service.list(&staff).await, Err(E::Suspended)));
    assert!(matches!(
        service.ask(&staff, asked(&cnp, "ANGAJARE", false)).await,
        Err(E::Suspended)
    ));
    let asked_now = memory.consents.for_organisation(&employer().cui, 10).await;
    assert!(asked_now.unwrap().is_empty(), "nothing asked");
    memory
        .organisations
        .set_status(&employer().cui, OrganisationStatus::Active)
        .await
        .unwrap();
    assert!(service.list(&staff).await.is_ok());

    change_operator(
        &*memory.accounts,
        &*memory.sessions,
        Role::Staff,
        "hr@dunarea.example",
        OperatorChange::Disable,
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(service.list(&staff).await, Err(E::NotStaff)));

    // A clerk or a citizen is nobody's staff, whatever route lets them in.
    let (_, citizen) = stored_citizen(&memory).await;
    assert!(matches!(service.list(&citizen).await, Err(E::NotStaff)));
    let clerk = create_operator(
        &*memory.accounts,
        "clerk@politia.example",
        "operator-test-password",
        "Secția 1",
        true,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let clerk = Principal {
        account_id: clerk.account_id,
        role: Role::Operator,
        token_hash: "session".into(),
    };
    assert!(matches!(service.list(&clerk).await, Err(E::NotStaff)));
    // Ops cannot change a clerk through the staff command, nor staff through the clerks'.
    let wrong = change_operator(
        &*memory.accounts,
        &*memory.sessions,
        Role::Staff,
        "clerk@politia.example",
        OperatorChange::Disable,
        "test",
        chrono::Utc::now(),
    )
    .await;
    assert!(wrong.is_err());
}

#[tokio::test]
async fn staff_ask_only_for_their_purposes_and_only_institutions_ask_at_a_desk() {
    let memory = memory().await;
    let service = staff_service(&memory);
    let employer_staff = staff_of(&memory, &employer(), "hr@dunarea.example").await;
    let desk = staff_of(&memory, &institution(), "ghiseu@arr.example").await;
    let (holder, cnp) = person(&memory).await;

    assert!(matches!(
        service
            .ask(&employer_staff, asked(&cnp, "ATESTAT_PROFESIONAL", false))
            .await,
        Err(E::Request(Refused::PurposeNotAllowed))
    ));
    assert!(matches!(
        service
            .ask(&employer_staff, asked(&cnp, "ANGAJARE", true))
            .await,
        Err(E::Request(Refused::DeskNotAllowed))
    ));

    let view = service
        .ask(&desk, asked(&cnp, "ATESTAT_PROFESIONAL", true))
        .await
        .unwrap();
    let code = view.desk_code.expect("a desk code");
    assert!(memory.mailer.sent().is_empty(), "no e-mail at a desk");
    let again = service
        .new_desk_code(&desk, &view.consent_id)
        .await
        .unwrap();
    let second = again.desk_code.expect("a new code");
    assert_ne!(code, second);
    // Both open the request for its person.
    let holders = memory.holder_consents().unwrap();
    for typed in [&code, &second] {
        assert_eq!(
            holders.open_desk_code(&holder, typed).await.unwrap(),
            view.consent_id
        );
    }
    accept(&memory, &holder, &view.consent_id).await;
    assert!(matches!(
        service.new_desk_code(&desk, &view.consent_id).await,
        Err(E::Request(Refused::NotGiven(ConsentStatus::Accepted)))
    ));
}

#[tokio::test]
async fn asking_again_while_a_request_waits_says_it_is_that_one() {
    let memory = memory().await;
    let service = staff_service(&memory);
    let desk = staff_of(&memory, &institution(), "ghiseu@arr.example").await;
    let (_, cnp) = person(&memory).await;
    let first = service
        .ask(&desk, asked(&cnp, "ATESTAT_PROFESIONAL", false))
        .await
        .unwrap();
    assert!(!first.already_waiting);
    // Another reason and term, the same person: no new request; the answer is the waiting
    // one, and says so (the attack of stop 40 was told "sent" and shown the old one).
    let mut other = asked(&cnp, "ATESTAT_PROFESIONAL", false);
    other.reason = cazier_shared::domain::consent::ConsentReason::parse("Alt motiv").unwrap();
    other.term = cazier_shared::domain::consent::ConsentTerm::Until(
        NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
    );
    let second = service.ask(&desk, other).await.unwrap();
    assert_eq!(second.consent_id, first.consent_id);
    assert!(second.already_waiting);
    assert_eq!(second.until, None, "the waiting one's term");
}

#[tokio::test]
async fn a_suspended_organisations_request_may_be_declined_not_accepted() {
    let memory = memory().await;
    let service = staff_service(&memory);
    let staff = staff_of(&memory, &employer(), "hr@dunarea.example").await;
    let (holder, cnp) = person(&memory).await;
    let view = service
        .ask(&staff, asked(&cnp, "ANGAJARE", false))
        .await
        .unwrap();
    memory
        .organisations
        .set_status(&employer().cui, OrganisationStatus::Suspended)
        .await
        .unwrap();
    let holders = memory.holder_consents().unwrap();
    let (held, _) = holders.get(&holder, &view.consent_id).await.unwrap();
    assert!(held.organisation_suspended, "the page says so");
    assert!(matches!(
        holders
            .decide(&holder, &view.consent_id, ConsentDecision::Accept)
            .await,
        Err(cazier_shared::services::consents::HolderConsentError::OrganisationSuspended)
    ));
    let declined = holders
        .decide(&holder, &view.consent_id, ConsentDecision::Decline)
        .await
        .unwrap();
    assert_eq!(declined, ConsentStatus::Declined);
}
