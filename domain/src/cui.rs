//! CUI (cod unic de înregistrare): the fiscal identification code of a Romanian legal person.
//! 2 to 10 digits, the last a control digit; written with or without the "RO" VAT prefix.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cui(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CuiError {
    #[error("a CUI has 2 to 10 digits, optionally after RO")]
    Shape,
    #[error("the CUI's control digit is wrong")]
    ControlDigit,
}

const KEY: [u32; 9] = [7, 5, 3, 2, 1, 7, 5, 3, 2];

/// The control digit of the digits before it (at most 9), right-aligned against the key.
pub fn control_digit(body: &[u32]) -> u32 {
    let offset = KEY.len() - body.len();
    let sum: u32 = body
        .iter()
        .zip(&KEY[offset..])
        .map(|(digit, weight)| digit * weight)
        .sum();
    (sum * 10 % 11) % 10
}

impl Cui {
    pub fn parse(input: &str) -> Result<Cui, CuiError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = compact
            .strip_prefix("RO")
            .or_else(|| compact.strip_prefix("ro"))
            .unwrap_or(&compact);
        if !(2..=10).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CuiError::Shape);
        }
        if digits.starts_with('0') {
            return Err(CuiError::Shape);
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let (body, control) = values.split_at(values.len() - 1);
        if control_digit(body) != control[0] {
            return Err(CuiError::ControlDigit);
        }
        Ok(Cui(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cui {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_control(body: &str) -> String {
        let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
        format!("{body}{}", control_digit(&digits))
    }

    #[test]
    fn worked_example() {
        // 1234567 -> key 3,2,1,7,5,3,2 (right-aligned): 3+4+3+28+25+18+14 = 95;
        // 95 * 10 = 950; 950 mod 11 = 4.
        assert_eq!(control_digit(&[1, 2, 3, 4, 5, 6, 7]), 4);
        assert_eq!(Cui::parse("12345674").unwrap().as_str(), "12345674");
    }

    #[test]
    fn remainder_ten_gives_zero() {
        // 18: 1*3 + ... find a body whose sum*10 mod 11 is 10.
        let body = (10..100_000u32)
            .map(|n| n.to_string())
            .find(|b| {
                let digits: Vec<u32> = b.bytes().map(|c| u32::from(c - b'0')).collect();
                let offset = 9 - digits.len();
                let sum: u32 = digits.iter().zip(&KEY[offset..]).map(|(d, w)| d * w).sum();
                sum * 10 % 11 == 10
            })
            .unwrap();
        assert_eq!(with_control(&body), format!("{body}0"));
        assert!(Cui::parse(&format!("{body}0")).is_ok());
    }

    #[test]
    fn prefix_and_spaces_are_accepted() {
        let cui = with_control("1590082");
        assert_eq!(Cui::parse(&format!("RO{cui}")).unwrap().as_str(), cui);
        assert_eq!(Cui::parse(&format!("RO {cui}")).unwrap().as_str(), cui);
    }

    #[test]
    fn every_wrong_control_digit_is_refused() {
        let cui = with_control("1590082");
        let right = cui.as_bytes()[cui.len() - 1];
        for d in b'0'..=b'9' {
            let mut candidate = cui.clone().into_bytes();
            *candidate.last_mut().unwrap() = d;
            let candidate = String::from_utf8(candidate).unwrap();
            assert_eq!(Cui::parse(&candidate).is_ok(), d == right, "{candidate}");
        }
    }

    #[test]
    fn shapes_are_refused() {
        for bad in ["", "1", "RO", "12345678901", "12a4", "-1234", "０１２３"] {
            assert_eq!(Cui::parse(bad), Err(CuiError::Shape), "{bad:?}");
        }
    }
}
