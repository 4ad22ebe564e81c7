//! Small value types parsed at the edge: e-mail, password, names, identity documents, codes.

use rand::Rng;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

pub const MAX_NAME_CHARS: usize = 100;
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("not a valid e-mail address")]
    Email,
    #[error("the password must have at least 12 characters")]
    PasswordTooShort,
    #[error("the password must have at most 256 characters")]
    PasswordTooLong,
    #[error("must not be empty")]
    Empty,
    #[error("must have at most 100 characters")]
    TooLong,
    #[error("must not contain control characters")]
    ControlCharacters,
    #[error("a CI series is 2 letters")]
    IdSeries,
    #[error("a CI number is 6 digits")]
    IdNumber,
    #[error("a passport number is 6 to 12 letters or digits")]
    PassportNumber,
    #[error("a passport has no series")]
    PassportSeries,
    #[error("unknown identity document type (CI or PASSPORT)")]
    IdType,
}

/// An e-mail address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let email = input.trim().to_lowercase();
        let (local, domain) = email.rsplit_once('@').ok_or(TextError::Email)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '"');
        if !domain_ok || !local_ok || email.len() > 254 {
            return Err(TextError::Email);
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed, before hashing. Never stored or logged.
pub struct Password(String);

impl Password {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        match input.chars().count() {
            n if n < MIN_PASSWORD_CHARS => Err(TextError::PasswordTooShort),
            n if n > MAX_PASSWORD_CHARS => Err(TextError::PasswordTooLong),
            _ => Ok(Self(input.to_owned())),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// NFC, trimmed, with the comma-below letters ș ț Ș Ț where cedilla ones (ş ţ) were typed.
pub fn normalise_romanian(input: &str) -> String {
    let comma_below = |c| match c {
        'ş' => 'ș',
        'ţ' => 'ț',
        'Ş' => 'Ș',
        'Ţ' => 'Ț',
        other => other,
    };
    // NFC may compose s + combining cedilla into ş: map after composing.
    input.trim().nfc().map(comma_below).collect()
}

/// A person's or place's name: NFC, trimmed, comma-below ș ț, 1 to 100 characters, no controls.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let normalised = normalise_romanian(input);
        if normalised.is_empty() {
            return Err(TextError::Empty);
        }
        if normalised.chars().any(char::is_control) {
            return Err(TextError::ControlCharacters);
        }
        if normalised.chars().count() > MAX_NAME_CHARS {
            return Err(TextError::TooLong);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Name(..)")
    }
}

/// The identity document given at registration and checked by the clerk at the counter.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum IdDocument {
    Ci { series: String, number: String },
    Passport { number: String },
}

impl IdDocument {
    pub fn parse(kind: &str, series: Option<&str>, number: &str) -> Result<Self, TextError> {
        let number = number.trim();
        match kind {
            "CI" => {
                let series = series.unwrap_or("").trim().to_uppercase();
                if series.chars().count() != 2 || !series.chars().all(|c| c.is_ascii_uppercase()) {
                    return Err(TextError::IdSeries);
                }
                if number.len() != 6 || !number.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(TextError::IdNumber);
                }
                Ok(Self::Ci {
                    series,
                    number: number.to_owned(),
                })
            }
            "PASSPORT" => {
                if series.is_some_and(|s| !s.trim().is_empty()) {
                    return Err(TextError::PassportSeries);
                }
                let number = number.to_uppercase();
                if !(6..=12).contains(&number.len())
                    || !number.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(TextError::PassportNumber);
                }
                Ok(Self::Passport { number })
            }
            _ => Err(TextError::IdType),
        }
    }
}

impl std::fmt::Debug for IdDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdDocument(..)")
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `len` random Crockford base-32 letters (5 bits each, from the operating system's generator).
fn crockford_random(len: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| char::from(CROCKFORD[rng.gen_range(0..32)]))
        .collect()
}

/// What a person types, as `len` Crockford letters: any case, with the usual confusions
/// (O→0, I/L→1) and separators (`-`, spaces) ignored.
fn crockford_parse(input: &str, len: usize) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == len && code.bytes().all(|b| CROCKFORD.contains(&b))).then_some(code)
}

/// The 8-character code a citizen shows at a police counter (Crockford base-32 letters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterCode(String);

impl CounterCode {
    pub fn random() -> Self {
        Self(crockford_random(8))
    }

    /// Accepts what a clerk types (see [`crockford_parse`]).
    pub fn parse(input: &str) -> Option<Self> {
        crockford_parse(input, 8).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Letters of a share code: 13 × 5 = 65 random bits. With ten million codes active, a guess
/// finds one with odds of 1 in 3.7 × 10^12; at ten guesses a minute per client (the access
/// throttle) that is about 700,000 years of guessing per client.
pub const SHARE_CODE_LETTERS: usize = 13;

/// A code a citizen gives a third party (an employer, an embassy) to see one certificate: a
/// bearer secret, shown to its holder once and stored only as a keyed hash.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareCode(String);

impl ShareCode {
    pub fn random() -> Self {
        Self(crockford_random(SHARE_CODE_LETTERS))
    }

    /// Accepts what a third party types or pastes (see [`crockford_parse`]).
    pub fn parse(input: &str) -> Option<Self> {
        crockford_parse(input, SHARE_CODE_LETTERS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As shown to people: `ABCD-EFGH-JKMNP`, easier to read out and to type.
    pub fn grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

/// Never in logs or panics: it is a bearer secret.
impl std::fmt::Debug for ShareCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShareCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ana.Pop@Example.RO ").unwrap().as_str(),
            "ana.pop@example.ro"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.ro",
            "ana@example",
            "a b@example.ro",
            "ana@ex..ro",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert_eq!(
            Password::parse("short").unwrap_err(),
            TextError::PasswordTooShort
        );
        assert!(Password::parse("exactly-12ch").is_ok());
        // Characters, not bytes: twelve Romanian letters are enough.
        assert!(Password::parse("ăâîșțăâîșțăâ").is_ok());
    }

    #[test]
    fn names_keep_diacritics_with_comma_below() {
        assert_eq!(Name::parse("  Ştefănescu ").unwrap().as_str(), "Ștefănescu");
        assert_eq!(Name::parse("Ţuţuianu").unwrap().as_str(), "Țuțuianu");
        // s + combining cedilla, as some keyboards send it.
        assert_eq!(Name::parse("s\u{327}i").unwrap().as_str(), "și");
        assert_eq!(Name::parse("Ana-Maria").unwrap().as_str(), "Ana-Maria");
    }

    #[test]
    fn names_reject_empty_long_and_control() {
        assert_eq!(Name::parse("   ").unwrap_err(), TextError::Empty);
        assert_eq!(
            Name::parse(&"ă".repeat(101)).unwrap_err(),
            TextError::TooLong
        );
        assert!(Name::parse(&"ă".repeat(100)).is_ok());
        assert_eq!(
            Name::parse("Ana\u{0}").unwrap_err(),
            TextError::ControlCharacters
        );
        assert_eq!(
            Name::parse("Ana\nPop").unwrap_err(),
            TextError::ControlCharacters
        );
    }

    #[test]
    fn identity_documents() {
        assert!(IdDocument::parse("CI", Some("rx"), "123456").is_ok());
        assert_eq!(
            IdDocument::parse("CI", Some("RX1"), "123456"),
            Err(TextError::IdSeries)
        );
        assert_eq!(
            IdDocument::parse("CI", None, "123456"),
            Err(TextError::IdSeries)
        );
        assert_eq!(
            IdDocument::parse("CI", Some("RX"), "12345"),
            Err(TextError::IdNumber)
        );
        assert!(IdDocument::parse("PASSPORT", None, "055123456").is_ok());
        assert_eq!(
            IdDocument::parse("PASSPORT", Some("RX"), "055123456"),
            Err(TextError::PassportSeries)
        );
        assert_eq!(IdDocument::parse("BI", None, "1"), Err(TextError::IdType));
    }

    #[test]
    fn counter_codes_use_crockford_letters() {
        for _ in 0..200 {
            let code = CounterCode::random();
            assert_eq!(code.as_str().len(), 8);
            assert!(!code.as_str().contains(['I', 'L', 'O', 'U']));
            assert_eq!(CounterCode::parse(code.as_str()), Some(code.clone()));
        }
        assert_eq!(
            CounterCode::parse("abcd-efgh").unwrap().as_str(),
            "ABCDEFGH"
        );
        assert_eq!(
            CounterCode::parse("oooo llll").unwrap().as_str(),
            "00001111"
        );
        assert_eq!(CounterCode::parse("ABCDEFGU"), None);
        assert_eq!(CounterCode::parse("ABC"), None);
    }

    #[test]
    fn share_codes_carry_65_bits_read_back_as_typed_and_never_print() {
        let code = ShareCode::random();
        assert_eq!(code.as_str().len(), 13);
        assert_ne!(code, ShareCode::random());
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 15);
        assert_eq!(ShareCode::parse(&grouped), Some(code.clone()));
        assert_eq!(
            ShareCode::parse(&grouped.to_lowercase().replace('-', " ")),
            Some(code.clone())
        );
        assert_eq!(
            ShareCode::parse("oooo-llll-iiiii").unwrap().as_str(),
            "0000111111111"
        );
        for bad in ["", "ABCD-EFGH-JKMN", "ABCD-EFGH-JKMNPQ", "ABCD-EFGH-JKMNU"] {
            assert_eq!(ShareCode::parse(bad), None, "{bad}");
        }
        assert!(!format!("{code:?}").contains(code.as_str()));
    }
}
