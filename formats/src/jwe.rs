//! Compact JWE (RFC 7516) as OpenID4VP 1.0's `direct_post.jwt` responses use it (HAIP 1.0):
//! key agreement `ECDH-ES` (direct) on P-256, content encryption `A128GCM` or `A256GCM`, the
//! key derived by the Concat KDF of RFC 7518 section 4.6. The verifier decrypts with the
//! ephemeral key of one request; `encrypt` is what a wallet does (for the unit tests; the
//! interop tests use an independent implementation).

use crate::jose::b64;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The content encryptions a verifier offers (`encrypted_response_enc_values_supported`).
pub const ENC_VALUES: [&str; 2] = ["A128GCM", "A256GCM"];

/// Why a JWE is refused. One answer for a wrong key and a tampered text (both fail the tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    #[error("not a compact JWE")]
    Format,
    #[error("the JWE is not ECDH-ES with A128GCM or A256GCM on P-256")]
    Algorithm,
    #[error("the JWE does not decrypt with this request's key")]
    Decryption,
}

/// A compact JWE taken apart, its protected header read: to find the key (`kid`) before
/// decrypting.
pub struct Jwe<'a> {
    header: Map<String, Value>,
    protected: &'a str,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

impl<'a> Jwe<'a> {
    pub fn parse(compact: &'a str) -> Result<Self, JweError> {
        let parts: Vec<&str> = compact.trim().split('.').collect();
        let [protected, encrypted_key, iv, ciphertext, tag] = parts[..] else {
            return Err(JweError::Format);
        };
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| JweError::Format);
        let header: Map<String, Value> =
            serde_json::from_slice(&decode(protected)?).map_err(|_| JweError::Format)?;
        // ECDH-ES is direct key agreement: no encrypted key.
        if !encrypted_key.is_empty() {
            return Err(JweError::Algorithm);
        }
        let (iv, tag) = (decode(iv)?, decode(tag)?);
        if iv.len() != 12 || tag.len() != 16 {
            return Err(JweError::Format);
        }
        Ok(Self {
            header,
            protected,
            iv,
            ciphertext: decode(ciphertext)?,
            tag,
        })
    }

    /// A string header parameter (`kid`, `enc`), if present.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// The plaintext, decrypted with `key`.
    pub fn decrypt(&self, key: &SecretKey) -> Result<Vec<u8>, JweError> {
        if self.header_str("alg") != Some("ECDH-ES") {
            return Err(JweError::Algorithm);
        }
        let enc = self.header_str("enc").ok_or(JweError::Algorithm)?;
        let epk = self.header.get("epk").ok_or(JweError::Algorithm)?;
        let epk = public_key_of(epk).ok_or(JweError::Algorithm)?;
        let party = |name: &str| -> Result<Vec<u8>, JweError> {
            match self.header_str(name) {
                Some(v) => URL_SAFE_NO_PAD.decode(v).map_err(|_| JweError::Format),
                None => Ok(Vec::new()),
            }
        };
        let shared = p256::ecdh::diffie_hellman(key.to_nonzero_scalar(), epk.as_affine());
        let cek = concat_kdf(
            shared.raw_secret_bytes(),
            enc,
            &party("apu")?,
            &party("apv")?,
        )?;
        let mut sealed = self.ciphertext.clone();
        sealed.extend_from_slice(&self.tag);
        let payload = Payload {
            msg: &sealed,
            aad: self.protected.as_bytes(),
        };
        let nonce = Nonce::from_slice(&self.iv);
        let opened = match cek.len() {
            16 => Aes128Gcm::new_from_slice(&cek).map(|c| c.decrypt(nonce, payload)),
            _ => Aes256Gcm::new_from_slice(&cek).map(|c| c.decrypt(nonce, payload)),
        };
        opened
            .map_err(|_| JweError::Algorithm)?
            .map_err(|_| JweError::Decryption)
    }
}

/// The content key: RFC 7518 section 4.6.2's Concat KDF over SHA-256, `AlgorithmID` the `enc`
/// (direct key agreement).
fn concat_kdf(z: &[u8], enc: &str, apu: &[u8], apv: &[u8]) -> Result<Vec<u8>, JweError> {
    let bits: u32 = match enc {
        "A128GCM" => 128,
        "A256GCM" => 256,
        _ => return Err(JweError::Algorithm),
    };
    let with_length = |data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(data);
        out
    };
    let mut digest = Sha256::new();
    digest.update(1u32.to_be_bytes());
    digest.update(z);
    digest.update(with_length(enc.as_bytes()));
    digest.update(with_length(apu));
    digest.update(with_length(apv));
    digest.update(bits.to_be_bytes());
    Ok(digest.finalize()[..(bits / 8) as usize].to_vec())
}

/// The P-256 public key of an EC JWK.
fn public_key_of(jwk: &Value) -> Option<PublicKey> {
    crate::jose::jwk_key(jwk).map(|k| PublicKey::from(&k))
}

/// A P-256 key agreement key as a JWK: `use` `enc`, `alg` `ECDH-ES`, with `kid`.
pub fn encryption_jwk(key: &PublicKey, kid: &str) -> Value {
    let point = key.to_encoded_point(false);
    let coordinate = |c: Option<&p256::FieldBytes>| c.map(b64).unwrap_or_default();
    json!({"kty": "EC", "crv": "P-256", "x": coordinate(point.x()), "y": coordinate(point.y()),
           "use": "enc", "alg": "ECDH-ES", "kid": kid})
}

/// Encrypts `plaintext` to `recipient` as a wallet does (`kid` and `apv` in the header).
pub fn encrypt(
    plaintext: &[u8],
    recipient: &PublicKey,
    kid: &str,
    enc: &str,
    apv: &[u8],
) -> Result<String, JweError> {
    let ephemeral = SecretKey::random(&mut rand::rngs::OsRng);
    let epk = encryption_jwk(&ephemeral.public_key(), "");
    let epk = json!({"kty": "EC", "crv": "P-256", "x": epk["x"], "y": epk["y"]});
    let header = json!({"alg": "ECDH-ES", "enc": enc, "kid": kid, "epk": epk, "apv": b64(apv)});
    let protected = b64(header.to_string());
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), recipient.as_affine());
    let cek = concat_kdf(shared.raw_secret_bytes(), enc, &[], apv)?;
    let mut iv = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut iv);
    let payload = Payload {
        msg: plaintext,
        aad: protected.as_bytes(),
    };
    let nonce = Nonce::from_slice(&iv);
    let sealed = match cek.len() {
        16 => Aes128Gcm::new_from_slice(&cek).map(|c| c.encrypt(nonce, payload)),
        _ => Aes256Gcm::new_from_slice(&cek).map(|c| c.encrypt(nonce, payload)),
    }
    .map_err(|_| JweError::Algorithm)?
    .map_err(|_| JweError::Decryption)?;
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    Ok(format!(
        "{protected}..{}.{}.{}",
        b64(iv),
        b64(ciphertext),
        b64(tag)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_encrypted_to_the_requests_key_opens_with_it_and_no_other() {
        let key = SecretKey::random(&mut rand::rngs::OsRng);
        for enc in ENC_VALUES {
            let jwe = encrypt(b"{\"vp_token\":1}", &key.public_key(), "k", enc, b"n").unwrap();
            let parsed = Jwe::parse(&jwe).unwrap();
            assert_eq!(parsed.header_str("kid"), Some("k"));
            assert_eq!(parsed.decrypt(&key).unwrap(), b"{\"vp_token\":1}");
            let other = SecretKey::random(&mut rand::rngs::OsRng);
            assert_eq!(parsed.decrypt(&other), Err(JweError::Decryption));
        }
    }

    #[test]
    fn tampered_or_foreign_shapes_are_refused() {
        let key = SecretKey::random(&mut rand::rngs::OsRng);
        let jwe = encrypt(b"secret", &key.public_key(), "k", "A128GCM", b"n").unwrap();
        let parts: Vec<&str> = jwe.split('.').collect();
        // A flipped header (the tag covers it), another apv, a flipped ciphertext.
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let mut other_apv = header.clone();
        other_apv["apv"] = json!(b64(b"m"));
        let forged = format!("{}.{}", b64(other_apv.to_string()), parts[1..].join("."));
        let parsed = Jwe::parse(&forged).unwrap();
        assert_eq!(parsed.decrypt(&key), Err(JweError::Decryption));
        let mut flipped = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
        flipped[0] ^= 1;
        let forged = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            b64(&flipped),
            parts[4]
        );
        assert_eq!(
            Jwe::parse(&forged).unwrap().decrypt(&key),
            Err(JweError::Decryption)
        );
        // Key wrapping, another curve's algorithm, a JWS, nonsense.
        let mut wrapped = header.clone();
        wrapped["alg"] = json!("ECDH-ES+A128KW");
        let forged = format!("{}.{}", b64(wrapped.to_string()), parts[1..].join("."));
        assert_eq!(
            Jwe::parse(&forged).unwrap().decrypt(&key),
            Err(JweError::Algorithm)
        );
        let with_key = format!("{}.AAAA.{}", parts[0], parts[2..].join("."));
        assert!(Jwe::parse(&with_key).is_err());
        assert!(Jwe::parse("a.b.c").is_err());
        assert!(Jwe::parse("").is_err());
    }

    /// RFC 7518 appendix C: the Concat KDF's worked example (ECDH-ES, A128GCM, "Alice" and
    /// "Bob").
    #[test]
    fn the_concat_kdf_gives_rfc_7518s_example_key() {
        let z: [u8; 32] = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49,
            110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let key = concat_kdf(&z, "A128GCM", b"Alice", b"Bob").unwrap();
        assert_eq!(b64(key), "VqqN6vgjbSBcIijNcacQGg");
    }
}
