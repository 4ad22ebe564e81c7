//! The key layout of every table: the only place that knows the `ACCOUNT#`-style prefixes and
//! the index names. Every table has a string partition key `pk` (records and audit also a sort
//! key `sk`); item kinds are told apart by the prefix of `pk`.

use crate::domain::{AccountId, AuditSubject, CertificateNumber, Cui, Email, RequestId};

/// Index names, as `template.yaml` declares them (a test checks they match).
pub const PENDING_REQUESTS_INDEX: &str = "pending_by_age";
pub const CERTIFICATES_BY_ACCOUNT_INDEX: &str = "by_account";
pub const CERTIFICATES_BY_VALID_UNTIL_INDEX: &str = "by_valid_until";
pub const SHARES_BY_ACCOUNT_INDEX: &str = "shares_by_account";
pub const SESSIONS_BY_ACCOUNT_INDEX: &str = "sessions_by_account";
/// The attribute only sessions and remembered devices carry: the account, the index's key
/// (ending an account's sessions forgets its devices too).
pub const SESSION_ACCOUNT: &str = "session_account";

// Accounts table: the account, and one guard per unique value pointing at it.
pub const ACCOUNT: &str = "ACCOUNT#";
pub fn account(id: &AccountId) -> String {
    format!("{ACCOUNT}{id}")
}
pub fn email_guard(email: &Email) -> String {
    format!("EMAIL#{}", email.as_str())
}
/// `cnp_hash` is the keyed hash of the CNP, never the CNP.
pub fn cnp_guard(cnp_hash: &str) -> String {
    format!("CNP#{cnp_hash}")
}
pub fn counter_guard(code: &str) -> String {
    format!("COUNTER#{code}")
}
/// Guard items (e-mail, CNP, counter code) hold the account they point at in this attribute.
pub const GUARD_ACCOUNT: &str = "account_id";

// Sessions table: sessions, throttling windows, identity-provider states and assertion ids.
pub fn session(token_hash: &str) -> String {
    format!("SESSION#{token_hash}")
}
pub fn throttle_window(key_hash: &str, window_start: i64) -> String {
    format!("THROTTLE#{key_hash}#{window_start}")
}
pub fn device(device_hash: &str) -> String {
    format!("DEVICE#{device_hash}")
}
pub fn identity_state(state_hash: &str) -> String {
    format!("STATE#{state_hash}")
}
pub fn assertion(issuer_and_jti_hash: &str) -> String {
    format!("ASSERTION#{issuer_and_jti_hash}")
}
/// An account ticket (reset link, second-factor sign-in, counter lookup) by its secret's hash.
pub fn ticket(secret_hash: &str) -> String {
    format!("TICKET#{secret_hash}")
}
/// A registration awaiting its code, by the hash of the address.
pub fn registration(registration_hash: &str) -> String {
    format!("REGISTRATION#{registration_hash}")
}
/// An identity proven online awaiting confirmation, by the hash of the browser's binding.
pub fn proven(binding_hash: &str) -> String {
    format!("PROVEN#{binding_hash}")
}
pub fn wallet_grant(secret_hash: &str) -> String {
    format!("WALLET#{secret_hash}")
}

pub fn presentation(transaction_hash: &str) -> String {
    format!("PRESENTATION#{transaction_hash}")
}

// Requests table: requests (each keyed by its day's id: the daily limit), and idempotency
// guards.
const REQUEST: &str = "REQUEST#";
pub fn request(id: &RequestId) -> String {
    format!("{REQUEST}{id}")
}
pub fn request_id_of(pk: &str) -> Option<RequestId> {
    pk.strip_prefix(REQUEST).map(RequestId::from)
}
/// The value of the sparse `pending` attribute that puts a request in the `pending_by_age`
/// index: set while it is pending, kept once it ended while the end-of-request notice is owed
/// (its status tells which), removed once the holder saw the outcome or was e-mailed.
pub const OPEN_MARK: &str = "PENDING";
pub fn idempotency_guard(account: &AccountId, key_hash: &str) -> String {
    format!("IDEMPOTENCY#{account}#{key_hash}")
}

// Certificates table: certificates and the yearly number sequences.
pub const CERTIFICATE: &str = "CERTIFICATE#";
pub fn certificate(number: &CertificateNumber) -> String {
    format!("{CERTIFICATE}{}", number.as_str())
}
/// The item of a year's revoked certificates (`numbers`, a number set of sequences), in the
/// certificates table: the status list is built from it.
pub fn revoked_numbers(year: i32) -> String {
    format!("REVOKED#{year}")
}
/// A share code's item, by the keyed hash of the code.
pub fn share(code_hash: &str) -> String {
    format!("SHARE#{code_hash}")
}
/// The guard of a status-list index: which certificate of the year holds it.
pub fn status_index(year: i32, index: u64) -> String {
    format!("STATUS_INDEX#{year}#{index}")
}
pub fn sequence(year: i32) -> String {
    format!("SEQUENCE#{year}")
}

// Records table: entries by subject, company profiles, representation links.
/// `cnp_hash` is the keyed hash of the CNP.
pub fn person_record(cnp_hash: &str) -> String {
    format!("PERSON#{cnp_hash}")
}
pub fn company(cui: &Cui) -> String {
    format!("COMPANY#{cui}")
}
pub fn representative(cnp_hash: &str) -> String {
    format!("REPRESENTATIVE#{cnp_hash}")
}
pub const ENTRY: &str = "ENTRY#";
pub fn entry(entry_id: &str) -> String {
    format!("{ENTRY}{entry_id}")
}
pub const COMPANY_PROFILE: &str = "PROFILE";

// Consents table.
pub fn consent(id: &crate::domain::ConsentId) -> String {
    format!("CONSENT#{id}")
}
/// The one request an organisation may have waiting for a holder.
pub fn consent_pending(cui: &Cui, holder_hash: &str) -> String {
    format!("CONSENT_PENDING#{cui}#{holder_hash}")
}
/// A desk code, by its keyed hash.
pub fn desk_code(code_hash: &str) -> String {
    format!("CONSENT_CODE#{code_hash}")
}
pub const CONSENTS_BY_HOLDER_INDEX: &str = "consents_by_holder";
/// The consents table's index of an organisation's consents (its CUI, newest first).
pub const CONSENTS_BY_ORGANISATION_INDEX: &str = "consents_by_organisation";

// Audit table: the subject's history.
pub fn audit_subject(subject: &AuditSubject) -> String {
    match subject {
        AuditSubject::Account(id) => account(id),
        AuditSubject::Certificate(number) => certificate(number),
        AuditSubject::Operator(id) => format!("OPERATOR#{id}"),
        AuditSubject::Consent(id) => consent(id),
        AuditSubject::ChangeFeed(cui) => format!("CHANGES#{cui}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_round_trip_through_their_key() {
        let id = RequestId::random();
        assert_eq!(request_id_of(&request(&id)), Some(id));
        assert_eq!(request_id_of("ACCOUNT#x"), None);
    }

    #[test]
    fn index_names_are_the_templates() {
        let template = include_str!("../../../template.yaml");
        for index in [
            PENDING_REQUESTS_INDEX,
            CERTIFICATES_BY_ACCOUNT_INDEX,
            CERTIFICATES_BY_VALID_UNTIL_INDEX,
            SHARES_BY_ACCOUNT_INDEX,
            SESSIONS_BY_ACCOUNT_INDEX,
        ] {
            assert!(
                template.contains(&format!("IndexName: {index}")),
                "template.yaml declares no index {index}"
            );
        }
    }
}
