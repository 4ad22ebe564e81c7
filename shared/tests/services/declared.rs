//! The citizen's declared data: shown back, corrected until validation (never after), each
//! change audited without its values; and no validation of data its validator did not see —
//! a clerk's lookup or an online proof made before a change no longer validates.

use crate::common::{citizen, memory, new_cnp, principal_of};
use crate::edge;
use cazier_shared::domain::{
    Account, AccountId, AccountStatus, AuditEventKind, AuditSubject, Cnp, Email, Name, Role,
    ValidationMethod,
};
use cazier_shared::ports::{AccountStore, AuditLog, ProvenIdentities, ProvenIdentity};
use cazier_shared::services::declared::{ChangeDeclaredError, DeclaredDto};
use cazier_shared::services::online::{binding_hash, ConfirmValidationError};
use cazier_shared::services::validation::{CounterValidationError, LookupError};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use serde_json::json;

fn declared(cnp: &str, father: Option<&str>) -> DeclaredDto {
    let mut body = json!({
        "cnp": cnp, "last_name": "Ștefănescu", "first_name": "Ana-Maria",
        "birth_place": "Câmpulung Moldovenesc",
        "id_document": {"type": "PASSPORT", "number": "055123456"}
    });
    if let Some(father) = father {
        body["father_first_name"] = json!(father);
    }
    serde_json::from_value(body).unwrap()
}

async fn pending(memory: &Memory) -> Account {
    let account = citizen(&new_cnp(), false);
    memory
        .accounts
        .create(&account, chrono::Utc::now())
        .await
        .unwrap();
    account
}

async fn clerk(memory: &Memory) -> cazier_shared::domain::Principal {
    let account = Account {
        role: Role::Operator,
        status: AccountStatus::Validated,
        person: None,
        counter_code: None,
        unit: Some("Secția 1".into()),
        organisation: None,
        email: Email::parse(&format!("clerk-{}@politia.ro", AccountId::random())).unwrap(),
        ..citizen(&new_cnp(), true)
    };
    memory
        .accounts
        .create(&account, chrono::Utc::now())
        .await
        .unwrap();
    principal_of(&account)
}

#[tokio::test]
async fn details_are_corrected_until_validation_and_each_change_is_audited_without_values() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    let account = pending(&memory).await;
    let holder = principal_of(&account);

    let shown = service.declared(&holder).await.unwrap().unwrap();
    assert!(shown.changeable);
    assert_eq!(shown.person.father_first_name, None);

    // A wrong check digit changes nothing.
    let mut bad = new_cnp();
    bad.replace_range(12.., if bad.ends_with('0') { "1" } else { "0" });
    match edge::change_declared(&service, &holder, declared(&bad, None)).await {
        Err(ChangeDeclaredError::Invalid(errors)) => assert_eq!(errors[0].field, "cnp"),
        other => panic!("a bad CNP was taken: {:?}", other.err()),
    }
    let typo_fixed = new_cnp();
    edge::change_declared(&service, &holder, declared(&typo_fixed, Some("Ion")))
        .await
        .unwrap();
    let shown = service.declared(&holder).await.unwrap().unwrap();
    assert_eq!(shown.person.cnp, Cnp::parse(&typo_fixed).unwrap());
    assert_eq!(
        shown.person.father_first_name,
        Some(Name::parse("Ion").unwrap())
    );

    let history = memory
        .audit
        .history(&AuditSubject::Account(account.account_id.clone()))
        .await
        .unwrap();
    let change = history
        .iter()
        .find(|e| e.event == AuditEventKind::DetailsChanged)
        .expect("the change is in the account's history");
    assert_eq!(change.details["fields"], "cnp,father_first_name");
    let written = format!("{:?}", change.details);
    assert!(!written.contains(&typo_fixed) && !written.contains("Ion"));
    // The holder is told by e-mail, without the values.
    let mails = memory.mailer.sent();
    let told = mails
        .iter()
        .find(|m| m.to == account.email && m.text.contains("/cont/date"))
        .expect("a notice of the change");
    assert!(!told.text.contains(&typo_fixed) && !told.text.contains("Ion"));

    // Validated, the data are the evidence's: no more changes.
    let validation = cazier_shared::domain::Validation {
        method: ValidationMethod::Counter,
        validated_at: chrono::Utc::now(),
        operator_id: None,
        operator_unit: None,
    };
    let events = cazier_shared::domain::AuditEvent::validated(&account.account_id, &validation);
    let fresh = memory
        .accounts
        .get(&account.account_id)
        .await
        .unwrap()
        .unwrap();
    memory
        .accounts
        .mark_validated(&fresh, &validation, &events)
        .await
        .unwrap();
    assert!(matches!(
        edge::change_declared(&service, &holder, declared(&new_cnp(), None)).await,
        Err(ChangeDeclaredError::Validated)
    ));
    assert!(!service.declared(&holder).await.unwrap().unwrap().changeable);
}

/// The attack: the clerk looks up the account (CNP X, the holder's passport in hand); before
/// the clerk clicks "validate", the account's CNP is changed to someone else's. Without the
/// version check the passport of X would validate an account for Y, and Y's record would be
/// sealed for the holder.
#[tokio::test]
async fn a_clerk_cannot_validate_data_changed_after_the_lookup() {
    let memory = memory().await;
    let accounts = memory.account_service().unwrap();
    let counter = memory.validation_service().unwrap();
    let clerk = clerk(&memory).await;
    let account = pending(&memory).await;
    let holder = principal_of(&account);
    let code = || account.counter_code.clone().unwrap();
    counter.lookup(&clerk, &code()).await.unwrap();

    let victim = new_cnp();
    edge::change_declared(&accounts, &holder, declared(&victim, None))
        .await
        .unwrap();
    let passport = || {
        serde_json::from_value(json!({"id_document": {"type": "PASSPORT", "number": "055123456"}}))
            .unwrap()
    };
    assert!(matches!(
        edge::validate(&counter, &clerk, &account.account_id, passport()).await,
        Err(CounterValidationError::DetailsChanged)
    ));
    let stored = memory
        .accounts
        .get(&account.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, AccountStatus::PendingValidation);

    // Opened again (or looked up again), the clerk is shown the new CNP and decides with it
    // in view.
    let shown = counter
        .registered(&clerk, &account.account_id)
        .await
        .unwrap();
    assert_eq!(shown.cnp, victim);
    edge::validate(&counter, &clerk, &account.account_id, passport())
        .await
        .unwrap();
}

/// The same attack online: ghiseul.ro proved CNP X for the account; the CNP is then changed
/// to Y before the holder confirms.
#[tokio::test]
async fn an_online_proof_does_not_validate_data_changed_after_it() {
    let memory = memory().await;
    let accounts = memory.account_service().unwrap();
    let proven_service = memory.proven_service().unwrap();
    let account = pending(&memory).await;
    let holder = principal_of(&account);
    let person = account.person.clone().unwrap();
    let proven = ProvenIdentity {
        account_id: account.account_id.clone(),
        method: ValidationMethod::Ghiseul,
        last_name: person.last_name.clone(),
        first_name: person.first_name.clone(),
        details_version: account.details_version,
        expires_at: chrono::Utc::now() + chrono::Duration::minutes(10),
    };
    memory
        .sessions
        .put_proven(&binding_hash("browser"), &proven)
        .await
        .unwrap();
    edge::change_declared(&accounts, &holder, declared(&new_cnp(), None))
        .await
        .unwrap();
    assert!(matches!(
        proven_service.confirm(&holder, Some("browser")).await,
        Err(ConfirmValidationError::DetailsChanged)
    ));
    let stored = memory
        .accounts
        .get(&account.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, AccountStatus::PendingValidation);
}

/// The clerk's way on after such a refusal: only the session that looked the account up may
/// open it again, and then validates what it is shown now.
#[tokio::test]
async fn the_clerk_who_looked_the_account_up_may_open_it_again_and_validate_what_is_shown() {
    let memory = memory().await;
    let accounts = memory.account_service().unwrap();
    let counter = memory.validation_service().unwrap();
    let clerk_session = clerk(&memory).await;
    let stranger = cazier_shared::domain::Principal {
        token_hash: "another clerk's session".into(),
        ..clerk(&memory).await
    };
    let clerk = clerk_session;
    let account = pending(&memory).await;
    assert!(matches!(
        counter.registered(&clerk, &account.account_id).await,
        Err(LookupError::NotLookedUp)
    ));
    let code = account.counter_code.clone().unwrap();
    counter.lookup(&clerk, &code).await.unwrap();
    let corrected = new_cnp();
    edge::change_declared(
        &accounts,
        &principal_of(&account),
        declared(&corrected, None),
    )
    .await
    .unwrap();
    assert!(matches!(
        counter.registered(&stranger, &account.account_id).await,
        Err(LookupError::NotLookedUp)
    ));
    let shown = counter
        .registered(&clerk, &account.account_id)
        .await
        .unwrap();
    assert_eq!(shown.cnp, corrected);
    let passport =
        serde_json::from_value(json!({"id_document": {"type": "PASSPORT", "number": "055123456"}}))
            .unwrap();
    edge::validate(&counter, &clerk, &account.account_id, passport)
        .await
        .unwrap();
}
