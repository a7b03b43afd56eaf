//! The loan-card number (자료대출번호): one number for every institution, never reused.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoanCardNumber(String);

impl LoanCardNumber {
    /// A number from 13 digits of the caller's choosing (random in practice, so no counter item
    /// runs hot): the first is forced to 1-9, the 14th is their Luhn check digit.
    pub fn from_digits(digits: [u8; 13]) -> Self {
        let mut body: Vec<u8> = digits.iter().map(|d| d % 10).collect();
        if body[0] == 0 {
            body[0] = 1 + digits[1] % 9;
        }
        let check = luhn_check_digit(&body);
        let text = body.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + d)).collect();
        Self(text)
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let bytes = raw.as_bytes();
        let shaped = bytes.len() == 14 && bytes.iter().all(u8::is_ascii_digit) && bytes[0] != b'0';
        if !shaped {
            return Err("invalid_format");
        }
        let digits: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
        if luhn_check_digit(&digits[..13]) != digits[13] {
            return Err("invalid_check_digit");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The digit that makes `payload` followed by it pass the Luhn test.
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl TryFrom<String> for LoanCardNumber {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<LoanCardNumber> for String {
    fn from(number: LoanCardNumber) -> Self {
        number.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_luhn_numbers() {
        // 7992739871 is the textbook example: its check digit is 3.
        assert_eq!(luhn_check_digit(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
        assert_eq!(LoanCardNumber::parse("12345678901238"), Err("invalid_check_digit"));
        assert_eq!(
            LoanCardNumber::parse("12345678901237").map(|n| n.as_str().to_owned()),
            Ok("12345678901237".to_owned())
        );
        assert_eq!(LoanCardNumber::parse("01234567890123"), Err("invalid_format"));
    }

    proptest! {
        #[test]
        fn every_generated_number_parses_and_one_changed_digit_fails(digits in prop::array::uniform13(0u8..10), pos in 0usize..14, delta in 1u8..10) {
            let number = LoanCardNumber::from_digits(digits);
            prop_assert!(LoanCardNumber::parse(number.as_str()).is_ok());
            let mut bytes = number.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(LoanCardNumber::parse(&changed).is_err());
        }
    }
}
