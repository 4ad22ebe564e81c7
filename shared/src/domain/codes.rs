//! The closed sets of codes the service speaks in: roles, statuses, rejection reasons, audit
//! events, verification results. Each has exactly one string mapping, written here once: the
//! API, the tables, the audit trail and the metrics all use it.

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
        Operator = "OPERATOR",
    }
);

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
    }
);

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
        assert_eq!(Role::parse("citizen"), None, "codes are case-sensitive");
        assert!(serde_json::from_str::<RequestStatus>("\"DONE\"").is_err());
    }
}
