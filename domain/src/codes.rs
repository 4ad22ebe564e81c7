//! The closed sets of codes the service speaks in: roles, statuses, rejection reasons, audit
//! events, verification results. Each has exactly one string mapping, written here once: the
//! API, the tables, the audit trail and the metrics all use it. (Over 400 lines on purpose:
//! every code in one place, so a new one is added beside its kind.)

/// An enum whose variants each map to one fixed upper-case string, with `as_str`, `parse`,
/// `Display` and serde (as that string).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("unknown ", stringify!($name), " {}"), s))
                })
            }
        }
    };
}

string_enum!(
    /// Who an account belongs to.
    Role {
        Citizen = "CITIZEN",
        /// A police counter clerk.
        Operator = "OPERATOR",
        /// A registered organisation's staff member (issue 27): asks for consents and pulls
        /// extracts in its name, in the portal.
        Staff = "STAFF",
    }
);

impl Role {
    /// Accounts made by ops (clerks, organisations' staff), which sign in with a second
    /// factor and are never validated.
    pub fn is_staff_account(self) -> bool {
        matches!(self, Role::Operator | Role::Staff)
    }
}

string_enum!(
    /// Where a session was opened: a bearer token of the JSON API, or the portal's cookie.
    /// Each works only where it was opened.
    SessionChannel {
        Api = "API",
        Portal = "PORTAL",
    }
);

string_enum!(
    AccountStatus {
        PendingValidation = "PENDING_VALIDATION",
        Validated = "VALIDATED",
    }
);

string_enum!(
    /// How an account's identity was proven.
    ValidationMethod {
        Ghiseul = "GHISEUL",
        Counter = "COUNTER",
        /// ROeID or the electronic identity card (CEI), by OpenID Connect.
        Roeid = "ROEID",
    }
);

string_enum!(
    RequestStatus {
        Pending = "PENDING",
        Issued = "ISSUED",
        Rejected = "REJECTED",
    }
);

string_enum!(
    /// Why a request ended without a certificate; the citizen sees the code.
    RejectionCode {
        /// Pilot mode: the record has entries, so the certificate is issued at a counter.
        HasEntriesVisitCounter = "HAS_ENTRIES_VISIT_COUNTER",
        /// Generation kept failing for a day; the citizen may ask again.
        GenerationFailed = "GENERATION_FAILED",
        /// The company was removed from the register between the request and its generation.
        CompanyNotRegistered = "COMPANY_NOT_REGISTERED",
    }
);

string_enum!(
    CertificateStatus {
        Valid = "VALID",
        Expired = "EXPIRED",
        Revoked = "REVOKED",
    }
);

string_enum!(
    /// Whether a share code still opens its certificate.
    ShareStatus {
        Active = "ACTIVE",
        Expired = "EXPIRED",
        Revoked = "REVOKED",
    }
);

string_enum!(
    /// What happened, in the audit trail.
    AuditEventKind {
        Validated = "VALIDATED",
        Issued = "ISSUED",
        Revoked = "REVOKED",
        /// A verification by number and CNP (or CUI).
        Verified = "VERIFIED",
        /// A verification of a PDF file.
        DocumentVerified = "DOCUMENT_VERIFIED",
        /// A certificate opened by a share code its holder gave (with the organisation the
        /// third party declared, if any).
        SharedAccessed = "SHARED_ACCESSED",
        /// A certificate presented from a wallet (OpenID4VP) to our verifier.
        WalletPresented = "WALLET_PRESENTED",
        /// A clerk saw a citizen's registered data (CNP, document): in the citizen's history
        /// and the clerk's.
        Viewed = "VIEWED",
        /// The account's password was changed or reset (never the password).
        PasswordChanged = "PASSWORD_CHANGED",
        /// Ops disabled or enabled an account, or enrolled its second factor.
        AccessChanged = "ACCESS_CHANGED",
        /// The holder changed their declared data before validation (never the data).
        DetailsChanged = "DETAILS_CHANGED",
        /// An organisation asked for the holder's consent (in the consent's history).
        ConsentAsked = "CONSENT_ASKED",
        ConsentAccepted = "CONSENT_ACCEPTED",
        ConsentDeclined = "CONSENT_DECLINED",
        ConsentRevoked = "CONSENT_REVOKED",
        /// An organisation pulled an extract under the consent.
        ExtractIssued = "EXTRACT_ISSUED",
        /// The person's record changed under a continuous consent: the organisation was told
        /// (without content).
        RecordChanged = "RECORD_CHANGED",
        /// An organisation's staff member acted in its name in the portal (a
        /// [`StaffAction`]): in the staff member's history.
        StaffActed = "STAFF_ACTED",
    }
);

string_enum!(
    /// What an organisation's staff member did in the portal (audited under them).
    StaffAction {
        /// Asked a person for consent.
        Asked = "ASKED",
        /// Opened one of the organisation's consents (whose reason, name and CNP end it shows).
        Opened = "OPENED",
        /// Pulled an extract under a consent.
        ExtractPulled = "EXTRACT_PULLED",
        /// Made a new desk code for a request waiting at their desk.
        DeskCode = "DESK_CODE",
    }
);

string_enum!(
    /// A consent as its holder and the organisation see it.
    ConsentStatus {
        /// Asked, not yet answered.
        Pending = "PENDING",
        Accepted = "ACCEPTED",
        Declined = "DECLINED",
        /// The holder took it back: no extract from then on.
        Revoked = "REVOKED",
        /// A one-off consent whose extract was issued.
        Used = "USED",
        /// Unanswered in time, or past its last day.
        Expired = "EXPIRED",
    }
);

string_enum!(
    /// Where a webhook delivery stands (issue 27, item 5).
    DeliveryState {
        /// Waiting for its next attempt.
        Due = "DUE",
        /// The receiver answered 2xx.
        Delivered = "DELIVERED",
        /// Given up after two days of failed attempts (or the organisation has no webhook
        /// any more): a dead letter, for ops to redrive; the change is in the feed still.
        Dead = "DEAD",
    }
);

string_enum!(
    /// What an extract shows, by the asking organisation's kind and purpose (docs/CONSENT.md).
    ConsentLevel {
        /// Whether the record lists entries (not rehabilitated), and the holder's name.
        Status = "STATUS",
        /// Also the entries, as a certificate prints them.
        Certificate = "CERTIFICATE",
    }
);

string_enum!(
    /// The answer to a verification by number and CNP (or CUI).
    VerificationResult {
        Valid = "VALID",
        Expired = "EXPIRED",
        Revoked = "REVOKED",
        /// Unknown number, or a CNP that is not the holder's: the same answer for both.
        NotFound = "NOT_FOUND",
    }
);

string_enum!(
    /// The answer to a verification of a PDF file.
    DocumentResult {
        Valid = "VALID",
        Expired = "EXPIRED",
        Revoked = "REVOKED",
        /// Signed by this service's key, but changed since (or with bytes appended).
        Tampered = "TAMPERED",
        /// Not signed, signed by another key, or a number this service never issued.
        NotIssuedHere = "NOT_ISSUED_HERE",
        /// Not a certificate: an extract sealed here for an organisation, under the person's
        /// consent, genuine and unchanged (what it says is the answer it gave then).
        Extract = "EXTRACT",
    }
);

string_enum!(
    /// Why one field of a form or request body was refused: the API's `errors[].code` and the
    /// key of the portal's text for it (matched exhaustively there: a new code needs its text).
    FieldCode {
        Required = "REQUIRED",
        InvalidEmail = "INVALID_EMAIL",
        InvalidPassword = "INVALID_PASSWORD",
        SamePassword = "SAME_PASSWORD",
        WrongPassword = "WRONG_PASSWORD",
        InvalidCnp = "INVALID_CNP",
        /// The portal's precise CNP errors (the API says `INVALID_CNP` with a message).
        CnpFormat = "CNP_FORMAT",
        CnpBirthDate = "CNP_BIRTH_DATE",
        CnpCheckDigit = "CNP_CHECK_DIGIT",
        CnpNotValid = "CNP_NOT_VALID",
        InvalidName = "INVALID_NAME",
        InvalidPlace = "INVALID_PLACE",
        InvalidIdDocument = "INVALID_ID_DOCUMENT",
        DocumentName = "DOCUMENT_NAME",
        DocumentMismatch = "DOCUMENT_MISMATCH",
        DocumentOfAnotherPerson = "DOCUMENT_OF_ANOTHER_PERSON",
        ChecklistNotConfirmed = "CHECKLIST_NOT_CONFIRMED",
        DetailsChanged = "DETAILS_CHANGED",
        InvalidCounterCode = "INVALID_COUNTER_CODE",
        InvalidCode = "INVALID_CODE",
        /// A desk code that opens nothing for this person (wrong, expired, someone else's).
        WrongDeskCode = "WRONG_DESK_CODE",
        NotFound = "NOT_FOUND",
        UnknownPurpose = "UNKNOWN_PURPOSE",
        UnknownSubjectType = "UNKNOWN_SUBJECT_TYPE",
        MissingCui = "MISSING_CUI",
        UnexpectedCui = "UNEXPECTED_CUI",
        InvalidCui = "INVALID_CUI",
        NotLegalRepresentative = "NOT_LEGAL_REPRESENTATIVE",
        InvalidDate = "INVALID_DATE",
        InThePast = "IN_THE_PAST",
        AfterCertificate = "AFTER_CERTIFICATE",
        TooLong = "TOO_LONG",
        /// A consent's reason longer than its 200 characters.
        ReasonTooLong = "REASON_TOO_LONG",
        /// A continuous consent's last day more than a year from today.
        MoreThanAYear = "MORE_THAN_A_YEAR",
        /// The portal's request form: a last day given for one extract.
        UntilForOneOff = "UNTIL_FOR_ONE_OFF",
        /// The portal's request form: "continuously" without its last day.
        UntilRequired = "UNTIL_REQUIRED",
        InvalidCharacters = "INVALID_CHARACTERS",
        ShareNotFound = "SHARE_NOT_FOUND",
        NumberRequired = "NUMBER_REQUIRED",
        InvalidCertificateNumber = "INVALID_CERTIFICATE_NUMBER",
        IdentifierRequired = "IDENTIFIER_REQUIRED",
        PdfRequired = "PDF_REQUIRED",
        NotAPdf = "NOT_A_PDF",
        PdfTooLarge = "PDF_TOO_LARGE",
        StatementRequired = "STATEMENT_REQUIRED",
        InvalidRedirectUri = "INVALID_REDIRECT_URI",
    }
);

string_enum!(
    /// A wallet presentation's status, as its verifier sees it.
    PresentationStatus {
        /// Not revoked, per a current status list of its year.
        Valid = "VALID",
        Revoked = "REVOKED",
        /// No current list of its year covers it: revocation could not be checked (never
        /// said to be valid).
        RevocationNotChecked = "REVOCATION_NOT_CHECKED",
    }
);

string_enum!(
    /// The answer a verifier got, by whichever channel: what the holder's "who checked" list
    /// shows and the audit trail records.
    CheckResult {
        Valid = "VALID",
        Expired = "EXPIRED",
        Revoked = "REVOKED",
        NotFound = "NOT_FOUND",
        Tampered = "TAMPERED",
        NotIssuedHere = "NOT_ISSUED_HERE",
        RevocationNotChecked = "REVOCATION_NOT_CHECKED",
    }
);

impl From<VerificationResult> for CheckResult {
    fn from(r: VerificationResult) -> Self {
        match r {
            VerificationResult::Valid => Self::Valid,
            VerificationResult::Expired => Self::Expired,
            VerificationResult::Revoked => Self::Revoked,
            VerificationResult::NotFound => Self::NotFound,
        }
    }
}

impl From<DocumentResult> for CheckResult {
    fn from(r: DocumentResult) -> Self {
        match r {
            DocumentResult::Valid => Self::Valid,
            DocumentResult::Expired => Self::Expired,
            DocumentResult::Revoked => Self::Revoked,
            DocumentResult::Tampered => Self::Tampered,
            DocumentResult::NotIssuedHere => Self::NotIssuedHere,
            // Checks of certificates only are counted in "who checked"; a genuine document.
            DocumentResult::Extract => Self::Valid,
        }
    }
}

impl From<CertificateStatus> for CheckResult {
    fn from(s: CertificateStatus) -> Self {
        VerificationResult::from(s).into()
    }
}

impl From<PresentationStatus> for CheckResult {
    fn from(s: PresentationStatus) -> Self {
        match s {
            PresentationStatus::Valid => Self::Valid,
            PresentationStatus::Revoked => Self::Revoked,
            PresentationStatus::RevocationNotChecked => Self::RevocationNotChecked,
        }
    }
}

impl From<CertificateStatus> for VerificationResult {
    fn from(s: CertificateStatus) -> Self {
        match s {
            CertificateStatus::Valid => Self::Valid,
            CertificateStatus::Expired => Self::Expired,
            CertificateStatus::Revoked => Self::Revoked,
        }
    }
}

impl From<CertificateStatus> for DocumentResult {
    fn from(s: CertificateStatus) -> Self {
        match s {
            CertificateStatus::Valid => Self::Valid,
            CertificateStatus::Expired => Self::Expired,
            CertificateStatus::Revoked => Self::Revoked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
        T: std::fmt::Display,
    {
        for v in all {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{v}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
        }
    }

    #[test]
    fn every_code_has_one_string_both_ways() {
        round_trips(Role::ALL);
        round_trips(SessionChannel::ALL);
        round_trips(AccountStatus::ALL);
        round_trips(ValidationMethod::ALL);
        round_trips(RequestStatus::ALL);
        round_trips(RejectionCode::ALL);
        round_trips(CertificateStatus::ALL);
        round_trips(AuditEventKind::ALL);
        round_trips(VerificationResult::ALL);
        round_trips(DocumentResult::ALL);
        round_trips(FieldCode::ALL);
        round_trips(PresentationStatus::ALL);
        round_trips(CheckResult::ALL);
        round_trips(ConsentStatus::ALL);
        round_trips(ConsentLevel::ALL);
        round_trips(DeliveryState::ALL);
        round_trips(StaffAction::ALL);
        assert_eq!(Role::parse("citizen"), None, "codes are case-sensitive");
        assert!(serde_json::from_str::<RequestStatus>("\"DONE\"").is_err());
    }
}
