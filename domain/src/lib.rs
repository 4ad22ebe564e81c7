//! The domain: its types, each parsed once at the edge (past it, an invalid value cannot
//! exist), its codes, and the ports its services need (`ports`). No AWS, no HTTP, no wire
//! format. (Over 400 lines: the domain's core types in one place.)

pub mod audit;
pub mod cnp;
pub mod codes;
pub mod consent;
pub mod crypto;
pub mod cui;
pub mod form;
pub mod ids;
pub mod notice;
pub mod organisation;
pub mod page;
pub mod ports;
pub mod presentation;
pub mod share;
pub mod status_index;
pub mod text;
pub mod totp;
pub mod url;
pub mod webhook;

pub use audit::{AuditEvent, AuditSubject};
pub use codes::{
    AccountStatus, AuditEventKind, CertificateStatus, CheckResult, ConsentLevel, ConsentStatus,
    DeliveryState, DocumentResult, FieldCode, PresentationStatus, RejectionCode, RequestStatus,
    Role, SessionChannel, ShareStatus, StaffAction, ValidationMethod, VerificationResult,
};
pub use form::{FieldError, Form};
pub use ids::{AccountId, ConsentId, DeliveryId, RequestId, ShareId};
pub use notice::Notice;
pub use page::Page;
pub use presentation::PresentationOutcome;
pub use share::Share;
pub use status_index::{random_status_index, LEGACY_STATUS_INDEXES, STATUS_LIST_BITS};
pub use totp::TotpSecret;

pub use cnp::{Cnp, CnpError};
pub use cui::{Cui, CuiError};
pub use text::{
    ConfirmationCode, CounterCode, DeskCode, Email, IdDocument, Name, Password, ShareCode,
    TextError,
};

use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Europe::Bucharest;
use serde::{Deserialize, Serialize};

/// How and when an account's identity was proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub method: ValidationMethod,
    pub validated_at: DateTime<Utc>,
    /// For counter validations: the clerk's account and police unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_unit: Option<String>,
}

/// The civil-status data a citizen registers with and that pre-fills every request.
#[derive(Clone, PartialEq, Eq)]
pub struct Person {
    pub cnp: Cnp,
    pub last_name: Name,
    pub first_name: Name,
    pub father_first_name: Option<Name>,
    pub mother_first_name: Option<Name>,
    pub birth_place: Option<Name>,
    pub id_document: IdDocument,
}

impl Person {
    /// "Pop Ana-Maria": surname first, as on Romanian documents.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.last_name.as_str(), self.first_name.as_str())
    }
}

/// A citizen's or an operator's account.
#[derive(Clone)]
pub struct Account {
    pub account_id: AccountId,
    pub email: Email,
    pub role: Role,
    pub status: AccountStatus,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    /// Citizens only.
    pub person: Option<Person>,
    pub counter_code: Option<CounterCode>,
    pub validation: Option<Validation>,
    /// Operators only: the police unit they work for.
    pub unit: Option<String>,
    /// Staff only: the registered organisation they act for.
    pub organisation: Option<Cui>,
    /// Citizens not yet validated: the account is deleted then (its e-mail and counter code
    /// freed). Accounts stored before this existed expire [`UNVALIDATED_ACCOUNT_TTL`] after
    /// their creation.
    pub expires_at: Option<DateTime<Utc>>,
    /// Ops disabled it (a clerk who left): it cannot sign in, and its sessions were ended.
    pub disabled: bool,
    /// Operators: the secret of their second factor (TOTP, RFC 6238), once enrolled.
    pub totp: Option<TotpSecret>,
    /// How many times the holder changed their declared data before validation. A clerk's
    /// lookup and an identity proof name the version they compared; a validation of any other
    /// version is refused, so nobody validates data they have not seen.
    pub details_version: u32,
}

/// How long an account may wait for validation before it is deleted: time to visit a counter.
pub const UNVALIDATED_ACCOUNT_TTL: chrono::Duration = chrono::Duration::days(30);

impl Account {
    /// When an unvalidated citizen's account stops existing; `None` for validated accounts
    /// and operators.
    pub fn expiry(&self) -> Option<DateTime<Utc>> {
        (self.role == Role::Citizen && self.status == AccountStatus::PendingValidation).then(|| {
            self.expires_at
                .unwrap_or(self.created_at + UNVALIDATED_ACCOUNT_TTL)
        })
    }

    /// An unvalidated account past its time: as if it did not exist.
    /// Names the password the account has now (a hash of its salted hash): whatever was
    /// issued for it, such as a reset link, ends when the password changes.
    pub fn password_stamp(&self) -> String {
        crate::crypto::sha256_hex(self.password_hash.as_bytes())[..32].to_owned()
    }

    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expiry().is_some_and(|at| at <= now)
    }
}

/// The purposes a certificate can be requested for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Angajare,
    Studii,
    Emigrare,
    Viza,
    Adoptie,
    PortArma,
    AtestatProfesional,
    AlteUtilizari,
}

impl Purpose {
    pub const ALL: [Purpose; 8] = [
        Purpose::Angajare,
        Purpose::Studii,
        Purpose::Emigrare,
        Purpose::Viza,
        Purpose::Adoptie,
        Purpose::PortArma,
        Purpose::AtestatProfesional,
        Purpose::AlteUtilizari,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::Angajare => "ANGAJARE",
            Purpose::Studii => "STUDII",
            Purpose::Emigrare => "EMIGRARE",
            Purpose::Viza => "VIZA",
            Purpose::Adoptie => "ADOPTIE",
            Purpose::PortArma => "PORT_ARMA",
            Purpose::AtestatProfesional => "ATESTAT_PROFESIONAL",
            Purpose::AlteUtilizari => "ALTE_UTILIZARI",
        }
    }

    pub fn label_ro(self) -> &'static str {
        match self {
            Purpose::Angajare => "Angajare",
            Purpose::Studii => "Studii",
            Purpose::Emigrare => "Emigrare",
            Purpose::Viza => "Obținere viză",
            Purpose::Adoptie => "Adopție",
            Purpose::PortArma => "Permis de port armă",
            Purpose::AtestatProfesional => "Atestat profesional",
            Purpose::AlteUtilizari => "Alte utilizări",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Purpose::Angajare => "Employment",
            Purpose::Studii => "Studies",
            Purpose::Emigrare => "Emigration",
            Purpose::Viza => "Visa",
            Purpose::Adoptie => "Adoption",
            Purpose::PortArma => "Firearm licence",
            Purpose::AtestatProfesional => "Professional licence",
            Purpose::AlteUtilizari => "Other uses",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

#[derive(Debug, Clone)]
pub struct CertificateRequest {
    pub request_id: RequestId,
    pub account_id: AccountId,
    /// The legal person the certificate is for; `None`: the citizen themself.
    pub company: Option<Cui>,
    pub purpose: Purpose,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub certificate_number: Option<CertificateNumber>,
    pub issued_at: Option<DateTime<Utc>>,
    /// The certificate's index in its year's status list, bound with its number (`None`
    /// before, and for requests bound before indexes were drawn: the sequence then).
    pub status_index: Option<u64>,
    pub rejection_code: Option<RejectionCode>,
    /// The request ended and its holder has neither seen the outcome nor been e-mailed it yet:
    /// the sweep e-mails them a few minutes after the end unless they look first.
    pub notice_due: bool,
}

/// Whose record an entry belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordSubject {
    Person(Cnp),
    Company(Cui),
}

/// A legal person, as loaded by ops from the trade register, with the CNPs of its legal
/// representatives (who may request its certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub cui: Cui,
    pub name: String,
    /// e.g. J40/1234/2010
    pub trade_register_number: String,
    pub representatives: Vec<Cnp>,
}

/// One entry of the criminal record.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEntry {
    pub entry_id: String,
    pub court: String,
    pub decision: String,
    pub decision_date: NaiveDate,
    pub offence: String,
    pub penalty: String,
    #[serde(default)]
    pub rehabilitated: bool,
}

impl std::fmt::Debug for RecordEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordEntry({})", self.entry_id)
    }
}

/// `CJ-2026-00000042`: series CJ (electronic criminal record certificate), year of issue,
/// a sequence number unique within the year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateNumber(String);

impl CertificateNumber {
    pub fn new(year: i32, sequence: u64) -> Self {
        Self(format!("CJ-{year:04}-{sequence:08}"))
    }

    pub fn parse(input: &str) -> Option<Self> {
        let s = input.trim().to_ascii_uppercase();
        let rest = s.strip_prefix("CJ-")?;
        let (year, seq) = rest.split_once('-')?;
        let ok = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (8..=12).contains(&seq.len())
            && seq.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year and the sequence within it (`CJ-2026-00001234` → 2026, 1234).
    pub fn year_and_sequence(&self) -> (i32, u64) {
        let mut parts = self.0.splitn(3, '-').skip(1);
        let year = parts
            .next()
            .and_then(|y| y.parse().ok())
            .unwrap_or_default();
        let sequence = parts
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_default();
        (year, sequence)
    }
}

impl std::fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CertificateNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An issued certificate, as recorded at issue.
#[derive(Clone)]
pub struct Certificate {
    pub number: CertificateNumber,
    pub request_id: RequestId,
    pub account_id: AccountId,
    /// The legal person it is about (its name is `holder_name`); `None`: the holder is the
    /// citizen `holder_cnp`. For a company, `holder_cnp` is the representative who asked.
    pub company: Option<Cui>,
    pub purpose: Purpose,
    pub issued_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    pub holder_cnp: Cnp,
    pub holder_name: String,
    pub has_entries: bool,
    /// The entries as printed on it (none for certificates issued before they were kept).
    pub entries: Vec<RecordEntry>,
    pub document_key: String,
    pub document_sha256: String,
    pub signature: Vec<u8>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its index in its year's status list; `None` for certificates issued before indexes
    /// were drawn, whose index is their sequence (see [`Certificate::status_index`]).
    pub status_index: Option<u64>,
}

impl Certificate {
    /// Where its revocation bit sits in its year's status list.
    pub fn status_index(&self) -> u64 {
        self.status_index
            .unwrap_or_else(|| self.number.year_and_sequence().1)
    }

    pub fn status(&self, now: DateTime<Utc>) -> CertificateStatus {
        if self.revoked_at.is_some() {
            CertificateStatus::Revoked
        } else if bucharest_date(now) > self.valid_until {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Valid
        }
    }
}

/// Who is calling, once their session checked out.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: AccountId,
    pub role: Role,
    /// The session's token hash (what signing out deletes).
    pub token_hash: String,
}

/// The calendar day in Romania at an instant: the daily limit and validity are counted in it.
pub fn bucharest_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Bucharest).date_naive()
}

/// The instant a Bucharest day ends (the next day's midnight there), as UTC.
pub fn end_of_bucharest_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(NaiveDate::MAX);
    next.and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(Bucharest).earliest())
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.with_timezone(&Utc))
}

/// The last Bucharest day before `end` (an instant from [`end_of_bucharest_day`]): the day to
/// show as "works until".
pub fn last_bucharest_day(end: DateTime<Utc>) -> NaiveDate {
    bucharest_date(end - chrono::Duration::seconds(1))
}

/// Valid for six months from the date of issue: the same day number six months later, or the
/// last day of that month when the day does not exist (31 Aug → 28/29 Feb).
pub fn valid_until(issued_at: DateTime<Utc>) -> NaiveDate {
    let issued = bucharest_date(issued_at);
    issued
        .checked_add_months(Months::new(6))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn purposes_round_trip() {
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.code()), Some(p));
        }
        assert_eq!(Purpose::parse("angajare"), None);
    }

    #[test]
    fn certificate_numbers() {
        let n = CertificateNumber::new(2026, 42);
        assert_eq!(n.as_str(), "CJ-2026-00000042");
        assert_eq!(CertificateNumber::parse("cj-2026-00000042"), Some(n));
        for bad in [
            "",
            "CJ-2026",
            "CJ-26-00000042",
            "XX-2026-00000042",
            "CJ-2026-0000004a",
        ] {
            assert_eq!(CertificateNumber::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_day_ends_at_bucharest_midnight_and_is_its_own_last_day() {
        // Winter, and the days the clocks change (23 and 25 hours long).
        for day in ["2026-12-02", "2027-03-28", "2026-10-25"] {
            let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            let end = end_of_bucharest_day(day);
            assert_eq!(last_bucharest_day(end), day);
            assert_eq!(bucharest_date(end), day.succ_opt().unwrap());
        }
    }

    #[test]
    fn validity_is_six_months_in_bucharest_time() {
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        assert_eq!(valid_until(at(2026, 1, 15, 10)).to_string(), "2026-07-15");
        assert_eq!(valid_until(at(2026, 8, 31, 10)).to_string(), "2027-02-28");
        assert_eq!(valid_until(at(2027, 8, 31, 10)).to_string(), "2028-02-29");
        // 22:30 UTC on 31 Dec is already 1 Jan in Bucharest.
        assert_eq!(valid_until(at(2026, 12, 31, 22)).to_string(), "2027-07-01");
    }

    #[test]
    fn bucharest_day_boundary() {
        let late = Utc.with_ymd_and_hms(2026, 6, 30, 20, 59, 59).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 6, 30, 21, 0, 0).unwrap();
        assert_eq!(bucharest_date(late).to_string(), "2026-06-30");
        assert_eq!(bucharest_date(next).to_string(), "2026-07-01");
    }
}
