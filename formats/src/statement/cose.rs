//! COSE_Sign1 (RFC 9052 §4.2) with ES256 (alg -7), as the EU Digital COVID Certificate uses
//! it: a tagged array of the protected header (bytes), an empty unprotected header, the payload
//! (bytes) and the 64-byte `r‖s` signature over the `Sig_structure`.

use ciborium::Value;

/// CBOR tag of a COSE_Sign1 message.
pub const COSE_SIGN1_TAG: u64 = 18;
/// ES256: ECDSA P-256 with SHA-256.
pub const ES256: i64 = -7;
const HEADER_ALG: i64 = 1;
const HEADER_KID: i64 = 4;
/// A signed message larger than this is refused before it is parsed.
pub const MAX_MESSAGE_BYTES: usize = 2048;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoseError {
    #[error("not CBOR, or truncated")]
    NotCbor,
    #[error("not a COSE_Sign1 message")]
    NotSign1,
    #[error("the algorithm is not ES256")]
    Algorithm,
    #[error("no key id")]
    NoKeyId,
    #[error("too large")]
    TooLarge,
}

/// A parsed, not yet verified, COSE_Sign1.
#[derive(Debug)]
pub struct Sign1 {
    pub protected: Vec<u8>,
    pub kid: Vec<u8>,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The protected header: the algorithm and the signing key's id.
pub fn protected_header(kid: &[u8]) -> Vec<u8> {
    to_bytes(&Value::Map(vec![
        (HEADER_ALG.into(), ES256.into()),
        (HEADER_KID.into(), Value::Bytes(kid.to_vec())),
    ]))
}

/// What is signed: `["Signature1", protected, h'', payload]` (no external data).
pub fn to_be_signed(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    to_bytes(&Value::Array(vec![
        Value::Text("Signature1".into()),
        Value::Bytes(protected.to_vec()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))
}

/// The whole tagged message.
pub fn message(protected: Vec<u8>, payload: Vec<u8>, signature: Vec<u8>) -> Vec<u8> {
    to_bytes(&Value::Tag(
        COSE_SIGN1_TAG,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Bytes(payload),
            Value::Bytes(signature),
        ])),
    ))
}

/// Parses a message (tagged or not, as RFC 9052 allows when the type is known).
pub fn parse(bytes: &[u8]) -> Result<Sign1, CoseError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(CoseError::TooLarge);
    }
    let value = from_bytes(bytes)?;
    let value = match value {
        Value::Tag(COSE_SIGN1_TAG, inner) => *inner,
        Value::Tag(..) => return Err(CoseError::NotSign1),
        other => other,
    };
    let Value::Array(items) = value else {
        return Err(CoseError::NotSign1);
    };
    let [Value::Bytes(protected), Value::Map(_), Value::Bytes(payload), Value::Bytes(signature)] =
        <[Value; 4]>::try_from(items).map_err(|_| CoseError::NotSign1)?
    else {
        return Err(CoseError::NotSign1);
    };
    let Value::Map(header) = from_bytes(&protected)? else {
        return Err(CoseError::NotSign1);
    };
    let field = |key: i64| {
        header
            .iter()
            .find(|(k, _)| k.as_integer() == Some(key.into()))
            .map(|(_, v)| v)
    };
    if field(HEADER_ALG).and_then(Value::as_integer) != Some(ES256.into()) {
        return Err(CoseError::Algorithm);
    }
    let kid = field(HEADER_KID)
        .and_then(Value::as_bytes)
        .cloned()
        .ok_or(CoseError::NoKeyId)?;
    Ok(Sign1 {
        protected,
        kid,
        payload,
        signature,
    })
}

pub(crate) fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    // Writing to a Vec cannot fail.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

/// Decodes exactly one CBOR item, nothing after it.
pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Value, CoseError> {
    let mut reader = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut reader, 16)
        .map_err(|_| CoseError::NotCbor)?;
    if reader.is_empty() {
        Ok(value)
    } else {
        Err(CoseError::NotCbor)
    }
}
