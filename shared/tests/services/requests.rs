//! Submitting requests: who may, one a day per purpose (Bucharest days), idempotency, legal
//! persons, ownership.

use crate::common::{
    bucharest, citizen, memory, new_cnp, principal_of, stored_citizen, valid_cui, wrong_cui,
};
use cazier_shared::domain::CertificateNumber;
use cazier_shared::domain::{Company, Cui, FieldCode, RequestStatus};
use cazier_shared::ports::{AccountStore, CompanyStore};
use cazier_shared::services::requests::{
    IdempotencyKey, OwnedError, Submission, SubmitDto, SubmitError,
};
use cazier_shared::wiring::ServiceGraphs;
use serde_json::json;

/// A request body as the API takes it.
fn body(value: serde_json::Value) -> SubmitDto {
    serde_json::from_value(value).unwrap()
}

fn purpose(code: &str) -> Submission {
    body(json!({ "purpose": code })).try_into_domain().unwrap()
}

fn for_company(cui: &str) -> Submission {
    body(json!({"purpose": "ANGAJARE", "subject": {"type": "LEGAL_PERSON", "cui": cui}}))
        .try_into_domain()
        .unwrap()
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::parse(text).unwrap()
}

#[tokio::test]
async fn the_daily_limit_counts_bucharest_calendar_days() {
    let memory = memory().await;
    let (_, citizen) = stored_citizen(&memory).await;
    let service = memory.request_service().unwrap();
    // 23:59:30 Bucharest time is 21:59:30 UTC in winter: still the same day in UTC too, but
    // 00:00:10 Bucharest is the previous day in UTC.
    memory.clock.set(bucharest(2026, 11, 22, 23, 59, 30));
    let first = service
        .submit(&citizen, purpose("STUDII"), None)
        .await
        .unwrap();
    assert_eq!(first.status, RequestStatus::Pending);
    memory.clock.set(bucharest(2026, 11, 22, 23, 59, 50));
    match service.submit(&citizen, purpose("STUDII"), None).await {
        Err(SubmitError::DailyLimit { earlier }) => assert_eq!(earlier, first.request_id),
        other => panic!("expected the daily limit, got {other:?}"),
    }
    // Another purpose the same day is fine.
    assert!(service
        .submit(&citizen, purpose("VIZA"), None)
        .await
        .is_ok());
    memory.clock.set(bucharest(2026, 11, 23, 0, 0, 10));
    let next = service
        .submit(&citizen, purpose("STUDII"), None)
        .await
        .unwrap();
    assert_ne!(next.request_id, first.request_id);
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_request() {
    let memory = memory().await;
    let (_, citizen) = stored_citizen(&memory).await;
    let service = memory.request_service().unwrap();
    let first = service
        .submit(&citizen, purpose("EMIGRARE"), Some(&key("retry-1")))
        .await
        .unwrap();
    let again = service
        .submit(&citizen, purpose("EMIGRARE"), Some(&key("retry-1")))
        .await
        .unwrap();
    assert_eq!(again, first, "a replay, not a daily-limit conflict");
    // The same key for another purpose is refused, not answered with the EMIGRARE request
    // (the caller would believe it asked for a VIZA one: found by the attack on issue 25).
    assert!(matches!(
        service
            .submit(&citizen, purpose("VIZA"), Some(&key("retry-1")))
            .await,
        Err(SubmitError::IdempotencyKeyReused)
    ));
    for bad in ["", &"k".repeat(129)] {
        assert!(matches!(
            IdempotencyKey::parse(bad),
            Err(SubmitError::BadIdempotencyKey)
        ));
    }
    assert!(service
        .submit(&citizen, purpose("ADOPTIE"), Some(&key(&"k".repeat(128))))
        .await
        .is_ok());
}

#[tokio::test]
async fn only_validated_citizens_with_a_known_purpose_may_ask() {
    let memory = memory().await;
    let pending = citizen(&new_cnp(), false);
    memory
        .accounts
        .create(&pending, chrono::Utc::now())
        .await
        .unwrap();
    let service = memory.request_service().unwrap();
    assert!(matches!(
        service
            .submit(&principal_of(&pending), purpose("STUDII"), None)
            .await,
        Err(SubmitError::NotValidated)
    ));
    // What the edges parse before the service is called.
    match body(json!({ "purpose": "studii" })).try_into_domain() {
        Err(SubmitError::Invalid(errors)) => assert_eq!(errors[0].code, FieldCode::UnknownPurpose),
        other => panic!("expected an unknown purpose, got {other:?}"),
    }
    let bad_subjects = [
        (
            json!({"type": "SELF", "cui": valid_cui(1854729)}),
            "UNEXPECTED_CUI",
        ),
        (json!({"type": "LEGAL_PERSON"}), "MISSING_CUI"),
        (
            json!({"type": "LEGAL_PERSON", "cui": wrong_cui(1854729)}),
            "INVALID_CUI",
        ),
        (json!({"type": "ALIEN"}), "UNKNOWN_SUBJECT_TYPE"),
    ];
    for (subject, code) in bad_subjects {
        match body(json!({"purpose": "STUDII", "subject": subject})).try_into_domain() {
            Err(SubmitError::Invalid(errors)) => assert_eq!(errors[0].code.as_str(), code),
            other => panic!("expected {code}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn only_a_registered_representative_may_ask_for_a_company() {
    let memory = memory().await;
    let (representative, principal) = stored_citizen(&memory).await;
    let (_, stranger) = stored_citizen(&memory).await;
    let cui = Cui::parse(&valid_cui(1854729)).expect("a valid CUI");
    memory
        .records
        .put_company(&Company {
            cui: cui.clone(),
            name: "Transilvania Construcții SRL".into(),
            trade_register_number: "J12/345/2005".into(),
            representatives: vec![representative.person.unwrap().cnp],
        })
        .await
        .unwrap();
    let service = memory.request_service().unwrap();
    let with_prefix = format!("RO{}", valid_cui(1854729));
    assert!(service
        .submit(&principal, for_company(&with_prefix), None)
        .await
        .is_ok());
    for (who, cui) in [
        (&stranger, valid_cui(1854729)),
        (&principal, valid_cui(1439984)),
    ] {
        assert!(matches!(
            service.submit(who, for_company(&cui), None).await,
            Err(SubmitError::NotLegalRepresentative)
        ));
    }
    // The company's daily limit is its own: the representative's own request still goes.
    assert!(service
        .submit(&principal, purpose("ANGAJARE"), None)
        .await
        .is_ok());
}

#[tokio::test]
async fn someone_elses_request_and_certificate_are_not_found() {
    let memory = memory().await;
    let (_, owner) = stored_citizen(&memory).await;
    let (_, other) = stored_citizen(&memory).await;
    let service = memory.request_service().unwrap();
    let submitted = service
        .submit(&owner, purpose("STUDII"), None)
        .await
        .unwrap();
    assert!(service.get(&owner, &submitted.request_id).await.is_ok());
    assert!(matches!(
        service.get(&other, &submitted.request_id).await,
        Err(OwnedError::NotFound)
    ));
    assert!(matches!(
        service
            .document(&other, &CertificateNumber::new(2026, 1))
            .await,
        Err(OwnedError::NotFound)
    ));
    assert!(service.list_certificates(&other).await.unwrap().is_empty());
}
