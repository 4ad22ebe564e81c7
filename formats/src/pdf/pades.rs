//! The PDF side of the PAdES signature: the `/ByteRange` that covers everything but the
//! `/Contents` hex string, the digest of those bytes, and embedding the CMS once it is signed.
//! Reading a signed PDF back (for document verification) is here too.

use sha2::{Digest, Sha256};
use std::ops::Range;

/// Written by the renderer, replaced in place (same length) once offsets are known.
pub const BYTE_RANGE_PLACEHOLDER: [i32; 4] = [0, 1_000_000_000, 1_000_000_000, 1_000_000_000];
/// Fills the reserved `/Contents`: non-ASCII, so the writer uses a hex string, `<FFFF…>`.
pub const CONTENTS_FILL: u8 = 0xFF;
/// Document information key naming the certificate number, inside the signed bytes.
pub const NUMBER_KEY: &[u8] = b"CazierCertificateNumber";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("font subsetting failed: {0:?}")]
    Font(subsetter::Error),
    #[error("signature placeholder not found in the rendered PDF")]
    Placeholder,
    #[error("the signature ({needed} bytes) does not fit the space reserved ({capacity})")]
    SignatureTooLarge { needed: usize, capacity: usize },
}

impl From<subsetter::Error> for RenderError {
    fn from(e: subsetter::Error) -> Self {
        RenderError::Font(e)
    }
}

/// A rendered certificate whose signature is still to be embedded.
#[derive(Debug, Clone)]
pub struct PreparedPdf {
    bytes: Vec<u8>,
    /// The `<…>` hex string of `/Contents`, delimiters included.
    contents: Range<usize>,
}

// Two-way search: comparing the reserved `/Contents` (kilobytes of `F`) at every offset was a
// tenth of a certificate's render time.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

impl PreparedPdf {
    pub(crate) fn new(mut bytes: Vec<u8>, capacity: usize) -> Result<Self, RenderError> {
        let mut reserved = Vec::with_capacity(2 * capacity + 2);
        reserved.push(b'<');
        reserved.extend(std::iter::repeat_n(b'F', 2 * capacity));
        reserved.push(b'>');
        let start = find(&bytes, &reserved).ok_or(RenderError::Placeholder)?;
        let contents = start..start + reserved.len();

        let placeholder = format!(
            "[{}]",
            BYTE_RANGE_PLACEHOLDER.map(|n| n.to_string()).join(" ")
        );
        let at = find(&bytes, placeholder.as_bytes()).ok_or(RenderError::Placeholder)?;
        let actual = format!(
            "[0 {} {} {}]",
            contents.start,
            contents.end,
            bytes.len() - contents.end
        );
        // Same length as the placeholder, so no offset in the file moves.
        let padded = format!("{actual:<width$}", width = placeholder.len());
        if padded.len() != placeholder.len() {
            return Err(RenderError::Placeholder);
        }
        bytes[at..at + padded.len()].copy_from_slice(padded.as_bytes());
        Ok(Self { bytes, contents })
    }

    /// SHA-256 of the signed bytes: everything but the `/Contents` string.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(&self.bytes[..self.contents.start]);
        hasher.update(&self.bytes[self.contents.end..]);
        hasher.finalize().into()
    }

    /// Bytes available for the DER of the CMS.
    pub fn capacity(&self) -> usize {
        (self.contents.len() - 2) / 2
    }

    /// The finished PDF with `cms` (DER) in `/Contents`, zero-padded.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>, RenderError> {
        if cms.len() > self.capacity() {
            return Err(RenderError::SignatureTooLarge {
                needed: cms.len(),
                capacity: self.capacity(),
            });
        }
        let hex = hex::encode_upper(cms);
        let start = self.contents.start + 1;
        self.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
        for b in &mut self.bytes[start + hex.len()..self.contents.end - 1] {
            *b = b'0';
        }
        Ok(self.bytes)
    }
}

/// What a signed PDF says about its signature, read without trusting any of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPdf {
    /// The DER of the CMS (the padding removed by the CMS parser, not here).
    pub cms: Vec<u8>,
    /// SHA-256 of the bytes the `/ByteRange` covers.
    pub digest: [u8; 32],
    /// Whether the byte range covers the whole file but the signature (nothing appended).
    pub covers_whole_file: bool,
    /// Where the signed revision ends (what follows is a later incremental update).
    pub signed_len: usize,
    /// The certificate number from the signed bytes, when present.
    pub number: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is not a PDF")]
    NotPdf,
    #[error("the PDF is cut short")]
    Truncated,
    #[error("the PDF has no signature")]
    Unsigned,
}

/// Reads the last signature of a PDF: its byte range, `/Contents` and digest.
pub fn read_signed(pdf: &[u8]) -> Result<SignedPdf, ReadError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(ReadError::NotPdf);
    }
    let tail = &pdf[pdf.len().saturating_sub(1024)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(ReadError::Truncated);
    }
    let at = rfind(pdf, b"/ByteRange").ok_or(ReadError::Unsigned)?;
    let after = &pdf[at + b"/ByteRange".len()..];
    let open = find(&after[..after.len().min(16)], b"[").ok_or(ReadError::Unsigned)?;
    let close = find(&after[..after.len().min(80)], b"]").ok_or(ReadError::Unsigned)?;
    if close < open {
        return Err(ReadError::Unsigned);
    }
    let numbers: Vec<usize> = std::str::from_utf8(&after[open + 1..close])
        .map_err(|_| ReadError::Unsigned)?
        .split_ascii_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| ReadError::Unsigned)?;
    let [first_start, first_len, second_start, second_len] = numbers[..] else {
        return Err(ReadError::Unsigned);
    };
    let first_end = first_start
        .checked_add(first_len)
        .ok_or(ReadError::Unsigned)?;
    let second_end = second_start
        .checked_add(second_len)
        .ok_or(ReadError::Unsigned)?;
    if first_start != 0 || first_end > second_start || second_end > pdf.len() {
        return Err(ReadError::Truncated);
    }
    // The signature dictionary lies in the signed bytes, before its `/Contents`: a
    // `/ByteRange` found anywhere else (in bytes appended after the seal) is not the seal's.
    if at >= first_end {
        return Err(ReadError::Unsigned);
    }
    let gap = &pdf[first_end..second_start];
    if gap.len() < 2 || gap[0] != b'<' || gap[gap.len() - 1] != b'>' {
        return Err(ReadError::Unsigned);
    }
    let hex_digits: Vec<u8> = gap[1..gap.len() - 1]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let cms = hex::decode(&hex_digits).map_err(|_| ReadError::Unsigned)?;

    let mut hasher = Sha256::new();
    hasher.update(&pdf[..first_end]);
    hasher.update(&pdf[second_start..second_end]);
    Ok(SignedPdf {
        cms,
        digest: hasher.finalize().into(),
        covers_whole_file: second_end == pdf.len(),
        signed_len: second_end,
        number: number_in(&pdf[second_start..second_end]).or_else(|| number_in(&pdf[..first_end])),
    })
}

/// `/CazierCertificateNumber (CJ-…)` in the signed bytes.
fn number_in(signed: &[u8]) -> Option<String> {
    let mut key = b"/".to_vec();
    key.extend_from_slice(NUMBER_KEY);
    let at = rfind(signed, &key)? + key.len();
    let rest = &signed[at..signed.len().min(at + 40)];
    let open = find(rest, b"(")?;
    let close = find(rest, b")")?;
    (open < close)
        .then(|| String::from_utf8(rest[open + 1..close].to_vec()).ok())
        .flatten()
}
