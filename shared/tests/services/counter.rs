//! Validation at a police counter: a clerk opens and validates only the account the code the
//! citizen shows names, in the same session, shortly after; every view is audited; the names
//! the clerk reads off the document are the ones sealed; one validated account per CNP.

use crate::common::{citizen, memory, new_cnp, passport, principal_of};
use crate::edge;
use cazier_shared::domain::CounterCode;
use cazier_shared::domain::{
    Account, AccountId, AccountStatus, AuditEventKind, AuditSubject, Email, IdDocument, Principal,
    Role,
};
use cazier_shared::ports::{AccessChange, AccountStore, AuditLog};
use cazier_shared::services::validation::{
    CounterValidationDto, CounterValidationError, LookupDto, LookupError, LOOKUP_TTL,
};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use serde_json::json;

async fn operator(memory: &Memory) -> Account {
    let account = Account {
        account_id: AccountId::random(),
        email: Email::parse(&format!("clerk-{}@politia.ro", AccountId::random())).unwrap(),
        role: Role::Operator,
        status: AccountStatus::Validated,
        password_hash: "not used".into(),
        created_at: crate::common::morning(),
        person: None,
        counter_code: None,
        validation: None,
        unit: Some("Secția 1 Poliție București".into()),
        organisation: None,
        expires_at: None,
        disabled: false,
        totp: None,
        details_version: 0,
    };
    memory
        .accounts
        .create(&account, chrono::Utc::now())
        .await
        .unwrap();
    account
}

/// Another session of the same clerk (another browser or token).
fn other_session(clerk: &Principal) -> Principal {
    Principal {
        token_hash: format!("{}-elsewhere", clerk.token_hash),
        ..clerk.clone()
    }
}

fn document(doc: serde_json::Value) -> CounterValidationDto {
    serde_json::from_value(json!({ "id_document": doc })).unwrap()
}

fn right() -> CounterValidationDto {
    document(json!({"type": "PASSPORT", "number": "055123456"}))
}

fn code_of(account: &Account) -> CounterCode {
    account.counter_code.clone().unwrap()
}

/// A code as a clerk types it, read as the edges read it.
fn typed(text: &str) -> Result<CounterCode, LookupError> {
    LookupDto {
        counter_code: text.into(),
    }
    .try_into_domain()
}

async fn pending_citizen(memory: &Memory) -> Account {
    let citizen = citizen(&new_cnp(), false);
    memory
        .accounts
        .create(&citizen, chrono::Utc::now())
        .await
        .unwrap();
    citizen
}

#[tokio::test]
async fn the_clerk_finds_the_citizen_by_code_typed_loosely() {
    let memory = memory().await;
    let clerk = principal_of(&operator(&memory).await);
    let citizen = pending_citizen(&memory).await;
    let service = memory.validation_service().unwrap();
    let code = citizen
        .counter_code
        .as_ref()
        .unwrap()
        .as_str()
        .to_lowercase();
    let loose = format!("{}-{}", &code[..4], &code[4..]);
    let found = service
        .lookup(&clerk, &typed(&loose).unwrap())
        .await
        .unwrap();
    assert_eq!(found.account_id, citizen.account_id);
    assert_eq!(found.id_document, passport());
    assert_eq!(found.birth_place.as_deref(), Some("Câmpulung Moldovenesc"));
    let unknown = typed("ZZZZZZZZ").unwrap();
    assert!(matches!(
        service.lookup(&clerk, &unknown).await,
        Err(LookupError::NotFound)
    ));
    assert!(matches!(typed("!!"), Err(LookupError::Invalid(_))));
}

#[tokio::test]
async fn an_account_opens_only_after_a_lookup_by_its_code_in_the_same_session() {
    let memory = memory().await;
    let clerk = principal_of(&operator(&memory).await);
    let citizen = pending_citizen(&memory).await;
    let another = pending_citizen(&memory).await;
    let service = memory.validation_service().unwrap();
    let id = &citizen.account_id;
    // By account id alone: refused, and nothing is shown or changed.
    assert!(matches!(
        service.registered(&clerk, id).await,
        Err(LookupError::NotLookedUp)
    ));
    assert!(matches!(
        edge::validate(&service, &clerk, id, right()).await,
        Err(CounterValidationError::NotLookedUp)
    ));
    service.lookup(&clerk, &code_of(&citizen)).await.unwrap();
    // The lookup opens that account only, in that session only.
    assert!(service.registered(&clerk, id).await.is_ok());
    assert!(matches!(
        service.registered(&clerk, &another.account_id).await,
        Err(LookupError::NotLookedUp)
    ));
    assert!(matches!(
        edge::validate(&service, &other_session(&clerk), id, right()).await,
        Err(CounterValidationError::NotLookedUp)
    ));
    // For a short while.
    memory
        .clock
        .advance(LOOKUP_TTL + chrono::Duration::seconds(1));
    assert!(matches!(
        edge::validate(&service, &clerk, id, right()).await,
        Err(CounterValidationError::NotLookedUp)
    ));
    let stored = memory.accounts.get(id).await.unwrap().unwrap();
    assert_eq!(stored.status, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn validation_checks_the_document_once_and_every_view_is_audited() {
    let memory = memory().await;
    let clerk_account = operator(&memory).await;
    let clerk = principal_of(&clerk_account);
    let citizen = pending_citizen(&memory).await;
    let service = memory.validation_service().unwrap();
    let id = &citizen.account_id;
    service.lookup(&clerk, &code_of(&citizen)).await.unwrap();
    service.registered(&clerk, id).await.unwrap();

    let wrong = document(json!({"type": "PASSPORT", "number": "055999999"}));
    assert!(matches!(
        edge::validate(&service, &clerk, id, wrong).await,
        Err(CounterValidationError::DocumentMismatch)
    ));
    let view = edge::validate(&service, &clerk, id, right()).await.unwrap();
    assert_eq!(view.status, AccountStatus::Validated);
    assert!(matches!(
        edge::validate(&service, &clerk, id, right()).await,
        Err(CounterValidationError::AlreadyValidated)
    ));

    let history = memory
        .audit
        .history(&AuditSubject::Account(id.clone()))
        .await
        .unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            AuditEventKind::Viewed,
            AuditEventKind::Viewed,
            AuditEventKind::Validated
        ],
        "the lookup, the opened page, the validation"
    );
    assert_eq!(history[0].details["how"], "COUNTER_CODE");
    assert_eq!(history[1].details["how"], "OPENED");
    for e in &history {
        assert_eq!(e.details["operator_id"], clerk_account.account_id.as_str());
        assert_eq!(e.details["unit"], "Secția 1 Poliție București");
    }
    assert_eq!(history[2].details["method"], "COUNTER");
    // The clerk's own trail names whom they looked at.
    let own = memory
        .audit
        .history(&AuditSubject::Operator(clerk_account.account_id.clone()))
        .await
        .unwrap();
    assert!(own
        .iter()
        .any(|e| e.event == AuditEventKind::Viewed && e.details["account_id"] == id.as_str()));

    // The clerk's own list of the day has it; the next Bucharest day starts empty.
    let today = service.validations_today(&clerk).await.unwrap();
    assert_eq!(today.len(), 1);
    assert_eq!(&today[0].account_id, id);
    memory.clock.advance(chrono::Duration::days(1));
    assert!(service.validations_today(&clerk).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_names_read_off_the_document_are_the_ones_sealed() {
    let memory = memory().await;
    let clerk = principal_of(&operator(&memory).await);
    let citizen = pending_citizen(&memory).await;
    let service = memory.validation_service().unwrap();
    service.lookup(&clerk, &code_of(&citizen)).await.unwrap();
    let bidi = serde_json::from_value(json!({
        "id_document": {"type": "PASSPORT", "number": "055123456"},
        "last_name": "Ștefănescu\u{202E}", "first_name": "Ana-Maria"
    }))
    .unwrap();
    assert!(matches!(
        edge::validate(&service, &clerk, &citizen.account_id, bidi).await,
        Err(CounterValidationError::Invalid(_))
    ));
    let dto = serde_json::from_value(json!({
        "id_document": {"type": "PASSPORT", "number": "055123456"},
        "last_name": "Ștefănescu-Pop", "first_name": "Ana Maria"
    }))
    .unwrap();
    edge::validate(&service, &clerk, &citizen.account_id, dto)
        .await
        .unwrap();
    let stored = memory
        .accounts
        .get(&citizen.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.person.unwrap().full_name(),
        "Ștefănescu-Pop Ana Maria"
    );
}

#[tokio::test]
async fn a_cnp_is_validated_on_one_account_only() {
    let memory = memory().await;
    let clerk = principal_of(&operator(&memory).await);
    let service = memory.validation_service().unwrap();
    let cnp = new_cnp();
    // A stranger registered the CNP first; it does not lock its owner out.
    let squatter = citizen(&cnp, false);
    let owner = citizen(&cnp, false);
    for account in [&squatter, &owner] {
        memory
            .accounts
            .create(account, chrono::Utc::now())
            .await
            .unwrap();
    }
    service.lookup(&clerk, &code_of(&owner)).await.unwrap();
    edge::validate(&service, &clerk, &owner.account_id, right())
        .await
        .unwrap();
    service.lookup(&clerk, &code_of(&squatter)).await.unwrap();
    assert!(matches!(
        edge::validate(&service, &clerk, &squatter.account_id, right()).await,
        Err(CounterValidationError::CnpAlreadyValidated)
    ));
}

#[tokio::test]
async fn a_clerk_cannot_validate_themself_nor_an_unknown_account_nor_once_disabled() {
    let memory = memory().await;
    let clerk_account = operator(&memory).await;
    let clerk = principal_of(&clerk_account);
    let service = memory.validation_service().unwrap();
    assert!(matches!(
        edge::validate(&service, &clerk, &clerk_account.account_id, right()).await,
        Err(CounterValidationError::OwnAccount)
    ));
    assert!(matches!(
        edge::validate(&service, &clerk, &"unknown".into(), right()).await,
        Err(CounterValidationError::NotLookedUp)
    ));
    let bad = document(json!({"type": "CI", "series": "1", "number": "x"}));
    assert!(matches!(
        edge::validate(&service, &clerk, &"unknown".into(), bad).await,
        Err(CounterValidationError::Invalid(_))
    ));
    assert!(IdDocument::parse("CI", Some("RX"), "123456").is_ok());
    // Disabled mid-session: the next action is refused.
    let citizen = pending_citizen(&memory).await;
    service.lookup(&clerk, &code_of(&citizen)).await.unwrap();
    let audit = cazier_shared::domain::AuditEvent::access_changed(
        &clerk_account.account_id,
        "DISABLED",
        "test",
        chrono::Utc::now(),
    );
    memory
        .accounts
        .change_access(
            &clerk_account.account_id,
            &AccessChange::Disabled(true),
            &audit,
        )
        .await
        .unwrap();
    assert!(matches!(
        edge::validate(&service, &clerk, &citizen.account_id, right()).await,
        Err(CounterValidationError::NoOperator)
    ));
    assert!(matches!(
        service.lookup(&clerk, &code_of(&citizen)).await,
        Err(LookupError::NoOperator)
    ));
}

/// A renewed identity card: the clerk records the document in hand, but only with the CNP
/// read off it, and only when that CNP is the account's.
#[tokio::test]
async fn a_new_document_is_recorded_only_with_the_holders_cnp_read_off_it() {
    let memory = memory().await;
    let clerk = principal_of(&operator(&memory).await);
    let citizen = pending_citizen(&memory).await;
    let service = memory.validation_service().unwrap();
    let id = &citizen.account_id;
    service.lookup(&clerk, &code_of(&citizen)).await.unwrap();
    let renewed = |cnp: &str| -> CounterValidationDto {
        serde_json::from_value(json!({
            "id_document": {"type": "CI", "series": "XT", "number": "654321"},
            "document_cnp": cnp,
        }))
        .unwrap()
    };
    // Someone else's card: refused, nothing changes.
    let stranger = new_cnp();
    assert!(matches!(
        edge::validate(&service, &clerk, id, renewed(&stranger)).await,
        Err(CounterValidationError::DocumentOfAnotherPerson)
    ));
    // The registered document, with someone else's CNP read off it (found by the attack on
    // issue 24's build: the CNP was compared only for another document): refused too.
    let registered_with = |cnp: &str| -> CounterValidationDto {
        serde_json::from_value(json!({
            "id_document": {"type": "PASSPORT", "number": "055123456"},
            "document_cnp": cnp,
        }))
        .unwrap()
    };
    assert!(matches!(
        edge::validate(&service, &clerk, id, registered_with(&stranger)).await,
        Err(CounterValidationError::DocumentOfAnotherPerson)
    ));
    // A CNP mistyped: a field error, nothing changes.
    assert!(matches!(
        edge::validate(&service, &clerk, id, renewed("123")).await,
        Err(CounterValidationError::Invalid(e)) if e[0].field == "document_cnp"
    ));
    let stored = memory.accounts.get(id).await.unwrap().unwrap();
    assert_eq!(stored.status, AccountStatus::PendingValidation);
    assert_eq!(
        stored.person.as_ref().unwrap().id_document,
        citizen.person.as_ref().unwrap().id_document
    );
    // The holder's own new card: validated, and it is now the account's document.
    let own = citizen.person.as_ref().unwrap().cnp.as_string();
    let view = edge::validate(&service, &clerk, id, renewed(&own))
        .await
        .unwrap();
    assert_eq!(view.status, AccountStatus::Validated);
    let stored = memory.accounts.get(id).await.unwrap().unwrap();
    let document = serde_json::to_value(&stored.person.unwrap().id_document).unwrap();
    assert_eq!(document["number"], "654321");
}
