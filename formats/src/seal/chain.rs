//! The trust chain: the seal certificate first, then its issuers up to the root.

use super::{verify_certificate, SealError};
use der::{Encode, EncodePem};
use x509_cert::Certificate;

/// The trust chain: the seal certificate first, then its issuers up to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustChain {
    certificates: Vec<Certificate>,
    /// The same certificates as DER, encoded once: every credential's and request's `x5c`.
    ders: Vec<Vec<u8>>,
}

impl TrustChain {
    pub fn new(certificates: Vec<Certificate>) -> Result<Self, SealError> {
        if certificates.is_empty() {
            return Err(SealError::Invalid("the chain has no certificate".into()));
        }
        let ders = certificates
            .iter()
            .map(der::Encode::to_der)
            .collect::<Result<_, _>>()?;
        Ok(Self { certificates, ders })
    }

    /// The certificates as DER, seal first.
    pub fn ders(&self) -> &[Vec<u8>] {
        &self.ders
    }

    /// What a JOSE `x5c` carries: the chain without its root, the trust anchor verifiers hold
    /// already (HAIP 1.0; a root sent along proves nothing); the seal alone when it is the
    /// only certificate.
    pub fn x5c_ders(&self) -> &[Vec<u8>] {
        &self.ders[..self.ders.len().saturating_sub(1).max(1)]
    }

    pub fn from_pem(pem: &str) -> Result<Self, SealError> {
        Self::new(Certificate::load_pem_chain(pem.as_bytes())?)
    }

    pub fn to_pem(&self) -> Result<String, SealError> {
        let mut out = String::new();
        for c in &self.certificates {
            out.push_str(&c.to_pem(der::pem::LineEnding::LF)?);
        }
        Ok(out)
    }

    pub fn seal(&self) -> &Certificate {
        &self.certificates[0]
    }

    pub fn root(&self) -> &Certificate {
        &self.certificates[self.certificates.len() - 1]
    }

    /// The root alone, as PEM: what verifiers add to their trust store.
    pub fn root_pem(&self) -> Result<String, SealError> {
        Ok(self.root().to_pem(der::pem::LineEnding::LF)?)
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Checks that the seal certificate is for `seal_key` (DER SPKI) and that each certificate
    /// is signed by the next; links with algorithms other than ECDSA P-256 are reported.
    pub fn check(&self, seal_key: &[u8]) -> Result<Vec<String>, SealError> {
        let seal_spki = self
            .seal()
            .tbs_certificate
            .subject_public_key_info
            .to_der()?;
        if seal_spki != seal_key {
            return Err(SealError::Invalid(
                "the first certificate is not for the signing key".into(),
            ));
        }
        let mut notes = Vec::new();
        for pair in self.certificates.windows(2) {
            let (child, issuer) = (&pair[0], &pair[1]);
            if child.tbs_certificate.issuer != issuer.tbs_certificate.subject {
                return Err(SealError::Invalid(format!(
                    "{} is not issued by {}",
                    child.tbs_certificate.subject, issuer.tbs_certificate.subject
                )));
            }
            match verify_certificate(child, issuer) {
                Ok(()) => {}
                Err(SealError::Invalid(reason)) if reason.starts_with("unsupported") => {
                    notes.push(format!(
                        "signature of {} not checked here ({reason})",
                        child.tbs_certificate.subject
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        let root = self.root();
        if root.tbs_certificate.issuer == root.tbs_certificate.subject {
            if let Err(SealError::Invalid(reason)) = verify_certificate(root, root) {
                notes.push(format!("self-signature of the root not checked ({reason})"));
            }
        }
        Ok(notes)
    }
}
