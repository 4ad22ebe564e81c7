//! Identifiers as types, so an account id is never passed where a request id is expected.
//! UUIDs made here (random, or a request's of its day); stored ones are taken back as they
//! were written.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn random() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        /// Ids come back from storage, paths and tokens as text; an id that matches nothing is
        /// simply not found, so any text is accepted here.
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

id_type!(
    /// A citizen's or an operator's account.
    AccountId
);

id_type!(
    /// A certificate request.
    RequestId
);

impl RequestId {
    /// The id of the request an account makes on `day` (Bucharest's) for `purpose`, for itself
    /// or for a company it represents: the same every time, so that the store keeps one a day
    /// by the request's key alone (a second is refused as the first). A UUID (version 8) of a
    /// SHA-256 of the four: the account id is random, so nobody else can work it out.
    pub fn of_the_day(
        account: &AccountId,
        company: Option<&crate::Cui>,
        purpose: crate::Purpose,
        day: chrono::NaiveDate,
    ) -> Self {
        use sha2::Digest;
        let company = company.map(ToString::to_string).unwrap_or_default();
        let digest = sha2::Sha256::digest(format!(
            "cazier/request-of-the-day/1|{account}|{company}|{}|{day}",
            purpose.code()
        ));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(
            uuid::Builder::from_custom_bytes(bytes)
                .into_uuid()
                .to_string(),
        )
    }
}

id_type!(
    /// A share code's public name, by which its holder lists and revokes it (the code itself
    /// is a secret, stored only as a keyed hash).
    ShareId
);

id_type!(
    /// A consent an organisation asked for (not a secret: every use checks whose it is).
    ConsentId
);

impl ConsentId {
    /// A consent id from a path: a UUID as made here; anything else names no consent.
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::try_parse(text)
            .ok()
            .filter(|u| u.hyphenated().to_string() == text)
            .map(|_| Self(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Purpose;

    #[test]
    fn a_request_of_the_day_has_one_id_and_another_day_or_purpose_another() {
        let account = AccountId::random();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let id = RequestId::of_the_day(&account, None, Purpose::Angajare, day);
        assert_eq!(
            id,
            RequestId::of_the_day(&account, None, Purpose::Angajare, day)
        );
        let parsed = uuid::Uuid::parse_str(id.as_str()).unwrap();
        assert_eq!(parsed.get_version_num(), 8);
        for other in [
            RequestId::of_the_day(&account, None, Purpose::Studii, day),
            RequestId::of_the_day(&account, None, Purpose::Angajare, day.succ_opt().unwrap()),
            RequestId::of_the_day(&AccountId::random(), None, Purpose::Angajare, day),
        ] {
            assert_ne!(id, other);
        }
    }
}

id_type!(
    /// One webhook delivery of a change; the `Idempotency-Key` its every attempt carries.
    DeliveryId
);
