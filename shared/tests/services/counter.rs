//! Validation at a police counter, and the audit entry it leaves.

use crate::common::{citizen, memory, new_cnp, passport, principal_of};
use cazier_shared::domain::{
    Account, AccountId, AccountStatus, AuditEventKind, AuditSubject, Email, IdDocument, Role,
};
use cazier_shared::ports::{AccountStore, AuditLog};
use cazier_shared::services::validation::{
    CounterValidationDto, CounterValidationError, LookupDto, LookupError,
};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use serde_json::json;

async fn operator(memory: &Memory) -> Account {
    let account = Account {
        account_id: AccountId::random(),
        email: Email::parse("clerk@politia.ro").unwrap(),
        role: Role::Operator,
        status: AccountStatus::Validated,
        password_hash: "not used".into(),
        created_at: crate::common::morning(),
        person: None,
        counter_code: None,
        validation: None,
        unit: Some("Secția 1 Poliție București".into()),
    };
    memory.accounts.create(&account).await.unwrap();
    account
}

fn document(doc: serde_json::Value) -> CounterValidationDto {
    serde_json::from_value(json!({ "id_document": doc })).unwrap()
}

#[tokio::test]
async fn the_clerk_finds_the_citizen_by_code_typed_loosely() {
    let memory = memory().await;
    let clerk = principal_of(&operator(&memory).await);
    let citizen = citizen(&new_cnp(), false);
    memory.accounts.create(&citizen).await.unwrap();
    let service = memory.validation_service().unwrap();
    let code = citizen
        .counter_code
        .as_ref()
        .unwrap()
        .as_str()
        .to_lowercase();
    let loose = format!("{}-{}", &code[..4], &code[4..]);
    let found = service
        .lookup(
            &clerk,
            LookupDto {
                counter_code: loose,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.account_id, citizen.account_id);
    assert_eq!(found.id_document, passport());
    assert!(matches!(
        service
            .lookup(
                &clerk,
                LookupDto {
                    counter_code: "ZZZZZZZZ".into()
                }
            )
            .await,
        Err(LookupError::NotFound)
    ));
    assert!(matches!(
        service
            .lookup(
                &clerk,
                LookupDto {
                    counter_code: "!!".into()
                }
            )
            .await,
        Err(LookupError::Invalid(_))
    ));
}

#[tokio::test]
async fn validation_checks_the_document_once_and_is_audited_with_clerk_and_unit() {
    let memory = memory().await;
    let clerk_account = operator(&memory).await;
    let clerk = principal_of(&clerk_account);
    let citizen = citizen(&new_cnp(), false);
    memory.accounts.create(&citizen).await.unwrap();
    let service = memory.validation_service().unwrap();
    let id = &citizen.account_id;

    let wrong = document(json!({"type": "PASSPORT", "number": "055999999"}));
    assert!(matches!(
        service.validate(&clerk, id, wrong).await,
        Err(CounterValidationError::DocumentMismatch)
    ));
    let right = || document(json!({"type": "PASSPORT", "number": "055123456"}));
    let view = service.validate(&clerk, id, right()).await.unwrap();
    assert_eq!(view.status, AccountStatus::Validated);
    assert!(matches!(
        service.validate(&clerk, id, right()).await,
        Err(CounterValidationError::AlreadyValidated)
    ));

    let history = memory
        .audit
        .history(&AuditSubject::Account(id.clone()))
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "validated once, audited once");
    assert_eq!(history[0].event, AuditEventKind::Validated);
    assert_eq!(history[0].details["method"], "COUNTER");
    assert_eq!(history[0].details["unit"], "Secția 1 Poliție București");
    assert_eq!(
        history[0].details["operator_id"],
        clerk_account.account_id.as_str()
    );

    // The clerk's own list of the day has it; the next Bucharest day starts empty.
    let today = service.validations_today(&clerk).await.unwrap();
    assert_eq!(today.len(), 1);
    assert_eq!(&today[0].account_id, id);
    memory.clock.advance(chrono::Duration::days(1));
    assert!(service.validations_today(&clerk).await.unwrap().is_empty());
    let registered = service.registered(&clerk, id).await.unwrap();
    assert_eq!(registered.status, AccountStatus::Validated);
}

#[tokio::test]
async fn a_clerk_cannot_validate_themself_nor_an_unknown_account() {
    let memory = memory().await;
    let clerk_account = operator(&memory).await;
    let clerk = principal_of(&clerk_account);
    let service = memory.validation_service().unwrap();
    let doc = || document(json!({"type": "PASSPORT", "number": "055123456"}));
    assert!(matches!(
        service
            .validate(&clerk, &clerk_account.account_id, doc())
            .await,
        Err(CounterValidationError::OwnAccount)
    ));
    assert!(matches!(
        service.validate(&clerk, &"unknown".into(), doc()).await,
        Err(CounterValidationError::NotFound)
    ));
    let bad = document(json!({"type": "CI", "series": "1", "number": "x"}));
    assert!(matches!(
        service.validate(&clerk, &"unknown".into(), bad).await,
        Err(CounterValidationError::Invalid(_))
    ));
    assert!(IdDocument::parse("CI", Some("RX"), "123456").is_ok());
}
