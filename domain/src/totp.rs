//! The operators' second factor: time-based one-time passwords (RFC 6238 over RFC 4226), as
//! authenticator apps make them: HMAC-SHA-1, 30-second steps, 6 digits.

use hmac::{Hmac, Mac};
use rand::RngCore;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Steps accepted either side of the current one: a clock 30 s off, or a code typed as it
/// changed, still works; a code is good for at most 90 s, and only once.
pub const WINDOW_STEPS: i64 = 1;

/// A shared TOTP secret (160 bits, RFC 4226's recommendation). Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; 20]);

impl TotpSecret {
    pub fn random() -> Self {
        let mut bytes = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding: what authenticator apps take (and `oathtool -b`).
    pub fn base32(&self) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut out = String::with_capacity(32);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for byte in self.0 {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
            }
        }
        if bits > 0 {
            out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
        }
        out
    }

    /// The `otpauth://` URI an authenticator app scans (Key Uri Format).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = crate::url::query_value;
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }

    /// The step that holds the instant `unix_secs`.
    pub fn step_at(unix_secs: i64) -> i64 {
        unix_secs.div_euclid(STEP_SECS)
    }

    /// The six-digit code of a step (RFC 4226 §5.3 dynamic truncation).
    pub fn code_at(&self, step: i64) -> String {
        let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let binary = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        format!("{:06}", binary % 1_000_000)
    }

    /// The step whose code `typed` is, within the window around `unix_secs` (spaces ignored);
    /// the caller must also refuse a step used before.
    pub fn matching_step(&self, typed: &str, unix_secs: i64) -> Option<i64> {
        let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = Self::step_at(unix_secs);
        // Every step of the window is compared, so the time taken does not say which matched.
        (now - WINDOW_STEPS..=now + WINDOW_STEPS).fold(None, |found, step| {
            let same =
                crate::crypto::constant_time_eq(self.code_at(step).as_bytes(), code.as_bytes());
            found.or(same.then_some(step))
        })
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 secret "12345678901234567890", 8 digits there; the
    /// last six of each are what a 6-digit generator shows.
    #[test]
    fn the_rfc_test_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(
                secret.code_at(TotpSecret::step_at(time)),
                eight[2..],
                "{time}"
            );
        }
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = TotpSecret::random();
        let now = 1_800_000_015;
        let step = TotpSecret::step_at(now);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = secret.code_at(step + offset);
            assert_eq!(
                secret.matching_step(&code, now) == Some(step + offset),
                accepted,
                "offset {offset}"
            );
        }
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(secret.matching_step(bad, now), None);
        }
        let code = secret.code_at(step);
        assert_eq!(
            secret.matching_step(&format!("{} {}", &code[..3], &code[3..]), now),
            Some(step)
        );
        assert!(!format!("{secret:?}").contains(&secret.base32()));
    }
}
