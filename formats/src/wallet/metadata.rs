//! What the credential issuer publishes and offers, as OpenID4VCI 1.0 and RFC 8414 spell it:
//! the issuer metadata (section 12.2), the authorization server metadata, and a credential
//! offer with a pre-authorized code (section 4.1.1). Typed, so that a misspelt member does
//! not compile.

use super::sd_jwt;
use serde::Serialize;
use std::collections::BTreeMap;

/// The only credential configuration offered.
pub const CONFIGURATION_ID: &str = "cazier_sd_jwt_vc";
/// The grant a wallet redeems an offer with.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// A name in one language, for a wallet's screens.
#[derive(Debug, Clone, Serialize)]
pub struct Display {
    pub name: &'static str,
    pub locale: &'static str,
}

/// A name in Romanian and in English.
fn display(ro: &'static str, en: &'static str) -> Vec<Display> {
    vec![
        Display {
            name: ro,
            locale: "ro-RO",
        },
        Display {
            name: en,
            locale: "en",
        },
    ]
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimDescription {
    pub path: [&'static str; 1],
    pub display: Vec<Display>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProofType {
    pub proof_signing_alg_values_supported: [&'static str; 1],
    /// The key attestation a proof must carry (OpenID4VCI 1.0, appendix D).
    pub key_attestations_required: KeyAttestationsRequired,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyAttestationsRequired {
    pub key_storage: [&'static str; 2],
}

#[derive(Debug, Clone, Serialize)]
pub struct ProofTypes {
    pub jwt: ProofType,
}

#[derive(Debug, Clone, Serialize)]
pub struct CredentialMetadata {
    pub display: Vec<Display>,
    pub claims: Vec<ClaimDescription>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CredentialConfiguration {
    pub format: &'static str,
    pub vct: String,
    pub cryptographic_binding_methods_supported: [&'static str; 1],
    pub credential_signing_alg_values_supported: [&'static str; 1],
    pub proof_types_supported: ProofTypes,
    pub credential_metadata: CredentialMetadata,
}

/// `/.well-known/openid-credential-issuer`.
#[derive(Debug, Clone, Serialize)]
pub struct IssuerMetadata {
    pub credential_issuer: String,
    pub credential_endpoint: String,
    pub nonce_endpoint: String,
    pub display: Vec<Display>,
    pub credential_configurations_supported: BTreeMap<&'static str, CredentialConfiguration>,
}

/// The claims a wallet may show, with their names.
pub(crate) const CLAIMS: [(&str, &str, &str); 8] = [
    (
        "certificate_number",
        "Număr certificat",
        "Certificate number",
    ),
    ("issuance_date", "Data eliberării", "Date of issue"),
    ("expiry_date", "Valabil până la", "Valid until"),
    ("purpose", "Scopul", "Purpose"),
    (
        "has_entries",
        "Are înscrieri în cazierul judiciar",
        "Has criminal-record entries",
    ),
    ("holder_name", "Titular", "Holder"),
    ("birth_date", "Data nașterii", "Date of birth"),
    ("entries", "Mențiuni", "Entries"),
];

impl IssuerMetadata {
    pub fn new(issuer: &str) -> Self {
        let configuration = CredentialConfiguration {
            format: sd_jwt::TYP,
            vct: super::credential_type::CredentialType::of(issuer).vct,
            cryptographic_binding_methods_supported: ["jwk"],
            credential_signing_alg_values_supported: [crate::jose::ES256],
            proof_types_supported: ProofTypes {
                jwt: ProofType {
                    proof_signing_alg_values_supported: [crate::jose::ES256],
                    key_attestations_required: KeyAttestationsRequired {
                        key_storage: super::attestation::ACCEPTED_KEY_STORAGE,
                    },
                },
            },
            credential_metadata: CredentialMetadata {
                display: display(
                    "Certificat de cazier judiciar",
                    "Criminal record certificate",
                ),
                claims: CLAIMS
                    .iter()
                    .map(|(claim, ro, en)| ClaimDescription {
                        path: [claim],
                        display: display(ro, en),
                    })
                    .collect(),
            },
        };
        Self {
            credential_issuer: issuer.to_owned(),
            credential_endpoint: format!("{issuer}/oid4vci/credential"),
            nonce_endpoint: format!("{issuer}/oid4vci/nonce"),
            display: display(
                "Cazier judiciar (MAI)",
                "Criminal record certificate (Romania)",
            ),
            credential_configurations_supported: BTreeMap::from([(
                CONFIGURATION_ID,
                configuration,
            )]),
        }
    }
}

/// `/.well-known/oauth-authorization-server` (RFC 8414) of the pre-authorized code flow.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub grant_types_supported: [&'static str; 1],
    #[serde(rename = "pre-authorized_grant_anonymous_access_supported")]
    pub anonymous_access_supported: bool,
    /// Wallets authenticate with their wallet provider's attestation (HAIP 1.0).
    pub token_endpoint_auth_methods_supported: [&'static str; 1],
    pub client_attestation_signing_alg_values_supported: [&'static str; 1],
    pub client_attestation_pop_signing_alg_values_supported: [&'static str; 1],
}

impl AuthorizationServerMetadata {
    pub fn new(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            token_endpoint: format!("{issuer}/oid4vci/token"),
            grant_types_supported: [PRE_AUTHORIZED_GRANT],
            anonymous_access_supported: false,
            token_endpoint_auth_methods_supported: ["attest_jwt_client_auth"],
            client_attestation_signing_alg_values_supported: [crate::jose::ES256],
            client_attestation_pop_signing_alg_values_supported: [crate::jose::ES256],
        }
    }
}

/// The transaction code a wallet asks its holder to type.
#[derive(Debug, Clone, Serialize)]
pub struct TxCodeDescription {
    pub input_mode: &'static str,
    pub length: usize,
    pub description: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreAuthorizedCodeGrant {
    #[serde(rename = "pre-authorized_code")]
    pub code: String,
    pub tx_code: TxCodeDescription,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grants {
    #[serde(rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code")]
    pub pre_authorized_code: PreAuthorizedCodeGrant,
}

/// A credential offer by value (section 4.1.1).
#[derive(Debug, Clone, Serialize)]
pub struct CredentialOffer {
    pub credential_issuer: String,
    pub credential_configuration_ids: [&'static str; 1],
    pub grants: Grants,
}

impl CredentialOffer {
    /// An offer of the credential for the pre-authorized `code`, redeemed with a numeric
    /// transaction code of `tx_code_digits` digits.
    pub fn pre_authorized(issuer: &str, code: String, tx_code_digits: usize) -> Self {
        Self {
            credential_issuer: issuer.to_owned(),
            credential_configuration_ids: [CONFIGURATION_ID],
            grants: Grants {
                pre_authorized_code: PreAuthorizedCodeGrant {
                    code,
                    tx_code: TxCodeDescription {
                        input_mode: "numeric",
                        length: tx_code_digits,
                        description:
                            "Codul afișat lângă codul QR / The code shown beside the QR code",
                    },
                },
            },
        }
    }

    /// `openid-credential-offer://?credential_offer=…`, for the QR code or the link.
    pub fn uri(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!(
            "openid-credential-offer://?credential_offer={}",
            cazier_domain::url::query_value(&json)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn the_grant_is_named_as_the_spec_names_it() {
        let offer =
            serde_json::to_value(CredentialOffer::pre_authorized("https://x", "c".into(), 6))
                .unwrap();
        assert_eq!(
            offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
            "c"
        );
        assert_eq!(
            offer["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]["length"],
            6
        );
        let metadata = serde_json::to_value(IssuerMetadata::new("https://x")).unwrap();
        let configuration = &metadata["credential_configurations_supported"][CONFIGURATION_ID];
        assert_eq!(configuration["format"], "dc+sd-jwt");
        assert_eq!(configuration["vct"], "https://x/credentials/cazier/1");
        assert_eq!(
            configuration["credential_metadata"]["claims"][0],
            json!({"path": ["certificate_number"], "display": [
                {"name": "Număr certificat", "locale": "ro-RO"},
                {"name": "Certificate number", "locale": "en"},
            ]})
        );
        let server: Value =
            serde_json::to_value(AuthorizationServerMetadata::new("https://x")).unwrap();
        // Wallets authenticate with their provider's attestation: no anonymous access.
        assert_eq!(
            server["pre-authorized_grant_anonymous_access_supported"],
            false
        );
        assert_eq!(
            server["token_endpoint_auth_methods_supported"],
            json!(["attest_jwt_client_auth"])
        );
        assert_eq!(server["grant_types_supported"][0], PRE_AUTHORIZED_GRANT);
    }
}
