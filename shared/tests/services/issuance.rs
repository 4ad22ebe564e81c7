//! Generation: exactly once under redelivery and concurrency, pilot mode, rehabilitated
//! entries, the sweeper and its give-up, companies that disappear.
//! (Over 400 lines: each rule of generation beside the failure it survives, on one memory.)

use crate::common::{memory, stored_citizen};
use cazier_shared::config::vars;
use cazier_shared::domain::{
    AuditEventKind, AuditSubject, Principal, RecordEntry, RecordSubject, RejectionCode, RequestId,
    RequestStatus,
};
use cazier_shared::ports::{AuditLog, RecordStore, RequestStore, StoreError, StoreResult};
use cazier_shared::services::issuance::{Outcome, SweepReport};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use chrono::{Duration, NaiveDate};
use serde_json::json;

async fn submit(memory: &Memory, citizen: &Principal, purpose: &str) -> RequestId {
    crate::common::submit(memory, citizen, json!({ "purpose": purpose })).await
}

fn entry(id: &str, rehabilitated: bool) -> RecordEntry {
    RecordEntry {
        entry_id: id.into(),
        court: "Judecătoria Sectorului 2 București".into(),
        decision: format!("{id}/2018"),
        decision_date: NaiveDate::from_ymd_opt(2018, 3, 9).unwrap(),
        offence: "furt calificat".into(),
        penalty: "1 an închisoare cu suspendare".into(),
        rehabilitated,
    }
}

#[tokio::test]
async fn a_redelivered_request_yields_one_certificate_and_one_audit_entry() {
    let memory = memory().await;
    let (account, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, "ANGAJARE").await;
    let service = memory.issuance_service().unwrap();
    let Outcome::Issued(number) = service.issue(&id).await.unwrap() else {
        panic!("issued");
    };
    assert_eq!(number.as_str(), "CJ-2026-00000001");
    assert_eq!(service.issue(&id).await.unwrap(), Outcome::Skipped);
    assert_eq!(memory.certificates.all().len(), 1);
    assert_eq!(
        memory.signer.signatures(),
        2,
        "two KMS signatures per certificate: the QR code's statement and the document"
    );
    let request = memory.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(request.status, RequestStatus::Issued);
    assert_eq!(request.certificate_number, Some(number.clone()));
    let certificate = &memory.certificates.all()[0];
    assert_eq!(certificate.valid_until.to_string(), "2027-05-22");
    assert!(memory
        .blobs
        .keys()
        .iter()
        .all(|k| !k.contains(&account.person.as_ref().unwrap().cnp.as_string())));
    for subject in [
        AuditSubject::Certificate(number),
        AuditSubject::Account(account.account_id.clone()),
    ] {
        let history = memory.audit.history(&subject).await.unwrap();
        let issued: Vec<_> = history
            .iter()
            .filter(|e| e.event == AuditEventKind::Issued)
            .collect();
        assert_eq!(issued.len(), 1, "{subject:?}");
    }
}

/// The audit log refuses its next `failures` appends (an outage between the certificate's
/// write and its audit's), then appends to the memory's.
struct AuditDown {
    failures: std::sync::atomic::AtomicUsize,
    inner: std::sync::Arc<dyn AuditLog>,
}

#[async_trait::async_trait]
impl AuditLog for AuditDown {
    async fn record(&self, event: &cazier_shared::domain::AuditEvent) -> StoreResult<()> {
        use std::sync::atomic::Ordering;
        let left = self.failures.load(Ordering::SeqCst);
        if left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("the audit table is down".into()));
        }
        self.inner.record(event).await
    }
    async fn history(
        &self,
        subject: &AuditSubject,
    ) -> StoreResult<Vec<cazier_shared::domain::AuditEvent>> {
        self.inner.history(subject).await
    }
    async fn history_after(
        &self,
        subject: &AuditSubject,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<cazier_shared::domain::AuditEvent>> {
        self.inner.history_after(subject, after, limit).await
    }
}

/// The certificate is written before its audit events, not in one transaction with them
/// (docs/COST.md): an outage between the two fails the delivery, and the redelivery finds
/// the certificate, seals nothing again, appends the events once and ends the request.
#[tokio::test]
async fn an_audit_lost_after_the_certificate_is_appended_by_the_redelivery() {
    let memory = memory().await;
    let (account, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, "ANGAJARE").await;
    let mut broken = memory.issuance_service().unwrap();
    broken.audit = std::sync::Arc::new(AuditDown {
        failures: 1.into(),
        inner: memory.audit.clone(),
    });
    assert!(broken.issue(&id).await.is_err());
    assert_eq!(
        memory.certificates.all().len(),
        1,
        "the certificate is recorded"
    );
    let pending = memory.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(
        pending.status,
        RequestStatus::Pending,
        "the request has not ended"
    );

    let service = memory.issuance_service().unwrap();
    let Outcome::Issued(number) = service.issue(&id).await.unwrap() else {
        panic!("issued by the redelivery");
    };
    assert_eq!(memory.certificates.all().len(), 1);
    assert_eq!(memory.signer.signatures(), 2, "nothing sealed again");
    for subject in [
        AuditSubject::Certificate(number),
        AuditSubject::Account(account.account_id.clone()),
    ] {
        let issued = memory
            .audit
            .history(&subject)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == AuditEventKind::Issued)
            .count();
        assert_eq!(issued, 1, "{subject:?}");
    }
    let ended = memory.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(ended.status, RequestStatus::Issued);
}

#[tokio::test]
async fn concurrent_deliveries_agree_on_one_number() {
    let memory = memory().await;
    let (_, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, "STUDII").await;
    let service = memory.issuance_service().unwrap();
    let (a, b, c) = tokio::join!(service.issue(&id), service.issue(&id), service.issue(&id));
    let issued: Vec<_> = [a, b, c]
        .into_iter()
        .filter_map(|o| match o.unwrap() {
            Outcome::Issued(n) => Some(n),
            _ => None,
        })
        .collect();
    assert!(!issued.is_empty());
    assert!(issued.windows(2).all(|w| w[0] == w[1]), "{issued:?}");
    assert_eq!(memory.certificates.all().len(), 1);
}

#[tokio::test]
async fn numbers_are_distinct_and_gap_free_within_a_year() {
    let memory = memory().await;
    let service = memory.issuance_service().unwrap();
    let mut numbers = Vec::new();
    for purpose in ["ANGAJARE", "STUDII", "VIZA"] {
        let (_, citizen) = stored_citizen(&memory).await;
        let id = submit(&memory, &citizen, purpose).await;
        let Outcome::Issued(n) = service.issue(&id).await.unwrap() else {
            panic!("issued")
        };
        numbers.push(n.as_str().to_owned());
    }
    assert_eq!(
        numbers,
        ["CJ-2026-00000001", "CJ-2026-00000002", "CJ-2026-00000003"]
    );
}

#[tokio::test]
async fn rehabilitated_entries_are_left_out_and_pilot_mode_rejects_the_rest() {
    let memory = memory().await;
    let (account, citizen) = stored_citizen(&memory).await;
    let subject = RecordSubject::Person(account.person.clone().unwrap().cnp);
    memory
        .records
        .add(&subject, &entry("1", true))
        .await
        .unwrap();
    let id = submit(&memory, &citizen, "ANGAJARE").await;
    let pilot = memory.with_setting(vars::ISSUE_WITH_ENTRIES, "false");
    let service = pilot.issuance_service().unwrap();
    assert!(matches!(
        service.issue(&id).await.unwrap(),
        Outcome::Issued(_)
    ));
    assert!(
        !pilot.certificates.all()[0].has_entries,
        "only rehabilitated"
    );

    pilot
        .records
        .add(&subject, &entry("2", false))
        .await
        .unwrap();
    let id = submit(&pilot, &citizen, "STUDII").await;
    assert_eq!(
        service.issue(&id).await.unwrap(),
        Outcome::Rejected(RejectionCode::HasEntriesVisitCounter)
    );
    let rejected = pilot.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(rejected.status, RequestStatus::Rejected);
    assert_eq!(
        rejected.rejection_code,
        Some(RejectionCode::HasEntriesVisitCounter)
    );

    let normal = pilot.with_setting(vars::ISSUE_WITH_ENTRIES, "true");
    let id = submit(&normal, &citizen, "VIZA").await;
    assert!(matches!(
        normal.issuance_service().unwrap().issue(&id).await.unwrap(),
        Outcome::Issued(_)
    ));
    assert!(normal.certificates.all().iter().any(|c| c.has_entries));
}

#[tokio::test]
async fn a_missing_setting_is_an_error_not_a_default() {
    let mut memory = memory().await;
    memory.settings.remove(vars::VERIFICATION_PAGE_URL);
    let Err(e) = memory.issuance_service() else {
        panic!("built without its setting")
    };
    assert!(e.to_string().contains(vars::VERIFICATION_PAGE_URL), "{e}");
}

#[tokio::test]
async fn the_sweeper_retries_then_gives_up_after_a_day() {
    let memory = memory().await;
    let (_, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, "PORT_ARMA").await;
    let service = memory.issuance_service().unwrap();
    memory.signer.set_failing(true);
    assert!(
        service.issue(&id).await.is_err(),
        "KMS down: the stream retries"
    );
    assert_eq!(
        service.sweep().await.unwrap(),
        SweepReport::default(),
        "younger than two minutes: left to the stream"
    );
    memory.clock.advance(Duration::minutes(3));
    assert_eq!(service.sweep().await.unwrap().failed, 1);
    memory.clock.advance(Duration::hours(24));
    assert_eq!(service.sweep().await.unwrap().rejected, 1);
    let request = memory.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(
        request.rejection_code,
        Some(RejectionCode::GenerationFailed)
    );
    assert_eq!(service.sweep().await.unwrap(), SweepReport::default());
    assert!(memory.certificates.all().is_empty());

    // A request whose cause goes away is issued by the next sweep.
    let id = submit(&memory, &citizen, "VIZA").await;
    memory.clock.advance(Duration::minutes(3));
    assert_eq!(service.sweep().await.unwrap().failed, 1);
    memory.signer.set_failing(false);
    assert_eq!(service.sweep().await.unwrap().issued, 1);
    let issued = memory.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(issued.status, RequestStatus::Issued);
}

#[tokio::test]
async fn a_company_removed_before_generation_ends_the_request_with_a_reason() {
    use cazier_shared::domain::{Company, Cui};
    use cazier_shared::ports::CompanyStore;
    let memory = memory().await;
    let (account, citizen) = stored_citizen(&memory).await;
    let cui = Cui::parse(&crate::common::valid_cui(3456789)).unwrap();
    memory
        .records
        .put_company(&Company {
            cui: cui.clone(),
            name: "Dunărea SA".into(),
            trade_register_number: "J40/1/2000".into(),
            representatives: vec![account.person.unwrap().cnp],
        })
        .await
        .unwrap();
    let body = json!({
        "purpose": "ANGAJARE", "subject": {"type": "LEGAL_PERSON", "cui": cui.as_str()}
    });
    let id = crate::common::submit(&memory, &citizen, body).await;
    let service = memory.issuance_service().unwrap();
    // Ops reload the register without it.
    memory.requests.edit(&id, |r| {
        r.company = Some(Cui::parse(&crate::common::valid_cui(9999999)).unwrap())
    });
    assert_eq!(
        service.issue(&id).await.unwrap(),
        Outcome::Rejected(RejectionCode::CompanyNotRegistered)
    );
}

#[tokio::test]
async fn a_citizen_who_left_is_told_once_by_email_with_a_link_and_nothing_personal() {
    let memory = memory().await;
    let (account, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, "ANGAJARE").await;
    let service = memory.issuance_service().unwrap();
    let (a, b) = tokio::join!(service.issue(&id), service.issue(&id));
    assert!(a.is_ok() && b.is_ok());
    service.issue(&id).await.unwrap();
    assert!(
        memory.mailer.sent().is_empty(),
        "not before they could look"
    );
    memory.clock.advance(Duration::minutes(1));
    assert_eq!(
        service.sweep().await.unwrap().notices,
        0,
        "a minute on: not yet"
    );

    memory.clock.advance(Duration::minutes(2));
    assert_eq!(service.sweep().await.unwrap().notices, 1);
    assert_eq!(service.sweep().await.unwrap(), SweepReport::default());
    let sent = memory.mailer.sent();
    assert_eq!(sent.len(), 1, "one request, one notice: {sent:?}");
    assert_eq!(sent[0].to, account.email);
    assert!(sent[0]
        .text
        .contains(&format!("https://cazier.test/cereri/{id}")));
    let person = account.person.unwrap();
    for private in [
        person.cnp.as_string(),
        person.last_name.as_str().to_owned(),
        "CJ-2026".into(),
    ] {
        assert!(!sent[0].text.contains(&private) && !sent[0].subject.contains(&private));
    }
}

#[tokio::test]
async fn a_citizen_who_saw_the_outcome_gets_no_email() {
    let memory = memory().await;
    let (_, citizen) = stored_citizen(&memory).await;
    let requests = memory.request_service().unwrap();
    let service = memory.issuance_service().unwrap();
    let id = submit(&memory, &citizen, "ANGAJARE").await;
    // Looking while it is pending does not count: the outcome is not known yet.
    requests.get(&citizen, &id).await.unwrap();
    service.issue(&id).await.unwrap();
    assert_eq!(
        requests.get(&citizen, &id).await.unwrap().status,
        RequestStatus::Issued
    );
    memory.clock.advance(Duration::minutes(10));
    assert_eq!(service.sweep().await.unwrap(), SweepReport::default());
    assert!(memory.mailer.sent().is_empty());

    // The same for a request seen only pending: it is e-mailed.
    let other = submit(&memory, &citizen, "VIZA").await;
    requests.get(&citizen, &other).await.unwrap();
    service.issue(&other).await.unwrap();
    memory.clock.advance(Duration::minutes(3));
    assert_eq!(service.sweep().await.unwrap().notices, 1);
}

#[tokio::test]
async fn a_rejection_is_told_too_and_a_failed_send_fails_nothing() {
    let memory = memory()
        .await
        .with_setting(vars::ISSUE_WITH_ENTRIES, "false");
    let (account, citizen) = stored_citizen(&memory).await;
    let subject = RecordSubject::Person(account.person.clone().unwrap().cnp);
    memory
        .records
        .add(&subject, &entry("1", false))
        .await
        .unwrap();
    let id = submit(&memory, &citizen, "STUDII").await;
    let service = memory.issuance_service().unwrap();
    service.issue(&id).await.unwrap();
    memory.clock.advance(Duration::minutes(3));
    assert_eq!(service.sweep().await.unwrap().notices, 1);
    assert!(memory.mailer.sent()[0].subject.contains("nu a fost"));

    // SES down: the request is still issued, once; the e-mail is tried again at each sweep,
    // and sent once SES is back.
    let fine = crate::common::memory().await;
    let (_, citizen) = stored_citizen(&fine).await;
    let id = submit(&fine, &citizen, "VIZA").await;
    fine.mailer.set_failing(true);
    let service = fine.issuance_service().unwrap();
    assert!(matches!(
        service.issue(&id).await.unwrap(),
        Outcome::Issued(_)
    ));
    assert_eq!(service.issue(&id).await.unwrap(), Outcome::Skipped);
    assert_eq!(fine.certificates.all().len(), 1);
    fine.clock.advance(Duration::minutes(3));
    assert_eq!(service.sweep().await.unwrap().notices_failed, 1);
    assert_eq!(service.sweep().await.unwrap().notices_failed, 1);
    fine.mailer.set_failing(false);
    assert_eq!(service.sweep().await.unwrap().notices, 1);
    assert_eq!(service.sweep().await.unwrap(), SweepReport::default());
    assert_eq!(fine.mailer.sent().len(), 1);

    // An address SES keeps refusing is given up after a day, not tried forever.
    let id = submit(&fine, &citizen, "STUDII").await;
    service.issue(&id).await.unwrap();
    fine.mailer.set_failing(true);
    fine.clock.advance(Duration::hours(25));
    assert_eq!(service.sweep().await.unwrap().notices_failed, 1);
    assert_eq!(service.sweep().await.unwrap(), SweepReport::default());
}

/// Late on 31 December (UTC) it is already 1 January in Bucharest: the certificate is dated
/// and numbered in the new year (found by the attack on issue 25: the number took UTC's year).
#[tokio::test]
async fn a_certificate_issued_on_new_years_night_takes_bucharests_year() {
    use chrono::TimeZone;
    let memory = Memory::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 31, 22, 30, 0)
            .unwrap(),
    )
    .await;
    let (_, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, "ANGAJARE").await;
    let service = memory.issuance_service().unwrap();
    let Outcome::Issued(number) = service.issue(&id).await.unwrap() else {
        panic!("issued");
    };
    assert_eq!(number.as_str(), "CJ-2027-00000001");
}
