//! Identifiers as types, so an account id is never passed where a request id is expected.
//! Both are random UUIDs made here; stored ones are taken back as they were written.

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

id_type!(
    /// A share code's public name, by which its holder lists and revokes it (the code itself
    /// is a secret, stored only as a keyed hash).
    ShareId
);
