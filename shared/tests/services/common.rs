//! Helpers shared by the service tests: fixed times, valid CNPs, citizens in the stores.

use cazier_shared::domain::cnp::control_digit;
use cazier_shared::domain::RequestId;
use cazier_shared::domain::{Account, AccountStatus, Certificate, IdDocument, Name, Principal};
use cazier_shared::ports::{AccountStore, BlobStore};
use cazier_shared::services::issuance::Outcome;
use cazier_shared::services::verification::{VerifyDto, VerifyQuery};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};

/// A UTC instant.
pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s)
        .single()
        .expect("a real instant")
}

/// An instant given as Bucharest wall-clock time.
pub fn bucharest(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Bucharest
        .with_ymd_and_hms(y, m, d, h, min, s)
        .single()
        .expect("an unambiguous Bucharest time")
        .with_timezone(&Utc)
}

/// Ten in the morning, 22 November 2026, when most tests happen.
pub fn morning() -> DateTime<Utc> {
    utc(2026, 11, 22, 10, 0, 0)
}

pub async fn memory() -> Memory {
    Memory::new(morning()).await
}

/// A different valid CNP on every call (born 1 Jan 1985, Bucharest).
pub fn new_cnp() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    // Sex and century, year, month, day, county (40: Bucharest), then a serial 001-999.
    let serial = NEXT.fetch_add(1, Ordering::SeqCst) % 999 + 1;
    let first = format!("285010140{serial:03}");
    let digits: Vec<u8> = first.bytes().map(|b| b - b'0').collect();
    format!("{first}{}", control_digit(&digits))
}

pub fn passport() -> IdDocument {
    IdDocument::parse("PASSPORT", None, "055123456").expect("passport")
}

/// A citizen account with its CNP, validated or not, created this morning and born in
/// Câmpulung Moldovenesc.
pub fn citizen(cnp: &str, validated: bool) -> Account {
    let mut account = cazier_shared::testing::sample_citizen(cnp);
    account.created_at = morning();
    if !validated {
        account.status = AccountStatus::PendingValidation;
    }
    let person = account.person.as_mut().expect("a valid CNP");
    person.birth_place = Some(Name::parse("Câmpulung Moldovenesc").expect("name"));
    account
}

pub fn principal_of(account: &Account) -> Principal {
    Principal {
        account_id: account.account_id.clone(),
        role: account.role,
        token_hash: "session".into(),
    }
}

/// Submits a request (`body` as the API takes it) for the citizen; its id.
pub async fn submit(memory: &Memory, citizen: &Principal, body: serde_json::Value) -> RequestId {
    let dto: cazier_shared::services::requests::SubmitDto =
        serde_json::from_value(body).expect("a request body");
    let submission = dto.try_into_domain().expect("a valid request");
    memory
        .request_service()
        .expect("wired")
        .submit(citizen, submission, None)
        .await
        .expect("submitted")
        .request_id
}

/// A validated citizen stored in `memory`, and their principal.
pub async fn stored_citizen(memory: &Memory) -> (Account, Principal) {
    let account = citizen(&new_cnp(), true);
    memory
        .accounts
        .create(&account, chrono::Utc::now())
        .await
        .expect("stored");
    let principal = principal_of(&account);
    (account, principal)
}

pub use cazier_shared::testing::cui_from as valid_cui;

/// The same CUI with a wrong control digit.
pub fn wrong_cui(body: u32) -> String {
    let right = valid_cui(body);
    let last = right.as_bytes()[right.len() - 1] - b'0';
    format!("{body}{}", (last + 1) % 10)
}

/// A certificate issued in `memory`, its holder's CNP and its PDF.
pub async fn issued(memory: &Memory) -> (Certificate, String, Vec<u8>) {
    let (account, citizen) = stored_citizen(memory).await;
    let id = submit(memory, &citizen, json!({"purpose": "ANGAJARE"})).await;
    let outcome = memory.issuance_service().unwrap().issue(&id).await.unwrap();
    let Outcome::Issued(number) = outcome else {
        panic!("issued")
    };
    let certificate = memory
        .certificates
        .all()
        .into_iter()
        .find(|c| c.number == number)
        .unwrap();
    let pdf = memory
        .blobs
        .get(&certificate.document_key)
        .await
        .unwrap()
        .unwrap();
    let cnp = account.person.unwrap().cnp.as_string();
    (certificate, cnp, pdf)
}

/// A verification by number and CNP, as the API takes it.
pub fn by_dto(number: &str, cnp: &str) -> VerifyDto {
    VerifyDto {
        certificate_number: number.into(),
        cnp: Some(cnp.into()),
        cui: None,
    }
}

/// A verification by number and CNP, parsed as the API parses it.
pub fn by(number: &str, cnp: &str) -> VerifyQuery {
    by_dto(number, cnp)
        .try_into_domain()
        .expect("a well-formed check")
}
