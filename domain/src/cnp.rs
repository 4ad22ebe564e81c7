//! The Romanian personal numeric code (CNP): `S AA LL ZZ JJ NNN C`.

use chrono::NaiveDate;
use std::fmt;

const WEIGHTS: [u32; 12] = [2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9];

/// A CNP whose length, century digit, birth date, county code, serial and control digit are valid.
/// Deliberately has no `Debug` output of its digits: it is personal data and must not reach logs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cnp {
    digits: [u8; 13],
    birth_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CnpError {
    #[error("a CNP has exactly 13 digits")]
    Format,
    #[error("the first digit of a CNP is 1 to 9")]
    Sex,
    #[error("the birth date in the CNP is not a real calendar date")]
    BirthDate,
    #[error("the county code in the CNP does not exist")]
    County,
    #[error("the serial number in the CNP cannot be 000")]
    Serial,
    #[error("the control digit of the CNP is wrong")]
    Checksum,
}

impl Cnp {
    pub fn parse(input: &str) -> Result<Self, CnpError> {
        let bytes = input.trim().as_bytes();
        if bytes.len() != 13 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(CnpError::Format);
        }
        let mut digits = [0u8; 13];
        for (slot, byte) in digits.iter_mut().zip(bytes) {
            *slot = byte - b'0';
        }
        let two = |i: usize| u32::from(digits[i]) * 10 + u32::from(digits[i + 1]);
        let century = match digits[0] {
            1 | 2 => 1900,
            3 | 4 => 1800,
            5 | 6 => 2000,
            // Residents and foreigners: the digit does not give the century. Take the latest
            // century that does not put the birth date in the future.
            7..=9 => 0,
            _ => return Err(CnpError::Sex),
        };
        let (yy, month, day) = (two(1) as i32, two(3), two(5));
        let birth_date = if century == 0 {
            NaiveDate::from_ymd_opt(2000 + yy, month, day)
                .filter(|d| *d <= chrono::Utc::now().date_naive())
                .or_else(|| NaiveDate::from_ymd_opt(1900 + yy, month, day))
        } else {
            NaiveDate::from_ymd_opt(century + yy, month, day)
        }
        .ok_or(CnpError::BirthDate)?;
        if !is_county_code(two(7)) {
            return Err(CnpError::County);
        }
        if digits[9] == 0 && digits[10] == 0 && digits[11] == 0 {
            return Err(CnpError::Serial);
        }
        if control_digit(&digits[..12]) != digits[12] {
            return Err(CnpError::Checksum);
        }
        Ok(Self { digits, birth_date })
    }

    pub fn as_string(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// First and last four digits only, as shown back to the citizen: `2850*****0019`.
    pub fn masked(&self) -> String {
        let s = self.as_string();
        format!("{}*****{}", &s[..4], &s[9..])
    }
}

impl fmt::Debug for Cnp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cnp({})", self.masked())
    }
}

/// Control digit of a CNP from its first 12 digits.
pub fn control_digit(first_twelve: &[u8]) -> u8 {
    let sum: u32 = first_twelve
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match sum % 11 {
        10 => 1,
        r => r as u8,
    }
}

fn is_county_code(code: u32) -> bool {
    matches!(code, 1..=48 | 51 | 52 | 70)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_control(first_twelve: &str) -> String {
        let digits: Vec<u8> = first_twelve.bytes().map(|b| b - b'0').collect();
        format!("{first_twelve}{}", control_digit(&digits))
    }

    #[test]
    fn accepts_the_documented_example() {
        let cnp = Cnp::parse("1630615123457").unwrap();
        assert_eq!(
            cnp.birth_date(),
            NaiveDate::from_ymd_opt(1963, 6, 15).unwrap()
        );
        assert_eq!(cnp.masked(), "1630*****3457");
    }

    #[test]
    fn rejects_a_wrong_control_digit() {
        assert_eq!(Cnp::parse("1630615123458"), Err(CnpError::Checksum));
    }

    #[test]
    fn rejects_wrong_lengths_and_non_digits() {
        for bad in [
            "",
            "163061512345",
            "16306151234577",
            "163061512345a",
            "1630615 23457",
        ] {
            assert_eq!(Cnp::parse(bad), Err(CnpError::Format), "{bad:?}");
        }
    }

    #[test]
    fn sex_digit_zero_is_invalid() {
        assert_eq!(
            Cnp::parse(&with_control("063061512345")),
            Err(CnpError::Sex)
        );
    }

    #[test]
    fn century_digit_sets_the_birth_year() {
        let cases = [
            ("1", 1985),
            ("2", 1985),
            ("3", 1885),
            ("4", 1885),
            ("5", 2085),
            ("6", 2085),
        ];
        for (s, year) in cases {
            // 2085 is in the future, but the century digit says so: the date is still a real date.
            let cnp = Cnp::parse(&with_control(&format!("{s}850101400019")[..12])).unwrap();
            assert_eq!(cnp.birth_date().to_string(), format!("{year}-01-01"));
        }
        let resident = Cnp::parse(&with_control("785010140001")).unwrap();
        assert_eq!(resident.birth_date().to_string(), "1985-01-01");
        let young_resident = Cnp::parse(&with_control("710010140001")).unwrap();
        assert_eq!(young_resident.birth_date().to_string(), "2010-01-01");
    }

    #[test]
    fn february_29_only_in_leap_years_of_the_right_century() {
        // 2000 is a leap year (digit 5), 1900 is not (digit 1), 2004 is.
        assert!(Cnp::parse(&with_control("500022940001")).is_ok());
        assert_eq!(
            Cnp::parse(&with_control("100022940001")),
            Err(CnpError::BirthDate)
        );
        assert!(Cnp::parse(&with_control("504022940001")).is_ok());
        assert_eq!(
            Cnp::parse(&with_control("503022940001")),
            Err(CnpError::BirthDate)
        );
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for date in ["851301", "850001", "850132", "850431", "850100"] {
            let cnp = with_control(&format!("1{date}40001"));
            assert_eq!(Cnp::parse(&cnp), Err(CnpError::BirthDate), "{date}");
        }
    }

    #[test]
    fn county_codes_follow_the_table() {
        for ok in ["01", "40", "41", "46", "47", "48", "51", "52", "70"] {
            assert!(
                Cnp::parse(&with_control(&format!("1850101{ok}001"))).is_ok(),
                "{ok}"
            );
        }
        for bad in ["00", "49", "50", "53", "69", "71", "99"] {
            let cnp = with_control(&format!("1850101{bad}001"));
            assert_eq!(Cnp::parse(&cnp), Err(CnpError::County), "{bad}");
        }
    }

    #[test]
    fn serial_000_is_invalid() {
        assert_eq!(
            Cnp::parse(&with_control("185010140000")),
            Err(CnpError::Serial)
        );
    }

    #[test]
    fn control_remainder_ten_gives_one() {
        // Find a valid prefix whose weighted sum leaves 10, and check the digit is 1.
        let prefix = (1..=999)
            .map(|n| format!("185010140{n:03}"))
            .find(|p| {
                let d: Vec<u8> = p.bytes().map(|b| b - b'0').collect();
                d.iter()
                    .zip(WEIGHTS)
                    .map(|(d, w)| u32::from(*d) * w)
                    .sum::<u32>()
                    % 11
                    == 10
            })
            .expect("some serial gives remainder 10");
        assert!(Cnp::parse(&format!("{prefix}1")).is_ok());
        assert_eq!(Cnp::parse(&format!("{prefix}0")), Err(CnpError::Checksum));
    }

    #[test]
    fn debug_output_does_not_leak_the_digits() {
        let cnp = Cnp::parse("1630615123457").unwrap();
        assert!(!format!("{cnp:?}").contains("1630615123457"));
    }
}
