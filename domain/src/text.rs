//! Small value types parsed at the edge: e-mail, password, names, identity documents, codes.
//! (Long on purpose: names, places and labels share one character policy and its table of tests.)

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
    #[error("must not contain invisible or text-direction characters")]
    InvisibleCharacters,
    #[error("may hold only Latin letters, spaces, hyphens, apostrophes and full stops")]
    NameCharacters,
    #[error(
        "may hold only Latin letters, digits, spaces, hyphens, apostrophes, commas and full stops"
    )]
    PlaceCharacters,
    #[error("must have at most 60 characters")]
    PlaceTooLong,
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
        // What every mail system delivers: ASCII, no quoting, no list separators.
        let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(atom);
        if !domain_ok || !local_ok || email.len() > 254 {
            return Err(TextError::Email);
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whose account, without giving the address away: `a***@example.ro`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
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

/// Characters that print as nothing, or that reorder the text around them: format
/// characters (Unicode category Cf: bidi embeddings, overrides and isolates, zero-width
/// spaces and joiners, the soft hyphen, tags), line and paragraph separators, private-use
/// characters, and the letters and marks fonts draw as blank (Hangul fillers, variation
/// selectors, the braille blank). In a name they would let two different-looking names
/// compare equal, or one name print as another.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x2800
            | 0x3164
            | 0xE000..=0xF8FF
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE0100..=0xE01EF
            | 0xF0000..=0x10FFFF
    ) || (c as u32 & 0xFFFE) == 0xFFFE
        || (0xFDD0..=0xFDEF).contains(&(c as u32))
}

/// A person's or place's name: NFC, trimmed, comma-below ș ț, every kind of space as one
/// plain space, every kind of dash as `-`, 1 to 100 characters of the Latin script (letters
/// with their accents, spaces, hyphens, apostrophes, full stops). Romanian civil-status
/// documents spell every name in Latin letters; anything else would let a name look like
/// another (a Cyrillic `о` in `Pоp`) or hide text in it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(String);

/// The longest birth place: the longest Romanian locality with its county fits easily.
pub const MAX_PLACE_CHARS: usize = 60;

/// A letter of the Latin script as civil-status documents print it (Basic Latin, Latin-1,
/// Latin Extended-A, -B and Additional), or a combining accent left after NFC.
fn is_latin_letter(c: char) -> bool {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A => true,
        0xC0..=0x24F => c != '×' && c != '÷',
        0x300..=0x36F | 0x1E00..=0x1EFF => true,
        _ => false,
    }
}

/// Whether the combining accents left after NFC each sit alone on a letter: stacked accents
/// and the overlay marks (a stroke through a letter) would print a name that no document
/// spells, yet look like it to a clerk.
fn accents_on_letters(text: &str) -> bool {
    let mut after_letter = false;
    for c in text.chars() {
        let mark = (0x300..=0x36F).contains(&(c as u32));
        if mark && (!after_letter || (0x334..=0x338).contains(&(c as u32))) {
            return false;
        }
        after_letter = !mark && c.is_alphabetic();
    }
    true
}

impl Name {
    /// A person's name (surname, given names, a parent's given name).
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let name = Self::normalised(input)?;
        if !name
            .0
            .chars()
            .all(|c| is_latin_letter(c) || " -'’.".contains(c))
            || !accents_on_letters(&name.0)
        {
            return Err(TextError::NameCharacters);
        }
        Ok(name)
    }

    /// A place of birth as the holder declares it: also digits and commas ("București,
    /// Sectorul 3"), at most 60 characters.
    pub fn parse_place(input: &str) -> Result<Self, TextError> {
        let place = Self::normalised(input)?;
        if !place
            .0
            .chars()
            .all(|c| is_latin_letter(c) || c.is_ascii_digit() || " -'’.,".contains(c))
            || !accents_on_letters(&place.0)
        {
            return Err(TextError::PlaceCharacters);
        }
        if place.0.chars().count() > MAX_PLACE_CHARS {
            return Err(TextError::PlaceTooLong);
        }
        Ok(place)
    }

    /// A label ops type (a police unit), or a name stored under earlier rules: normalised,
    /// no control or invisible characters, any script.
    pub fn parse_label(input: &str) -> Result<Self, TextError> {
        Self::normalised(input)
    }

    fn normalised(input: &str) -> Result<Self, TextError> {
        if input.chars().any(char::is_control) {
            return Err(TextError::ControlCharacters);
        }
        if input.chars().any(is_hidden) {
            return Err(TextError::InvisibleCharacters);
        }
        let mut normalised = String::with_capacity(input.len());
        for c in normalise_romanian(input).chars() {
            let c = match c {
                c if c.is_whitespace() => ' ',
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                c => c,
            };
            if !(c == ' ' && normalised.ends_with(' ')) {
                normalised.push(c);
            }
        }
        if normalised.is_empty() {
            return Err(TextError::Empty);
        }
        if normalised.chars().count() > MAX_NAME_CHARS {
            return Err(TextError::TooLong);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` is the same name as far as identity evidence goes: equal after case,
    /// accents (phone keyboards and bank cards often drop them: "Stefanescu" is "Ștefănescu",
    /// and ş with a cedilla is ș), and with hyphens (of any kind) and spaces as one separator
    /// ("ȘTEFĂNESCU ANA MARIA" is "Ştefănescu Ana-Maria"). The evidence's spelling is what gets
    /// sealed, so folding accents here lets nobody choose how a sealed name is spelt.
    pub fn same_as(&self, other: &Name) -> bool {
        folded(&self.0) == folded(&other.0)
    }
}

/// A name as [`Name::same_as`] compares it.
fn folded(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfd().flat_map(char::to_lowercase) {
        if ('\u{300}'..='\u{36F}').contains(&c) {
            continue;
        }
        let separator =
            c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}');
        let c = if separator { ' ' } else { c };
        if !(c == ' ' && (out.is_empty() || out.ends_with(' '))) {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
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

/// A secret of 8 Crockford letters (40 bits), shown as `ABCD-EFGH`, accepted as typed (case,
/// spaces and dashes ignored: [`crockford_parse`]), never printed by `Debug`.
macro_rules! grouped_code {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn random() -> Self {
                Self(crockford_random(8))
            }

            pub fn parse(input: &str) -> Option<Self> {
                crockford_parse(input, 8).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// As shown: `ABCD-EFGH`.
            pub fn grouped(&self) -> String {
                format!("{}-{}", &self.0[..4], &self.0[4..])
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(…)"))
            }
        }
    };
}

grouped_code!(
    /// The code e-mailed to confirm an address at registration: single use, five tries. A
    /// bearer secret: never logged.
    ConfirmationCode
);

grouped_code!(
    /// The code an institution's desk shows a person asked for consent at its counter, for
    /// fifteen minutes; the person types it in the portal, signed in, to open the request. It
    /// opens only a request made for the CNP of whoever types it, and tries are counted per
    /// account: a bearer of nothing on its own.
    DeskCode
);

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
            // What mailers refuse (they answered 503 before): lists, non-ASCII, quoting.
            "a,b@example.ro",
            "a;b@example.ro",
            "ăî@exâmple.ro",
            "\"a\"@example.ro",
            ".ana@example.ro",
            "ana.@example.ro",
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
    fn an_accent_sits_alone_on_a_letter() {
        // Composed by NFC, or one mark that has no composed form: printed as typed.
        assert_eq!(Name::parse("Ana\u{0301}").unwrap().as_str(), "Aná");
        assert!(Name::parse("Pop\u{0306}").is_ok());
        for odd in [
            "Ana\u{0301}\u{0301}\u{0301}", // stacked accents
            "Ana\u{0335}",                 // a stroke through the letter
            "\u{0301}Ana",                 // an accent on nothing
            "Ana \u{0301}",                // on a space
        ] {
            assert_eq!(
                Name::parse(odd).unwrap_err(),
                TextError::NameCharacters,
                "{odd:?}"
            );
        }
        assert_eq!(
            Name::parse_place("Cluj\u{0301}\u{0301}").unwrap_err(),
            TextError::PlaceCharacters
        );
    }

    #[test]
    fn names_reject_invisible_and_direction_characters() {
        for hidden in [
            "Ana\u{200B}Pop",         // zero-width space
            "Ana\u{200D}",            // zero-width joiner
            "\u{202E}uciP",           // right-to-left override
            "Pop\u{2066}Ana\u{2069}", // isolates
            "Ana\u{00AD}Maria",       // soft hyphen
            "Ana\u{FEFF}",            // BOM
            "Ana\u{E0041}",           // tag letter
            "Ana\u{3164}",            // Hangul filler
            "Ana\u{2028}Pop",         // line separator
            "Ana\u{E000}",            // private use
        ] {
            assert_eq!(
                Name::parse(hidden).unwrap_err(),
                TextError::InvisibleCharacters,
                "{hidden:?}"
            );
        }
        // Other spaces become one plain space.
        assert_eq!(
            Name::parse("Ana\u{00A0}\u{2003} Maria").unwrap().as_str(),
            "Ana Maria"
        );
    }

    #[test]
    fn names_are_latin_letters_only() {
        for name in [
            "Łukasiewicz",
            "Müller-Lüdenscheidt",
            "O'Neill",
            "D’Artagnan",
            "St. John",
            "Nguyễn",
        ] {
            assert!(Name::parse(name).is_ok(), "{name}");
        }
        // Dashes of every kind become a hyphen.
        assert_eq!(
            Name::parse("Ana\u{2013}Maria").unwrap().as_str(),
            "Ana-Maria"
        );
        for foreign in [
            "P\u{43E}p",    // Cyrillic о: looks like Pop
            "Pop\u{FFF0}",  // unassigned, drawn as nothing
            "Dan\u{E0080}", // an unassigned tag
            "Ana\u{16FE4}", // Khitan filler
            "Ana2",
            "Ana: persoana NU are înscrieri",
            "Ana;",
            "Ana ×",
        ] {
            assert!(Name::parse(foreign).is_err(), "{foreign:?}");
        }
    }

    #[test]
    fn places_are_short_and_plain() {
        assert_eq!(
            Name::parse_place("București, Sectorul 3").unwrap().as_str(),
            "București, Sectorul 3"
        );
        assert_eq!(
            Name::parse_place("București. Mențiune: persoana NU are înscrieri").unwrap_err(),
            TextError::PlaceCharacters
        );
        assert_eq!(
            Name::parse_place(&"a".repeat(61)).unwrap_err(),
            TextError::PlaceTooLong
        );
    }

    #[test]
    fn names_compare_as_evidence_spells_them() {
        let n = |s: &str| Name::parse(s).unwrap();
        assert!(n("Ştefănescu").same_as(&n("ȘTEFĂNESCU")));
        assert!(n("Ana-Maria").same_as(&n("ANA MARIA")));
        assert!(n("Ana - Maria").same_as(&n("ana\u{2011}maria")));
        assert!(n("s\u{327}tefan").same_as(&n("Ștefan")));
        assert!(n("Stefanescu").same_as(&n("ȘTEFĂNESCU")));
        assert!(n("RADULESCU").same_as(&n("Rădulescu")));
        assert!(!n("Ana").same_as(&n("Ana-Maria")));
        assert!(!n("Popa").same_as(&n("Pop")));
        assert!(!n("Orice Nume").same_as(&n("Real Victim")));
    }

    #[test]
    fn confirmation_codes_read_back_as_typed_and_never_print() {
        let code = ConfirmationCode::random();
        assert_eq!(code.grouped().len(), 9);
        assert_eq!(
            ConfirmationCode::parse(&code.grouped().to_lowercase()),
            Some(code.clone())
        );
        assert_eq!(ConfirmationCode::parse("ABCD-EFG"), None);
        assert!(!format!("{code:?}").contains(code.as_str()));
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
