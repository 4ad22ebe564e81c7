//! Our credential type: its `vct`, an https URL under the portal (a namespace the service
//! controls, not the Commission's), and its SD-JWT VC Type Metadata, served at that URL so a
//! wallet can show the credential and its claims in Romanian and English. The credential
//! carries `vct#integrity`, the SRI hash of the metadata's exact bytes, so a wallet knows the
//! metadata it fetched is the one the credential was issued under.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where the type lives under the portal; the version is part of it (a new claim set is a
/// new type).
pub const PATH: &str = "/credentials/cazier/1";

/// The type for the portal at `portal` (`https://cazier.mai.gov.ro`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialType {
    /// `https://…/credentials/cazier/1`.
    pub vct: String,
    /// The Type Metadata document, as served (JSON).
    pub metadata: Vec<u8>,
    /// `sha256-<base64>` of [`Self::metadata`] (W3C Subresource Integrity).
    pub integrity: String,
}

#[derive(Serialize)]
struct TypeMetadata<'a> {
    vct: &'a str,
    name: &'a str,
    description: &'a str,
    display: Vec<TypeDisplay>,
    claims: Vec<ClaimMetadata>,
}

#[derive(Serialize)]
struct TypeDisplay {
    locale: &'static str,
    name: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct ClaimMetadata {
    path: [&'static str; 1],
    display: [ClaimDisplay; 2],
    /// `always`: the claim is a disclosure the holder chooses to show.
    sd: &'static str,
}

#[derive(Serialize)]
struct ClaimDisplay {
    locale: &'static str,
    label: &'static str,
}

impl CredentialType {
    pub fn of(portal: &str) -> Self {
        let vct = format!("{}{PATH}", portal.trim_end_matches('/'));
        let document = TypeMetadata {
            vct: &vct,
            name: "Certificat de cazier judiciar / Criminal record certificate",
            description: "Certificatul de cazier judiciar eliberat online de Ministerul \
                          Afacerilor Interne al României, ca atestare SD-JWT VC.",
            display: vec![
                TypeDisplay {
                    locale: "ro-RO",
                    name: "Certificat de cazier judiciar",
                    description: "Eliberat de Ministerul Afacerilor Interne al României",
                },
                TypeDisplay {
                    locale: "en",
                    name: "Criminal record certificate",
                    description: "Issued by Romania's Ministry of Internal Affairs",
                },
            ],
            claims: super::metadata::CLAIMS
                .iter()
                .map(|(claim, ro, en)| ClaimMetadata {
                    path: [claim],
                    display: [
                        ClaimDisplay {
                            locale: "ro-RO",
                            label: ro,
                        },
                        ClaimDisplay {
                            locale: "en",
                            label: en,
                        },
                    ],
                    sd: "always",
                })
                .collect(),
        };
        // Serialising these types cannot fail (strings and arrays only).
        let metadata = serde_json::to_vec(&document).unwrap_or_default();
        let integrity = format!("sha256-{}", STANDARD.encode(Sha256::digest(&metadata)));
        Self {
            vct,
            metadata,
            integrity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_the_portals_and_its_integrity_is_its_bytes() {
        let t = CredentialType::of("https://cazier.test/");
        assert_eq!(t.vct, "https://cazier.test/credentials/cazier/1");
        let document: serde_json::Value = serde_json::from_slice(&t.metadata).unwrap();
        assert_eq!(document["vct"], t.vct.as_str());
        let locales: Vec<_> = document["display"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["locale"].as_str().unwrap())
            .collect();
        assert_eq!(locales, ["ro-RO", "en"]);
        assert!(document["claims"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"][0] == "has_entries"));
        let digest = STANDARD.encode(Sha256::digest(&t.metadata));
        assert_eq!(t.integrity, format!("sha256-{digest}"));
    }
}
