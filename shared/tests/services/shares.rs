//! Share codes: made for a valid certificate of one's own, opened by a third party without a
//! CNP, ended at once by revocation or at expiry; wrong, expired and revoked codes answer
//! alike; throttled; every use shown to the holder with the declared organisation.

use crate::common::{issued, memory, principal_of, stored_citizen};
use cazier_shared::domain::CertificateNumber;
use cazier_shared::domain::{
    Certificate, CertificateStatus, Principal, Role, ShareId, ShareStatus,
};
use cazier_shared::ports::Clock;
use cazier_shared::services::checks::CheckChannel;
use cazier_shared::services::revocation::revoke;
use cazier_shared::services::shares::{
    AccessDto, AccessError, CreateShareDto, ShareAccess, ShareError, ACCESSES_PER_MINUTE,
    MAX_ACTIVE_SHARES_PER_CERTIFICATE,
};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use chrono::{Duration, NaiveDate};

fn access_dto(code: &str, organisation: Option<&str>) -> AccessDto {
    AccessDto {
        code: code.into(),
        organisation: organisation.map(str::to_owned),
    }
}

/// A code and organisation, parsed as the API parses them.
fn access(code: &str, organisation: Option<&str>) -> ShareAccess {
    access_dto(code, organisation)
        .try_into_domain()
        .expect("a well-formed code")
}

fn until(day: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a date"))
}

/// Whether a code as typed (malformed ones too) opens nothing, parsed as the API parses it.
async fn not_found(memory: &Memory, code: &str, client: &str) -> bool {
    let shown = match access_dto(code, None).try_into_domain() {
        Ok(access) => {
            memory
                .share_service()
                .unwrap()
                .access(&access, client)
                .await
        }
        Err(refused) => Err(refused),
    };
    matches!(shown, Err(AccessError::NotFound))
}

/// A store with one issued certificate: the store, the certificate, its holder, their CNP
/// and the PDF.
async fn with_certificate() -> (Memory, Certificate, Principal, String, Vec<u8>) {
    let memory = memory().await;
    let (certificate, cnp, pdf) = issued(&memory).await;
    let holder = Principal {
        account_id: certificate.account_id.clone(),
        role: Role::Citizen,
        token_hash: "session".into(),
    };
    (memory, certificate, holder, cnp, pdf)
}

#[tokio::test]
async fn a_third_party_sees_and_downloads_the_certificate_without_the_cnp() {
    let (memory, certificate, holder, cnp, pdf) = with_certificate().await;
    let shares = memory.share_service().unwrap();
    let number = &certificate.number;
    let created = shares.create(&holder, number, None).await.unwrap();
    assert_eq!(created.code.len(), 15, "{}", created.code);
    assert_eq!(created.code.matches('-').count(), 2);

    // Typed by hand: lower case, spaces for dashes.
    let typed = created.code.to_lowercase().replace('-', " ");
    let seen = shares
        .access(&access(&typed, Some("  Dunărea SA  ")), "employer")
        .await
        .unwrap();
    assert_eq!(seen.status, CertificateStatus::Valid);
    assert_eq!(seen.holder_name, "Ștefănescu Ana-Maria");
    assert_eq!(seen.valid_until, certificate.valid_until);
    assert_eq!(seen.share_expires_at, created.expires_at);
    let json = serde_json::to_string(&seen).unwrap();
    assert!(!json.contains(&cnp), "no CNP: {json}");
    let (_, document) = shares
        .document(&access(&created.code, None), "employer")
        .await
        .unwrap();
    assert_eq!(document, pdf);

    // The holder sees both uses, with the organisation when one was declared.
    let checks = memory.check_service().unwrap();
    let seen = checks.checks(&holder, number).await.unwrap().checks;
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|c| c.channel == CheckChannel::ShareCode));
    let organisations: Vec<_> = seen.iter().map(|c| c.organisation.clone()).collect();
    assert!(organisations.contains(&Some("Dunărea SA".into())));
    assert!(organisations.contains(&None));
    let listed = shares.list(&holder).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, ShareStatus::Active);
    let listed_json = serde_json::to_string(&listed).unwrap();
    assert!(
        !listed_json.contains(&created.code[..9]),
        "the code is not kept"
    );
}

#[tokio::test]
async fn wrong_expired_and_revoked_codes_answer_alike_and_revocation_is_immediate() {
    let (memory, certificate, holder, _, _) = with_certificate().await;
    let shares = memory.share_service().unwrap();
    let number = &certificate.number;
    let today = cazier_shared::domain::bucharest_date(memory.clock.now());
    let short = shares
        .create(&holder, number, until(&today.to_string()))
        .await
        .unwrap();
    memory.clock.advance(Duration::seconds(1));
    let long = shares.create(&holder, number, None).await.unwrap();
    assert!(!not_found(&memory, &short.code, "a").await);

    assert!(not_found(&memory, "ABCD-EFGH-JKMNP", "a").await, "wrong");
    assert!(not_found(&memory, "not a code", "a").await, "malformed");
    shares.revoke(&holder, &long.share_id).await.unwrap();
    assert!(
        not_found(&memory, &long.code, "a").await,
        "revoked: at once"
    );
    shares.revoke(&holder, &long.share_id).await.unwrap();
    // Through the last Bucharest day it was given, then no more.
    memory.clock.advance(Duration::days(1));
    assert!(not_found(&memory, &short.code, "b").await, "expired");

    let statuses: Vec<_> = shares
        .list(&holder)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(statuses, [ShareStatus::Revoked, ShareStatus::Expired]);

    // Someone else cannot revoke (or tell apart) the holder's codes.
    let (_, other) = stored_citizen(&memory).await;
    for id in [&long.share_id, &ShareId::from("no-such-share")] {
        assert!(matches!(
            shares.revoke(&other, id).await,
            Err(ShareError::NotFound)
        ));
    }
}

#[tokio::test]
async fn codes_are_for_valid_certificates_of_ones_own_until_their_last_day_at_most() {
    let (memory, certificate, holder, _, _) = with_certificate().await;
    let shares = memory.share_service().unwrap();
    let number = &certificate.number;
    let (other_account, _) = stored_citizen(&memory).await;
    let other = principal_of(&other_account);
    // (A malformed number never reaches the service: the edges parse it, 404.)
    let unknown = CertificateNumber::new(2026, 9999);
    for (who, n) in [(&other, number), (&holder, &unknown)] {
        assert!(matches!(
            shares.create(who, n, None).await,
            Err(ShareError::NotFound)
        ));
    }
    let after = certificate.valid_until + Duration::days(1);
    let yesterday = cazier_shared::domain::bucharest_date(memory.clock.now()) - Duration::days(1);
    for (day, code) in [
        (after.to_string(), "AFTER_CERTIFICATE"),
        (yesterday.to_string(), "IN_THE_PAST"),
    ] {
        match shares.create(&holder, number, until(&day)).await {
            Err(ShareError::Invalid(errors)) => assert_eq!(errors[0].code.as_str(), code, "{day}"),
            other => panic!("{day}: {other:?}"),
        }
    }
    // By default, and at the latest: through the certificate's last day.
    let last = shares
        .create(&holder, number, until(&certificate.valid_until.to_string()))
        .await
        .unwrap();
    let default = shares.create(&holder, number, None).await.unwrap();
    assert_eq!(last.expires_at, default.expires_at);
    assert_eq!(
        cazier_shared::domain::bucharest_date(default.expires_at - Duration::seconds(1)),
        certificate.valid_until
    );

    for _ in 2..MAX_ACTIVE_SHARES_PER_CERTIFICATE {
        shares.create(&holder, number, None).await.unwrap();
    }
    assert!(matches!(
        shares.create(&holder, number, None).await,
        Err(ShareError::TooMany)
    ));

    // A revoked certificate: no new code; an existing one shows it revoked, without the PDF.
    revoke(
        &*memory.certificates,
        &*memory.clock,
        &certificate.number,
        "court decision",
        "ops",
    )
    .await
    .unwrap();
    assert!(matches!(
        shares.create(&holder, number, None).await,
        Err(ShareError::CertificateNotValid)
    ));
    let seen = shares.access(&access(&last.code, None), "c").await.unwrap();
    assert_eq!(seen.status, CertificateStatus::Revoked);
    assert!(matches!(
        shares.document(&access(&last.code, None), "c").await,
        Err(AccessError::CertificateNotValid)
    ));
}

#[tokio::test]
async fn guessing_is_throttled_per_client_and_declarations_are_one_short_line() {
    let memory = memory().await;
    let shares = memory.share_service().unwrap();
    for _ in 0..ACCESSES_PER_MINUTE {
        assert!(not_found(&memory, "ABCD-EFGH-JKMNP", "guesser").await);
    }
    assert!(matches!(
        shares.access(&access("ABCD-EFGH-JKMNP", None), "guesser").await,
        Err(AccessError::Throttled { retry_after }) if (1..=60).contains(&retry_after)
    ));
    assert!(not_found(&memory, "ABCD-EFGH-JKMNP", "someone else").await);
    memory.clock.advance(Duration::minutes(1));
    assert!(not_found(&memory, "ABCD-EFGH-JKMNP", "guesser").await);

    // Found by the attack on issue 24's build: direction marks and zero-width characters
    // would let a verifier's name print as another's in the holder's log.
    for organisation in [
        "x".repeat(101),
        "Dunărea\nSA".into(),
        "A\u{202E}evil".into(),
        "Banca\u{200B}".into(),
    ] {
        assert!(matches!(
            access_dto("ABCD-EFGH-JKMNP", Some(&organisation)).try_into_domain(),
            Err(AccessError::Invalid(_))
        ));
    }
    // Only `YYYY-MM-DD` (the attack on issue 24's build had `2027-1-1` and others accepted).
    for typed in [
        "31.12.2026",
        "2027-1-1",
        " 2027-01-01",
        "+2027-01-01",
        "2027-02-30",
    ] {
        let dto = CreateShareDto {
            expires_on: Some(typed.into()),
        };
        match dto.try_into_domain() {
            Err(ShareError::Invalid(errors)) => {
                assert_eq!(errors[0].code.as_str(), "INVALID_DATE", "{typed}")
            }
            other => panic!("{typed}: {other:?}"),
        }
    }
}
