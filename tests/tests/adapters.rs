//! The AWS adapters against moto through the real SDK: uniqueness, atomic sequences, and
//! generation that stays exactly-once under concurrent and repeated delivery; the TSA client
//! and the wallet's single-use grants. (Over 400 lines on purpose: one stack for every
//! adapter's test; splitting it would start more stacks for the same checks.)

use cazier_e2e::*;
use cazier_shared::domain::*;
use cazier_shared::ports::*;
use cazier_shared::services::issuance::{IssuanceService, Outcome};
use cazier_shared::testing::TestClock;
use cazier_shared::wiring::PortSource;
use chrono::TimeZone;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[test]
fn accounts_are_unique_by_email_and_counter_code_and_cnp_once_validated() {
    let stack = stack();
    let accounts = stack.accounts();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let mut first = citizen_account(&random_cnp());
        first.status = AccountStatus::PendingValidation;
        first.expires_at = Some(now + UNVALIDATED_ACCOUNT_TTL);
        assert_eq!(
            accounts.create(&first, now).await.unwrap(),
            CreateOutcome::Created
        );
        let mut same_email = citizen_account(&random_cnp());
        same_email.email = first.email.clone();
        assert_eq!(
            accounts.create(&same_email, now).await.unwrap(),
            CreateOutcome::Taken
        );
        let mut same_code = citizen_account(&random_cnp());
        same_code.counter_code = first.counter_code.clone();
        assert_eq!(
            accounts.create(&same_code, now).await.unwrap(),
            CreateOutcome::CounterCodeTaken
        );
        // Nothing of the refused ones was written.
        assert!(accounts
            .get(&same_email.account_id)
            .await
            .unwrap()
            .is_none());
        assert!(accounts
            .find_by_email(&same_code.email)
            .await
            .unwrap()
            .is_none());
        let found = accounts
            .find_by_counter_code(first.counter_code.as_ref().unwrap())
            .await
            .unwrap();
        assert_eq!(found.unwrap().account_id, first.account_id);

        // An unvalidated account does not hold its CNP: a squatter's account and the real
        // person's both exist; the first validated takes the CNP, the other is refused.
        let cnp = first.person.as_ref().unwrap().cnp.as_string();
        let mut squatter = citizen_account(&cnp);
        squatter.status = AccountStatus::PendingValidation;
        assert_eq!(
            accounts.create(&squatter, now).await.unwrap(),
            CreateOutcome::Created
        );
        let validation = Validation {
            method: ValidationMethod::Counter,
            validated_at: now,
            operator_id: None,
            operator_unit: None,
        };
        let audit = AuditEvent::validated(&first.account_id, &validation);
        assert_eq!(
            accounts
                .mark_validated(&first, &validation, &audit)
                .await
                .unwrap(),
            ValidateOutcome::Validated
        );
        assert_eq!(
            accounts
                .mark_validated(&first, &validation, &audit)
                .await
                .unwrap(),
            ValidateOutcome::AlreadyValidated
        );
        let audit = AuditEvent::validated(&squatter.account_id, &validation);
        assert_eq!(
            accounts
                .mark_validated(&squatter, &validation, &audit)
                .await
                .unwrap(),
            ValidateOutcome::CnpTaken
        );
        let stored = accounts.get(&squatter.account_id).await.unwrap().unwrap();
        assert_eq!(
            stored.status,
            AccountStatus::PendingValidation,
            "nothing written"
        );
        let validated = accounts.get(&first.account_id).await.unwrap().unwrap();
        assert_eq!(validated.status, AccountStatus::Validated);
        assert_eq!(
            validated.expires_at, None,
            "a validated account does not expire"
        );
    });
}

/// The holder's corrections before validation: each bumps the version; a validation or a
/// correction made from an older version (a clerk's lookup, a proven identity, another
/// window) writes nothing; after validation nothing can be corrected.
#[test]
fn declared_data_change_only_before_validation_and_only_from_the_version_seen() {
    let stack = stack();
    let accounts = stack.accounts();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let mut seen = citizen_account(&random_cnp());
        seen.status = AccountStatus::PendingValidation;
        seen.expires_at = Some(now + UNVALIDATED_ACCOUNT_TTL);
        accounts.create(&seen, now).await.unwrap();
        let audit = AuditEvent::details_changed(&seen.account_id, "cnp", now);

        let mut corrected = seen.clone();
        let other_cnp = Cnp::parse(&random_cnp()).unwrap();
        corrected.person.as_mut().unwrap().cnp = other_cnp.clone();
        assert!(accounts.change_declared(&corrected, &audit).await.unwrap());
        let stored = accounts.get(&seen.account_id).await.unwrap().unwrap();
        assert_eq!(stored.details_version, 1);
        assert_eq!(stored.person.as_ref().unwrap().cnp, other_cnp);
        // Another window's change from version 0 is refused.
        assert!(!accounts.change_declared(&corrected, &audit).await.unwrap());

        let validation = Validation {
            method: ValidationMethod::Counter,
            validated_at: now,
            operator_id: None,
            operator_unit: None,
        };
        let events = AuditEvent::validated(&seen.account_id, &validation);
        assert_eq!(
            accounts
                .mark_validated(&seen, &validation, &events)
                .await
                .unwrap(),
            ValidateOutcome::DetailsChanged,
            "the data the clerk saw are not the data stored"
        );
        assert_eq!(
            accounts
                .get(&seen.account_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            AccountStatus::PendingValidation
        );
        assert_eq!(
            accounts
                .mark_validated(&stored, &validation, &events)
                .await
                .unwrap(),
            ValidateOutcome::Validated
        );
        assert!(!accounts.change_declared(&stored, &audit).await.unwrap());
        let validated = accounts.get(&seen.account_id).await.unwrap().unwrap();
        assert_eq!(validated.person.as_ref().unwrap().cnp, other_cnp);
    });
}

#[test]
fn an_expired_unvalidated_account_gives_up_its_email_and_a_stale_cnp_guard_is_replaced() {
    let stack = stack();
    let accounts = stack.accounts();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        // An account stored before expiries existed (no expires_at), 31 days old.
        let mut old = citizen_account(&random_cnp());
        old.status = AccountStatus::PendingValidation;
        old.created_at = now - chrono::Duration::days(31);
        accounts.create(&old, old.created_at).await.unwrap();
        let mut newer = citizen_account(&random_cnp());
        newer.status = AccountStatus::PendingValidation;
        newer.email = old.email.clone();
        newer.expires_at = Some(now + UNVALIDATED_ACCOUNT_TTL);
        assert_eq!(
            accounts.create(&newer, now).await.unwrap(),
            CreateOutcome::Created,
            "the expired account's e-mail is free again"
        );
        let found = accounts.find_by_email(&newer.email).await.unwrap().unwrap();
        assert_eq!(found.account_id, newer.account_id);
    });
}

#[test]
fn access_changes_and_second_factor_steps_are_kept() {
    let stack = stack();
    let accounts = stack.accounts();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let account = citizen_account(&random_cnp());
        accounts.create(&account, now).await.unwrap();
        let id = &account.account_id;
        let secret = TotpSecret::random();
        let audit = AuditEvent::access_changed(id, "SECOND_FACTOR_ENROLLED", "test", now);
        assert!(accounts
            .change_access(id, &AccessChange::Totp(Some(secret.clone())), &audit)
            .await
            .unwrap());
        let audit = AuditEvent::access_changed(id, "DISABLED", "test", now);
        assert!(accounts
            .change_access(id, &AccessChange::Disabled(true), &audit)
            .await
            .unwrap());
        let stored = accounts.get(id).await.unwrap().unwrap();
        assert!(stored.disabled);
        assert_eq!(
            stored.totp.as_ref().map(TotpSecret::base32),
            Some(secret.base32())
        );
        // A step is used once, and never an earlier one after a later one.
        assert!(accounts.use_totp_step(id, 100).await.unwrap());
        assert!(!accounts.use_totp_step(id, 100).await.unwrap());
        assert!(!accounts.use_totp_step(id, 99).await.unwrap());
        assert!(accounts.use_totp_step(id, 101).await.unwrap());
        let history = stack
            .audit()
            .history(&AuditSubject::Account(id.clone()))
            .await
            .unwrap();
        assert_eq!(history.len(), 2);
        let ghost = AccountId::random();
        let audit = AuditEvent::access_changed(&ghost, "DISABLED", "test", now);
        assert!(!accounts
            .change_access(&ghost, &AccessChange::Disabled(true), &audit)
            .await
            .unwrap());
    });
}

#[test]
fn every_session_of_an_account_ends_at_once_and_channels_are_kept() {
    let stack = stack();
    let sessions = stack.sessions();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let (mine, other) = (AccountId::random(), AccountId::random());
        let session = |account: &AccountId, n: u32, channel| Session {
            token_hash: format!("{account}-{n}"),
            account_id: account.clone(),
            role: Role::Citizen,
            expires_at: now + chrono::Duration::hours(1),
            channel,
        };
        for n in 0..3 {
            sessions
                .put(&session(&mine, n, SessionChannel::Portal))
                .await
                .unwrap();
        }
        sessions
            .put(&session(&other, 0, SessionChannel::Api))
            .await
            .unwrap();
        let stored = sessions.get(&format!("{other}-0")).await.unwrap().unwrap();
        assert_eq!(stored.channel, SessionChannel::Api);
        sessions.revoke_all(&mine).await.unwrap();
        for n in 0..3 {
            assert!(sessions
                .get(&format!("{mine}-{n}"))
                .await
                .unwrap()
                .is_none());
        }
        assert!(sessions.get(&format!("{other}-0")).await.unwrap().is_some());
    });
}

#[test]
fn tickets_registrations_and_proven_identities_are_single_use_and_expire() {
    let stack = stack();
    let sessions = stack.sessions();
    let pending = stack.wiring.pending().unwrap();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let later = now + chrono::Duration::minutes(31);
        let ticket = AccountTicket::SecondFactor {
            account_id: AccountId::random(),
            channel: SessionChannel::Portal,
        };
        let key = format!("t-{}", uuid::Uuid::new_v4());
        sessions
            .put_ticket(&key, &ticket, now + chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(
            sessions.peek_ticket(&key, now).await.unwrap(),
            Some(ticket.clone())
        );
        assert_eq!(sessions.peek_ticket(&key, later).await.unwrap(), None);
        assert_eq!(sessions.take_ticket(&key, later).await.unwrap(), None);
        assert_eq!(sessions.take_ticket(&key, now).await.unwrap(), Some(ticket));
        assert_eq!(sessions.take_ticket(&key, now).await.unwrap(), None);

        let account = citizen_account(&random_cnp());
        let registration = PendingRegistration {
            email: account.email.clone(),
            password_hash: "hash".into(),
            person: account.person.clone().unwrap(),
            code_hash: "code-hash".into(),
            tries: 0,
            expires_at: now + chrono::Duration::minutes(30),
        };
        // Two registrations of one address (a stranger's and its owner's): neither replaces the
        // other, each is found only by its own id.
        let (mine, theirs) = (
            format!("r-{}", uuid::Uuid::new_v4()),
            format!("r-{}", uuid::Uuid::new_v4()),
        );
        pending
            .put_registration(&theirs, &registration)
            .await
            .unwrap();
        pending
            .put_registration(&mine, &registration)
            .await
            .unwrap();
        for expected in 1..=3 {
            let tried = pending.try_registration(&mine, now).await.unwrap().unwrap();
            assert_eq!(tried.tries, expected);
            assert!(
                Some(&tried.person) == account.person.as_ref(),
                "its own person"
            );
        }
        assert!(pending
            .try_registration(&mine, later)
            .await
            .unwrap()
            .is_none());
        assert!(!pending.take_registration(&mine, "other").await.unwrap());
        assert!(pending.take_registration(&mine, "code-hash").await.unwrap());
        assert!(pending
            .try_registration(&mine, now)
            .await
            .unwrap()
            .is_none());

        assert_eq!(
            pending
                .try_registration(&theirs, now)
                .await
                .unwrap()
                .map(|p| p.tries),
            Some(1)
        );

        let proven = ProvenIdentity {
            account_id: account.account_id.clone(),
            method: ValidationMethod::Ghiseul,
            last_name: Name::parse("POPESCU").unwrap(),
            first_name: Name::parse("ION").unwrap(),
            details_version: 3,
            expires_at: now + chrono::Duration::minutes(10),
        };
        let binding = format!("b-{}", uuid::Uuid::new_v4());
        pending.put_proven(&binding, &proven).await.unwrap();
        let seen = pending.peek_proven(&binding, now).await.unwrap().unwrap();
        assert_eq!(seen.last_name.as_str(), "POPESCU");
        assert_eq!(seen.details_version, 3, "the version compared is kept");
        assert!(pending
            .peek_proven(&binding, later)
            .await
            .unwrap()
            .is_none());
        assert!(pending.take_proven(&binding, now).await.unwrap().is_some());
        assert!(pending.take_proven(&binding, now).await.unwrap().is_none());
    });
}

#[test]
fn numbers_bound_concurrently_are_distinct_gap_free_and_bound_once() {
    let stack = stack();
    let requests = stack.requests();
    let bound: Vec<(RequestId, CertificateNumber)> = stack.runtime.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..20 {
            let account = citizen_account(&random_cnp());
            ids.push(pending_request(stack, &account).await);
        }
        // Three attempts at once for each of the 20 requests (as a redelivery, the sweeper
        // and the stream would), all taking numbers of one year.
        let tasks: Vec<_> = ids
            .iter()
            .flat_map(|request| std::iter::repeat_n(request.clone(), 3))
            .map(|request| {
                let r = Arc::clone(&requests);
                tokio::spawn(async move {
                    let at = chrono::Utc::now();
                    let bound = r.bind_next_number(&request, 1999, at).await.unwrap();
                    (request.request_id, bound.certificate_number.unwrap())
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    // Each request kept the one number it got first, whoever asked.
    let mut per_request: HashMap<RequestId, HashSet<CertificateNumber>> = HashMap::new();
    for (id, number) in &bound {
        per_request
            .entry(id.clone())
            .or_default()
            .insert(number.clone());
    }
    assert!(
        per_request.values().all(|n| n.len() == 1),
        "{per_request:?}"
    );
    // The stream's generator may have bound some of them first (this year's numbers); those
    // of 1999 run from 1 without a gap: no attempt took a number it did not bind.
    let mut of_1999: Vec<u64> = per_request
        .values()
        .flatten()
        .filter_map(|n| n.as_str().strip_prefix("CJ-1999-")?.parse().ok())
        .collect();
    of_1999.sort();
    assert!(!of_1999.is_empty());
    assert_eq!(of_1999, (1..=of_1999.len() as u64).collect::<Vec<_>>());
}

fn issuance(stack: &TestStack) -> IssuanceService {
    issuance_service(stack, Arc::new(SystemClock))
}

/// A pending request, stored as the requests function stores it.
async fn pending_request(stack: &TestStack, account: &Account) -> CertificateRequest {
    let accounts = stack.accounts();
    accounts.create(account, chrono::Utc::now()).await.unwrap();
    // The stream's generator also picks this request up and races the test's own calls:
    // exactly what exactly-once issuance must survive.
    submit_request(stack, &account.account_id, Purpose::Studii).await
}

#[test]
fn concurrent_and_repeated_generation_issues_one_certificate() {
    let stack = stack();
    let service = Arc::new(issuance(stack));
    let account = citizen_account(&random_cnp());
    stack.runtime.block_on(async {
        let request = pending_request(stack, &account).await;
        // Five deliveries at once (plus the stream's own), then one more later.
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let s = Arc::clone(&service);
                let id = request.request_id.clone();
                tokio::spawn(async move { s.issue(&id).await.unwrap() })
            })
            .collect();
        let mut numbers = HashSet::new();
        for t in tasks {
            match t.await.unwrap() {
                Outcome::Issued(n) => {
                    numbers.insert(n);
                }
                Outcome::Skipped => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(
            numbers.len() <= 1,
            "two numbers for one request: {numbers:?}"
        );
        assert_eq!(
            service.issue(&request.request_id).await.unwrap(),
            Outcome::Skipped
        );
        let certificates = stack.certificates();
        let list = certificates
            .list_for_account(&account.account_id)
            .await
            .unwrap();
        assert_eq!(list.len(), 1, "exactly one certificate");
        let requests = stack.requests();
        let stored = requests.get(&request.request_id).await.unwrap().unwrap();
        assert_eq!(stored.status, RequestStatus::Issued);
        assert_eq!(stored.certificate_number.as_ref(), Some(&list[0].number));
    });
}

#[test]
fn a_number_bound_before_a_crash_is_reused() {
    let stack = stack();
    let account = citizen_account(&random_cnp());
    stack.runtime.block_on(async {
        // Hold the stream back from this request: reserve first, as a worker that then died.
        let requests = stack.requests();
        let request = pending_request(stack, &account).await;
        let at = chrono::Utc::now();
        let after = requests.bind_next_number(&request, 2099, at).await.unwrap();
        // If the stream's generator got there first, its number stands; either way exactly one.
        let bound = after.certificate_number.clone().unwrap();
        let again = requests.bind_next_number(&request, 2098, at).await.unwrap();
        assert_eq!(
            again.certificate_number.as_ref(),
            Some(&bound),
            "a second attempt does not rebind"
        );
        let outcome = issuance(stack).issue(&request.request_id).await.unwrap();
        assert!(
            matches!(outcome, Outcome::Issued(ref n) if *n == bound) || outcome == Outcome::Skipped
        );
        let final_request = wait_issued(&*requests, &request.request_id).await;
        assert_eq!(final_request.certificate_number, Some(bound.clone()));
        // With the number, a status-list index drawn at random, kept, and its guard naming the
        // number (how a wallet verifier finds the certificate from the index alone).
        let index = after.status_index.expect("an index with the number");
        assert!((LEGACY_STATUS_INDEXES..STATUS_LIST_BITS).contains(&index));
        assert_eq!(final_request.status_index, Some(index));
        let (year, _) = bound.year_and_sequence();
        assert_eq!(
            requests.number_at_status_index(year, index).await.unwrap(),
            Some(bound)
        );
        assert_eq!(
            requests
                .number_at_status_index(year + 1, index)
                .await
                .unwrap(),
            None
        );
    });
}

#[test]
fn numbers_bound_at_once_draw_distinct_status_indexes() {
    let stack = stack();
    stack.runtime.block_on(async {
        let requests = stack.requests();
        let mut pending = Vec::new();
        for _ in 0..20 {
            let account = citizen_account(&random_cnp());
            pending.push(pending_request(stack, &account).await);
        }
        let at = chrono::Utc::now();
        let mut binding = tokio::task::JoinSet::new();
        for request in pending {
            let requests = requests.clone();
            binding.spawn(async move { requests.bind_next_number(&request, 2097, at).await });
        }
        let mut indexes = HashSet::new();
        while let Some(request) = binding.join_next().await {
            let request = request.unwrap().unwrap();
            let number = request.certificate_number.clone().unwrap();
            let index = request.status_index.unwrap();
            assert!(indexes.insert(index), "index {index} drawn twice");
            let (year, _) = number.year_and_sequence();
            assert_eq!(
                requests.number_at_status_index(year, index).await.unwrap(),
                Some(number)
            );
        }
    });
}

#[test]
fn an_ended_request_owes_its_notice_until_cleared_once() {
    let stack = stack();
    let account = citizen_account(&random_cnp());
    stack.runtime.block_on(async {
        let requests = stack.requests();
        let request = pending_request(stack, &account).await;
        let id = request.request_id.clone();
        // Issued by the stream's generator (which marks it ended, notice due).
        let ended = wait_issued(&*requests, &id).await;
        assert!(ended.notice_due, "the holder has not looked yet");
        let later = chrono::Utc::now() + chrono::Duration::minutes(1);
        // Still open for the sweeper (its notice), in the same index entry it had pending.
        let open = requests.open_before(later, 1000).await.unwrap();
        assert!(open.contains(&id));
        let earlier = request.created_at - chrono::Duration::seconds(1);
        assert!(!requests
            .open_before(earlier, 1000)
            .await
            .unwrap()
            .contains(&id));
        assert!(requests.clear_notice(&id).await.unwrap());
        assert!(!requests.clear_notice(&id).await.unwrap(), "once");
        assert!(!requests.get(&id).await.unwrap().unwrap().notice_due);
        let open = requests.open_before(later, 1000).await.unwrap();
        assert!(!open.contains(&id), "closed once the notice is not due");
    });
}

async fn wait_issued(requests: &dyn RequestStore, id: &RequestId) -> CertificateRequest {
    for _ in 0..300 {
        let r = requests.get(id).await.unwrap().unwrap();
        if r.status != RequestStatus::Pending {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("request {id} never left PENDING");
}

#[test]
fn share_codes_are_found_by_code_listed_newest_first_and_revoked_once() {
    let stack = stack();
    let shares = stack.shares();
    stack.runtime.block_on(async {
        let account = AccountId::random();
        // Stored to the millisecond, as every time in the tables.
        let now = chrono::Utc
            .timestamp_millis_opt(chrono::Utc::now().timestamp_millis())
            .unwrap();
        let share = |minutes_ago: i64| Share {
            share_id: ShareId::random(),
            account_id: account.clone(),
            certificate_number: CertificateNumber::new(2026, 7),
            created_at: now - chrono::Duration::minutes(minutes_ago),
            expires_at: now + chrono::Duration::days(30),
            revoked_at: None,
        };
        let (older, newer) = (share(5), share(1));
        let (older_code, newer_code) = (ShareCode::random(), ShareCode::random());
        shares.create(&older_code, &older).await.unwrap();
        shares.create(&newer_code, &newer).await.unwrap();
        // A code is never stored twice, even for another share.
        let taken = shares.create(&older_code, &share(0)).await;
        assert!(matches!(taken, Err(StoreError::Conflict)), "{taken:?}");

        let typed = ShareCode::parse(&older_code.grouped().to_lowercase()).unwrap();
        assert_eq!(shares.find(&typed).await.unwrap(), Some(older.clone()));
        assert_eq!(shares.find(&ShareCode::random()).await.unwrap(), None);
        let listed = shares.list_for_account(&account).await.unwrap();
        assert_eq!(listed, vec![newer.clone(), older.clone()]);

        // Only its account revokes it, and only once.
        let stranger = AccountId::random();
        assert!(!shares
            .revoke(&stranger, &older.share_id, now)
            .await
            .unwrap());
        assert!(shares.revoke(&account, &older.share_id, now).await.unwrap());
        assert!(!shares.revoke(&account, &older.share_id, now).await.unwrap());
        let found = shares.find(&older_code).await.unwrap().unwrap();
        assert_eq!(found.status(now), ShareStatus::Revoked);
        assert_eq!(
            shares.find(&newer_code).await.unwrap().unwrap().status(now),
            ShareStatus::Active
        );
    });
}

#[test]
fn throttle_counts_within_a_window_and_refunds_never_make_credit() {
    let stack = stack();
    let sessions = stack.sessions();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let key = format!("test:{}", uuid::Uuid::new_v4());
        // A refund of a counter that was never hit changes nothing.
        sessions.refund(&key, 3600, now).await.unwrap();
        for expected in 1..=3 {
            assert_eq!(sessions.hit(&key, 3600, now).await.unwrap(), expected);
        }
        sessions.refund(&key, 3600, now).await.unwrap();
        assert_eq!(sessions.hit(&key, 3600, now).await.unwrap(), 3);
        for _ in 0..5 {
            sessions.refund(&key, 3600, now).await.unwrap();
        }
        assert_eq!(sessions.hit(&key, 3600, now).await.unwrap(), 1);
        let next_window = now + chrono::Duration::hours(1);
        assert_eq!(sessions.hit(&key, 3600, next_window).await.unwrap(), 1);
    });
}

#[test]
fn a_sign_in_challenge_is_taken_once_by_its_account_before_it_expires() {
    let stack = stack();
    let sessions = stack.sessions();
    stack.runtime.block_on(async {
        let now = chrono::Utc::now();
        let (owner, other) = (AccountId::random(), AccountId::random());
        let challenge = SignInChallenge {
            nonce: "n".repeat(43),
            code_verifier: "v".repeat(43),
            binding_hash: "b".repeat(64),
        };
        let expires = now + chrono::Duration::minutes(15);
        let state = format!("state-{}", uuid::Uuid::new_v4());
        sessions
            .put_challenge(&state, &owner, &challenge, expires)
            .await
            .unwrap();
        // Another account's attempt neither gets it nor spends it.
        assert_eq!(
            sessions.take_challenge(&state, &other, now).await.unwrap(),
            None
        );
        let taken = sessions.take_challenge(&state, &owner, now).await.unwrap();
        assert_eq!(taken, Some(challenge.clone()));
        assert_eq!(
            sessions.take_challenge(&state, &owner, now).await.unwrap(),
            None
        );
        // Past its time: gone, even for its owner.
        let late = format!("state-{}", uuid::Uuid::new_v4());
        sessions
            .put_challenge(&late, &owner, &challenge, expires)
            .await
            .unwrap();
        let after = expires + chrono::Duration::seconds(1);
        assert_eq!(
            sessions.take_challenge(&late, &owner, after).await.unwrap(),
            None
        );
        // A ghiseul.ro state under the same key has no challenge: refused.
        let plain = format!("state-{}", uuid::Uuid::new_v4());
        let started = StartedValidation {
            account_id: owner.clone(),
            binding_hash: None,
        };
        sessions.put_state(&plain, &started, expires).await.unwrap();
        assert_eq!(
            sessions.take_challenge(&plain, &owner, now).await.unwrap(),
            None
        );
        // And a ghiseul.ro state is taken once, whoever asks (the service checks whose).
        let ghiseul = format!("state-{}", uuid::Uuid::new_v4());
        sessions
            .put_state(&ghiseul, &started, expires)
            .await
            .unwrap();
        assert_eq!(
            sessions
                .take_state(&ghiseul, Some(&other), now)
                .await
                .unwrap(),
            None,
            "another account's take leaves it"
        );
        assert_eq!(
            sessions.take_state(&ghiseul, None, now).await.unwrap(),
            Some(started.clone())
        );
        assert_eq!(
            sessions.take_state(&ghiseul, None, now).await.unwrap(),
            None
        );
        // A ROeID challenge is no ghiseul.ro state.
        let roeid = format!("state-{}", uuid::Uuid::new_v4());
        sessions
            .put_challenge(&roeid, &owner, &challenge, expires)
            .await
            .unwrap();
        assert_eq!(sessions.take_state(&roeid, None, now).await.unwrap(), None);
    });
}

#[test]
fn expiry_notices_find_certificates_by_their_last_day_and_go_out_once() {
    use cazier_shared::wiring::ServiceGraphs;
    let stack = stack();
    let email = stack.runtime.block_on(async {
        // A certificate issued "today" in a far year, so no other test's certificate shares
        // its last day.
        let issued_at = chrono::Utc::now() + chrono::Duration::days(3 * 365 + 17);
        let last_day = valid_until(issued_at);
        let accounts = stack.accounts();
        let issuance = issuance_service(stack, TestClock::at(issued_at));
        // The stack's stream also hands the request to the generator, which issues it today
        // when it binds the number first (under load it may): then again, with a new holder,
        // until the certificate is this test's far-year one.
        let mut account = None;
        for _ in 0..5 {
            let holder = citizen_account(&random_cnp());
            accounts.create(&holder, chrono::Utc::now()).await.unwrap();
            let request = submit_request(stack, &holder.account_id, Purpose::Viza).await;
            let Outcome::Issued(number) = issuance.issue(&request.request_id).await.unwrap() else {
                panic!("not issued");
            };
            let stored = stack.certificates().get(&number).await.unwrap().unwrap();
            if stored.valid_until == last_day {
                account = Some(holder);
                break;
            }
        }
        let account = account.expect("a far-year certificate within five tries");
        let fourteen_before = chrono_tz::Europe::Bucharest
            .from_local_datetime(
                &(last_day - chrono::Duration::days(14))
                    .and_hms_opt(8, 0, 0)
                    .unwrap(),
            )
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut notices = stack.wiring.notice_service().unwrap();
        notices.clock = TestClock::at(fourteen_before);
        let report = notices.send_expiry_notices().await.unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        assert_eq!(notices.send_expiry_notices().await.unwrap().sent, 0, "once");
        account.email.as_str().to_owned()
    });
    // The real SMTP sink got it (after the one saying the certificate was issued).
    let mails = stack.mail.wait_for(&email, 2);
    let expiring: Vec<_> = mails.iter().filter(|m| m.contains("expir")).collect();
    assert_eq!(expiring.len(), 1, "{mails:?}");
    assert!(expiring[0].contains("/certificate"));
}

#[test]
fn the_timestamping_authority_adapter_speaks_rfc_3161_and_fetches_its_crl() {
    use cazier_shared::timestamp::{TimestampError, Timestamps};
    use cazier_shared::tsa_client::HttpTimestampAuthority;
    let stack = stack();
    let http: Arc<dyn TimestampAuthority> = Arc::new(HttpTimestampAuthority::default());
    let tsa = Timestamps::new(
        stack.tsa.url.clone(),
        &stack.tsa.certificates_pem,
        http.clone(),
    )
    .expect("the TSA's configuration");
    stack.runtime.block_on(async {
        // certomancer stamps; the reply passes our checks and the time is now.
        let token = tsa
            .stamp(b"a seal's signature value")
            .await
            .expect("a token");
        assert!((token.time - chrono::Utc::now()).num_seconds().abs() < 60);
        println!(
            "timestamp token from certomancer: {} bytes",
            token.der.len()
        );

        // Its CA's CRL, from the distribution point in its certificate, current.
        let urls = cazier_shared::crl::distribution_points(tsa.signer());
        assert_eq!(urls.len(), 1, "{urls:?}");
        let der = http.fetch(&urls[0]).await.expect("the CRL");
        let issuer = &tsa.certificates[1];
        let crl = cazier_shared::crl::Crl::read(der, &issuer.tbs_certificate.subject, Some(issuer))
            .expect("signed by the TSA's root");
        assert!(crl.current_at(chrono::Utc::now()));

        // Down, or not a TSA at that address: unavailable (the request waits), not a crash.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a port");
        for url in [
            format!("http://127.0.0.1:{closed}/tsa"),
            stack.tsa.url.replace("/tsa/tsa", "/tsa/nothing-here"),
        ] {
            let down = Timestamps::new(url.clone(), &stack.tsa.certificates_pem, http.clone())
                .expect("configuration");
            let error = down.stamp(b"x").await.expect_err("no token");
            assert!(
                matches!(error, TimestampError::Unavailable(_)),
                "{url}: {error}"
            );
        }
    });
}

#[test]
fn wallet_grants_are_taken_once_and_not_after_they_expire() {
    let stack = stack();
    let grants: Arc<dyn WalletGrants> = stack.sessions();
    let now = chrono::Utc::now();
    let number = CertificateNumber::new(2026, 7);
    let account_id = AccountId::random();
    stack.runtime.block_on(async {
        let code = WalletGrant::PreAuthorizedCode {
            account_id: account_id.clone(),
            number: number.clone(),
            tx_code_hash: "tx".into(),
        };
        let key = format!("code-{}", uuid::Uuid::new_v4());
        grants
            .put_grant(&key, &code, now + chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(grants.take_grant(&key, now).await.unwrap(), Some(code));
        assert_eq!(grants.take_grant(&key, now).await.unwrap(), None, "once");

        let token = WalletGrant::AccessToken { account_id, number };
        let key = format!("token-{}", uuid::Uuid::new_v4());
        grants
            .put_grant(&key, &token, now + chrono::Duration::minutes(5))
            .await
            .unwrap();
        let later = now + chrono::Duration::minutes(6);
        assert_eq!(
            grants.take_grant(&key, later).await.unwrap(),
            None,
            "expired"
        );

        let key = format!("nonce-{}", uuid::Uuid::new_v4());
        grants
            .put_grant(
                &key,
                &WalletGrant::Nonce,
                now + chrono::Duration::minutes(5),
            )
            .await
            .unwrap();
        assert_eq!(
            grants.take_grant(&key, now).await.unwrap(),
            Some(WalletGrant::Nonce)
        );

        let verifier = cazier_shared::domain::Cui::parse(&cazier_e2e::random_cui()).unwrap();
        for request in [
            WalletGrant::PresentationRequest {
                nonce: "n".into(),
                verifier: verifier.clone(),
                organisation: "Dunărea SA".into(),
                client_id: "x509_hash:abc".into(),
                transaction_hash: "t".into(),
                response_key: "k".into(),
                redirect_uri: Some("https://a.ro/back".into()),
            },
            WalletGrant::OrganisationToken {
                organisation: verifier.clone(),
                scope: "presentation".into(),
                jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()),
            },
        ] {
            let key = format!("state-{}", uuid::Uuid::new_v4());
            grants
                .put_grant(&key, &request, now + chrono::Duration::minutes(10))
                .await
                .unwrap();
            // Peeked as often as asked (the request object), taken once (the answer).
            for _ in 0..2 {
                let peeked = grants.peek_grant(&key, now).await.unwrap();
                assert_eq!(peeked.as_ref(), Some(&request));
            }
            let later = now + chrono::Duration::minutes(11);
            assert_eq!(grants.peek_grant(&key, later).await.unwrap(), None);
            assert_eq!(grants.take_grant(&key, now).await.unwrap(), Some(request));
            assert_eq!(grants.peek_grant(&key, now).await.unwrap(), None);
        }

        // A client assertion's jti: the first put wins, a second finds it, an expired one
        // (not yet deleted by the TTL) does not count.
        let key = format!("jti-{}", uuid::Uuid::new_v4());
        let until = now + chrono::Duration::minutes(5);
        let used = WalletGrant::UsedAssertion;
        assert!(grants.put_new_grant(&key, &used, now, until).await.unwrap());
        assert!(!grants.put_new_grant(&key, &used, now, until).await.unwrap());
        let later = now + chrono::Duration::minutes(6);
        assert!(grants
            .put_new_grant(&key, &used, later, later + chrono::Duration::minutes(5))
            .await
            .unwrap());
    });
}

/// The organisations register: one per CUI, listed, suspended; the access key sealed at rest
/// (not in the item as it is), read back whole.
#[test]
fn organisations_are_registered_once_with_their_access_key_sealed() {
    use cazier_shared::domain::organisation::{
        AccessCredential, Organisation, OrganisationKind, OrganisationStatus,
    };
    let stack = stack();
    let register = cazier_shared::wiring::PortSource::organisations(&stack.wiring).unwrap();
    let cui = cazier_shared::domain::Cui::parse(&cazier_e2e::random_cui()).unwrap();
    let organisation = Organisation {
        cui: cui.clone(),
        name: "Primăria Sectorului 3".into(),
        kind: OrganisationKind::PublicInstitution,
        purposes: vec![cazier_shared::domain::Purpose::Angajare],
        jwks: r#"{"keys":[]}"#.into(),
        redirect_origins: vec!["https://primaria3.ro".into()],
        webhook_url: None,
        status: OrganisationStatus::Active,
        access: AccessCredential {
            certificate: vec![0x30, 0x03, 0x02, 0x01, 0x01],
            signing_key: b"the access key bytes".to_vec(),
        },
        registered_at: chrono::DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
    };
    stack.runtime.block_on(async {
        register.add(&organisation).await.unwrap();
        assert!(matches!(
            register.add(&organisation).await,
            Err(cazier_shared::ports::StoreError::Conflict)
        ));
        assert_eq!(
            register.get(&cui).await.unwrap(),
            Some(organisation.clone())
        );
        assert!(register.list().await.unwrap().contains(&organisation));
        assert!(register
            .set_status(&cui, OrganisationStatus::Suspended)
            .await
            .unwrap());
        let suspended = register.get(&cui).await.unwrap().unwrap();
        assert_eq!(suspended.status, OrganisationStatus::Suspended);
        let other = cazier_shared::domain::Cui::parse(&cazier_e2e::random_cui()).unwrap();
        assert!(!register
            .set_status(&other, OrganisationStatus::Active)
            .await
            .unwrap());
        // Its webhook: set, read without the keys (what the deliverer may read), removed.
        let url = "https://primaria3.ro/cazier/changes";
        assert!(register.set_webhook(&cui, Some(url)).await.unwrap());
        let target = register.webhook(&cui).await.unwrap().unwrap();
        assert_eq!(target.url.as_deref(), Some(url));
        assert_eq!(target.status, OrganisationStatus::Suspended);
        assert_eq!(
            register
                .get(&cui)
                .await
                .unwrap()
                .unwrap()
                .webhook_url
                .as_deref(),
            Some(url)
        );
        assert!(register.set_webhook(&cui, None).await.unwrap());
        assert_eq!(register.webhook(&cui).await.unwrap().unwrap().url, None);
        assert!(!register.set_webhook(&other, Some(url)).await.unwrap());
        assert_eq!(register.webhook(&other).await.unwrap(), None);
        let item = aws_sdk_dynamodb::Client::new(&stack.sdk)
            .get_item()
            .table_name(stack.setting(cazier_shared::config::vars::ORGANISATIONS_TABLE))
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("ORGANISATION#{cui}")),
            )
            .send()
            .await
            .unwrap()
            .item
            .expect("the item");
        let sealed = item["signing_key"].as_b().unwrap().as_ref();
        assert!(
            !String::from_utf8_lossy(sealed).contains("access key bytes"),
            "sealed at rest"
        );
    });
}

fn stored(
    outcome: PresentationOutcome,
    code_hash: Option<&str>,
) -> cazier_shared::ports::StoredPresentation {
    let answered = !matches!(outcome, PresentationOutcome::Pending);
    cazier_shared::ports::StoredPresentation {
        outcome,
        response_code_hash: code_hash.map(str::to_owned),
        // When the wallet answered, kept for its receipts.
        answered_at: answered.then(|| "2026-12-07T10:00:00Z".parse().unwrap()),
    }
}

/// OpenID4VP outcomes: read as often as asked until they expire (with a same-device
/// request's response-code hash), and sealed at rest (the holder's name is not in the item).
#[test]
fn presentation_outcomes_are_sealed_and_expire() {
    let stack = stack();
    let outcomes = cazier_shared::wiring::PortSource::presentations(&stack.wiring).unwrap();
    let now = chrono::Utc::now();
    let key = format!("tx-{}", uuid::Uuid::new_v4());
    let verified = PresentationOutcome::Verified {
        status: PresentationStatus::Valid,
        claims: serde_json::Map::from_iter([(
            "holder_name".to_owned(),
            serde_json::json!("Ionescu Maria"),
        )]),
    };
    stack.runtime.block_on(async {
        let expires = now + chrono::Duration::minutes(10);
        outcomes
            .put_presentation(&key, &stored(PresentationOutcome::Pending, None), expires)
            .await
            .unwrap();
        assert_eq!(
            outcomes.get_presentation(&key, now).await.unwrap(),
            Some(stored(PresentationOutcome::Pending, None))
        );
        outcomes
            .put_presentation(&key, &stored(verified.clone(), Some("code-hash")), expires)
            .await
            .unwrap();
        for _ in 0..2 {
            assert_eq!(
                outcomes.get_presentation(&key, now).await.unwrap(),
                Some(stored(verified.clone(), Some("code-hash")))
            );
        }
        let later = now + chrono::Duration::minutes(11);
        assert_eq!(outcomes.get_presentation(&key, later).await.unwrap(), None);
        let item = aws_sdk_dynamodb::Client::new(&stack.sdk)
            .get_item()
            .table_name(stack.setting(cazier_shared::config::vars::SESSIONS_TABLE))
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("PRESENTATION#{key}")),
            )
            .send()
            .await
            .unwrap()
            .item
            .expect("the item");
        let sealed = item["outcome"].as_b().unwrap().as_ref();
        assert!(
            !String::from_utf8_lossy(sealed).contains("Ionescu"),
            "sealed at rest"
        );
    });
}

/// The consents table on moto: one waiting request per organisation and person, the holder's
/// list by the keyed hash, updates only from the state read (with their audit entry), the
/// guard gone once answered, and nothing personal in the clear.
#[test]
fn consents_wait_once_change_only_from_what_was_read_and_keep_the_cnp_sealed() {
    use cazier_shared::domain::consent::{Consent, ConsentReason, ConsentTerm};
    let stack = stack();
    stack.runtime.block_on(async {
        let consents = stack.wiring.consents().unwrap();
        let cnp = random_cnp();
        // Stored to the millisecond.
        let now =
            chrono::DateTime::from_timestamp_millis(chrono::Utc::now().timestamp_millis()).unwrap();
        let consent = Consent {
            id: ConsentId::random(),
            organisation: Cui::parse(&random_cui()).unwrap(),
            organisation_name: "Dunărea SA".into(),
            purpose: Purpose::Angajare,
            level: ConsentLevel::Status,
            reason: ConsentReason::parse("Angajare paznic de noapte").unwrap(),
            term: ConsentTerm::Until(chrono::NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()),
            holder: Cnp::parse(&cnp).unwrap(),
            state: ConsentStatus::Pending,
            asked_at: now,
            decided_at: None,
            ended_at: None,
            holder_name: None,
            extracts: 0,
        };
        assert_eq!(
            consents.ask(&consent, now).await.unwrap(),
            AskOutcome::Asked
        );
        let again = Consent {
            id: ConsentId::random(),
            ..consent.clone()
        };
        assert_eq!(
            consents.ask(&again, now).await.unwrap(),
            AskOutcome::AlreadyPending(consent.id.clone())
        );
        assert_eq!(
            consents.get(&consent.id).await.unwrap(),
            Some(consent.clone())
        );
        assert_eq!(consents.get(&again.id).await.unwrap(), None);
        let listed = consents.for_holder(&consent.holder).await.unwrap();
        assert_eq!(listed, vec![consent.clone()]);

        let mut accepted = consent.clone();
        accepted.state = ConsentStatus::Accepted;
        accepted.decided_at = Some(now);
        accepted.holder_name = Some("Pop Ana".into());
        let later = now + chrono::Duration::seconds(1);
        let audit = AuditEvent::consent(AuditEventKind::ConsentAccepted, &consent, None, later);
        // From a state it is not in: nothing written.
        assert!(!consents
            .update(&accepted, ConsentStatus::Accepted, 0, &audit)
            .await
            .unwrap());
        assert!(consents
            .update(&accepted, ConsentStatus::Pending, 0, &audit)
            .await
            .unwrap());
        assert!(
            !consents
                .update(&accepted, ConsentStatus::Pending, 0, &audit)
                .await
                .unwrap(),
            "once"
        );
        assert_eq!(
            consents.get(&consent.id).await.unwrap(),
            Some(accepted.clone())
        );
        let history = stack
            .audit()
            .history(&AuditSubject::Consent(consent.id.clone()))
            .await
            .unwrap();
        let kinds: Vec<_> = history.iter().map(|e| e.event).collect();
        assert_eq!(
            kinds,
            [
                AuditEventKind::ConsentAsked,
                AuditEventKind::ConsentAccepted
            ]
        );
        // Answered: the organisation may ask again.
        assert_eq!(consents.ask(&again, now).await.unwrap(), AskOutcome::Asked);

        let item = aws_sdk_dynamodb::Client::new(&stack.sdk)
            .get_item()
            .table_name(stack.setting(cazier_shared::config::vars::CONSENTS_TABLE))
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("CONSENT#{}", consent.id)),
            )
            .send()
            .await
            .unwrap()
            .item
            .expect("the item");
        let raw = format!("{item:?}");
        assert!(!raw.contains(&cnp), "no CNP in the clear");
        assert!(
            !raw.contains("paznic") && !raw.contains("Pop Ana"),
            "sealed"
        );
    });
}

/// Webhook deliveries on DynamoDB: due ones listed by time, claimed once (a second claim of the
/// same attempt loses), delivered ones leave the list, dead letters listed and redriven.
#[test]
fn webhook_deliveries_are_claimed_once_and_dead_letters_kept() {
    use cazier_shared::domain::webhook::Delivery;
    use cazier_shared::domain::{ConsentId, Cui, DeliveryState};
    let stack = stack();
    let outbox = cazier_shared::wiring::PortSource::webhook_outbox(&stack.wiring).unwrap();
    let cui = Cui::parse(&cazier_e2e::random_cui()).unwrap();
    // Far in the past: no other test's deliveries come before these.
    let start = chrono::DateTime::from_timestamp(1_000_000_000, 0).unwrap();
    let new = |minutes: i64| {
        let at = start + chrono::Duration::minutes(minutes);
        Delivery::new(cui.clone(), ConsentId::random(), at, "cursor".into(), at)
    };
    stack.runtime.block_on(async {
        let (first, second) = (new(0), new(1));
        outbox.enqueue(&second).await.unwrap();
        outbox.enqueue(&first).await.unwrap();
        let due = outbox
            .due(start + chrono::Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(due, vec![first.clone()], "only what is due, as stored");
        let due = outbox
            .due(start + chrono::Duration::minutes(2), 10)
            .await
            .unwrap();
        assert_eq!(
            due.iter().map(|d| &d.id).collect::<Vec<_>>(),
            [&first.id, &second.id]
        );

        let now = start + chrono::Duration::minutes(2);
        let claimed = first.claimed(now);
        assert!(outbox.save(&claimed, 0).await.unwrap());
        assert!(
            !outbox.save(&first.claimed(now), 0).await.unwrap(),
            "claimed once"
        );
        let failed = claimed.failed("the receiver answered 503", now);
        assert!(outbox.save(&failed, 1).await.unwrap());
        assert_eq!(outbox.get(&first.id).await.unwrap(), Some(failed.clone()));
        assert!(
            !outbox
                .due(now, 10)
                .await
                .unwrap()
                .iter()
                .any(|d| d.id == first.id),
            "waits"
        );

        let delivered = second.claimed(now).delivered(now);
        assert!(outbox.save(&second.claimed(now), 0).await.unwrap());
        assert!(outbox.save(&delivered, 1).await.unwrap());
        let later = now + chrono::Duration::hours(1);
        let due: Vec<_> = outbox.due(later, 10).await.unwrap();
        assert!(due.iter().any(|d| d.id == first.id) && !due.iter().any(|d| d.id == second.id));

        let dead = failed.claimed(later).dead("given up", later);
        assert!(outbox.save(&dead, 1).await.unwrap());
        assert!(outbox.dead(1000).await.unwrap().contains(&dead));
        assert!(
            !outbox.save(&dead.claimed(later), 2).await.unwrap(),
            "a dead letter is not retried"
        );
        let redriven = dead.redriven(later);
        assert!(outbox.save(&redriven, dead.attempts).await.unwrap());
        let stored = outbox.get(&first.id).await.unwrap().unwrap();
        assert_eq!((stored.state, stored.attempts), (DeliveryState::Due, 0));
        assert!(!outbox
            .dead(1000)
            .await
            .unwrap()
            .iter()
            .any(|d| d.id == first.id));
    });
}
