//! Organisations: the relying parties ops register (institutions and employers), known by
//! their CUI and shown to citizens and wallets by their registered name, never a declared
//! one. Each authenticates by the public keys it registered (RFC 7523 client assertions) and
//! asks wallets under its own relying-party access certificate.

use crate::cui::Cui;
use crate::Purpose;
use chrono::{DateTime, Utc};

/// What an organisation is, which decides what it may later ask for (issue 27).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationKind {
    PublicInstitution,
    Employer,
}

impl OrganisationKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::PublicInstitution => "PUBLIC_INSTITUTION",
            Self::Employer => "EMPLOYER",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::PublicInstitution, Self::Employer]
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(code))
    }
}

/// Whether the organisation may act: a suspended one gets no token and starts nothing, and
/// the tokens it holds stop working at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationStatus {
    Active,
    Suspended,
}

impl OrganisationStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Active, Self::Suspended]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// How the service asks wallets in the organisation's name: the relying-party access
/// certificate the access CA issued for a key the service keeps for it (sealed at rest).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessCredential {
    /// DER X.509, issued by the access CA.
    pub certificate: Vec<u8>,
    /// PKCS#8 DER of the P-256 key the certificate names.
    pub signing_key: Vec<u8>,
}

impl std::fmt::Debug for AccessCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessCredential")
            .field("certificate", &self.certificate.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub cui: Cui,
    /// The registered name (from the trade register, entered by ops).
    pub name: String,
    pub kind: OrganisationKind,
    /// The purposes it may ask for.
    pub purposes: Vec<Purpose>,
    /// Its public keys, a JWKS (`{"keys": [...]}`, each an EC P-256 key with a `kid`).
    pub jwks: String,
    /// The origins (`https://host[:port]`) of its pages, where a same-device request may send
    /// the holder's browser back.
    pub redirect_origins: Vec<String>,
    /// Where record changes under its continuous consents are pushed (https), if anywhere;
    /// it may poll its change feed instead.
    pub webhook_url: Option<String>,
    pub status: OrganisationStatus,
    pub access: AccessCredential,
    pub registered_at: DateTime<Utc>,
}

impl Organisation {
    /// Its OAuth client id: the CUI, without the VAT prefix.
    pub fn client_id(&self) -> &str {
        self.cui.as_str()
    }

    pub fn is_active(&self) -> bool {
        self.status == OrganisationStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for kind in [
            OrganisationKind::PublicInstitution,
            OrganisationKind::Employer,
        ] {
            assert_eq!(OrganisationKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(
            OrganisationKind::parse("employer"),
            Some(OrganisationKind::Employer)
        );
        assert_eq!(OrganisationKind::parse("BANK"), None);
        for status in [OrganisationStatus::Active, OrganisationStatus::Suspended] {
            assert_eq!(OrganisationStatus::parse(status.code()), Some(status));
        }
    }

    #[test]
    fn the_signing_key_is_never_printed() {
        let credential = AccessCredential {
            certificate: vec![1, 2, 3],
            signing_key: b"secret key bytes".to_vec(),
        };
        assert!(!format!("{credential:?}").contains("115"));
        assert!(!format!("{credential:?}").contains("secret"));
    }
}
