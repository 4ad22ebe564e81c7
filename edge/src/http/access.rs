//! Who a route admits, twice over: as a value in its route table (`Access`, checked before any
//! body is read) and as the type its handler receives (`Authenticated`, `Citizen`, `Operator`).
//! The typed principals can only be made here, from a principal the route's rule admits, so a
//! citizen's handler cannot run for a clerk and no handler checks the caller again.

use crate::domain::{Principal, Role};
use std::ops::Deref;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// The portal's pages for visitors who are not signed in (the sign-in form): a signed-in
    /// visitor is sent to their own start page instead.
    SignedOut,
    /// A form an identity provider's page posts back to the portal: no session comes with it
    /// and it carries no CSRF token; its signed assertion is what it is checked by.
    Provider,
    /// Any signed-in account.
    Authenticated,
    Citizen,
    Operator,
    /// A registered organisation's staff member (the portal's organisation pages).
    Staff,
}

/// Why a route refused its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is signed in (or the session ended).
    SignInFirst,
    /// Signed in, with another role than the one the route is for.
    ForRole(Role),
}

impl Access {
    /// Whether the route needs a session at all.
    pub fn needs_session(self) -> bool {
        matches!(
            self,
            Access::Authenticated | Access::Citizen | Access::Operator | Access::Staff
        )
    }

    /// Whether `principal` (None: nobody signed in) may call a route with this rule: the one
    /// place the rule is decided.
    pub fn check(self, principal: Option<&Principal>) -> Result<(), Denied> {
        let role = match self {
            Access::Public | Access::SignedOut | Access::Provider => return Ok(()),
            Access::Authenticated => None,
            Access::Citizen => Some(Role::Citizen),
            Access::Operator => Some(Role::Operator),
            Access::Staff => Some(Role::Staff),
        };
        let principal = principal.ok_or(Denied::SignInFirst)?;
        match role {
            Some(role) if principal.role != role => Err(Denied::ForRole(role)),
            _ => Ok(()),
        }
    }
}

/// A principal as a route's handler receives it: made only by [`Admit::admit`].
pub trait Admit: Sized {
    const ACCESS: Access;
    /// The caller, if this route's rule admits them.
    fn admit(principal: Option<Principal>) -> Result<Self, Denied>;
}

macro_rules! typed_principal {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(Principal);

        impl Admit for $name {
            const ACCESS: Access = Access::$name;
            fn admit(principal: Option<Principal>) -> Result<Self, Denied> {
                Self::ACCESS.check(principal.as_ref())?;
                principal.map($name).ok_or(Denied::SignInFirst)
            }
        }

        impl Deref for $name {
            type Target = Principal;
            fn deref(&self) -> &Principal {
                &self.0
            }
        }
    };
}

typed_principal!(
    /// Any signed-in account.
    Authenticated
);
typed_principal!(
    /// A signed-in citizen.
    Citizen
);
typed_principal!(
    /// A signed-in counter clerk.
    Operator
);
typed_principal!(
    /// A signed-in staff member of a registered organisation.
    Staff
);

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role) -> Principal {
        Principal {
            account_id: "a".into(),
            role,
            token_hash: String::new(),
        }
    }

    #[test]
    fn each_rule_admits_whom_it_names_and_nobody_else() {
        let (citizen, clerk) = (principal(Role::Citizen), principal(Role::Operator));
        assert!(Citizen::admit(Some(citizen.clone())).is_ok());
        assert_eq!(
            Citizen::admit(Some(clerk.clone())).err(),
            Some(Denied::ForRole(Role::Citizen))
        );
        assert_eq!(Citizen::admit(None).err(), Some(Denied::SignInFirst));
        assert_eq!(
            Operator::admit(Some(citizen.clone())).err(),
            Some(Denied::ForRole(Role::Operator))
        );
        let staff = principal(Role::Staff);
        assert!(Staff::admit(Some(staff.clone())).is_ok());
        for other in [&citizen, &clerk] {
            assert_eq!(
                Staff::admit(Some(other.clone())).err(),
                Some(Denied::ForRole(Role::Staff))
            );
        }
        assert_eq!(
            Operator::admit(Some(staff.clone())).err(),
            Some(Denied::ForRole(Role::Operator))
        );
        assert_eq!(
            Citizen::admit(Some(staff)).err(),
            Some(Denied::ForRole(Role::Citizen))
        );
        assert!(Authenticated::admit(Some(clerk)).is_ok());
        assert_eq!(Authenticated::admit(None).err(), Some(Denied::SignInFirst));
        for open in [Access::Public, Access::SignedOut, Access::Provider] {
            assert_eq!(open.check(None), Ok(()));
            assert!(!open.needs_session());
        }
    }
}
