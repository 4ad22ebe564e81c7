//! Consents (issue 27): a registered organisation asks, the holder decides in the portal, and
//! with an accepted consent the organisation pulls a sealed extract limited to what its kind
//! and purpose allow (`level_for`, the table of docs/CONSENT.md). The organisation typed the
//! CNP; nothing it is given names it back.

use crate::organisation::OrganisationKind;
use crate::{Cnp, ConsentId, ConsentLevel, ConsentStatus, Cui, Purpose};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How long an unanswered request waits for its holder.
pub const PENDING_FOR: Duration = Duration::days(14);
/// How long an accepted one-off consent waits for its extract.
pub const ONE_OFF_FOR: Duration = Duration::days(30);
/// The reason the organisation gives, shown to the holder: one line.
pub const REASON_MAX_CHARS: usize = 200;

/// What the organisation may see for a purpose, by its kind; `None`: nothing by consent (the
/// holder requests their own certificate). Proposals for the Ministry's legal department.
pub fn level_for(kind: OrganisationKind, purpose: Purpose) -> Option<ConsentLevel> {
    use OrganisationKind::*;
    use Purpose::*;
    match (kind, purpose) {
        // Law 290/2004 art. 20(7): an institution, with the person's express consent.
        (PublicInstitution, AtestatProfesional | Adoptie | PortArma | Angajare) => {
            Some(ConsentLevel::Certificate)
        }
        (PublicInstitution, Studii) | (Employer, Angajare | Studii) => Some(ConsentLevel::Status),
        (Employer, AtestatProfesional | Adoptie | PortArma) => None,
        (_, Emigrare | Viza | AlteUtilizari) => None,
    }
}

/// One-off (one extract), or continuous until a day (extracts and change notices until then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentTerm {
    OneOff,
    Until(NaiveDate),
}

/// Why the organisation asks, in its words, shown to the holder: one line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentReason(String);

impl ConsentReason {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let fine = !text.is_empty()
            && text.chars().count() <= REASON_MAX_CHARS
            && !text.chars().any(|c| c.is_control() || invisible(c))
            && !stacked_marks(text);
        fine.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that change how text around them reads without showing themselves: bidi
/// overrides and isolates (a reason could read backwards), zero-width ones, the BOM, the soft
/// hyphen (found by the attack on this feature).
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// More than two combining marks on one letter: text drawn over its neighbours ("zalgo"). A
/// Romanian letter takes at most one (ș, ț written with a comma below, ă, â, î).
fn stacked_marks(text: &str) -> bool {
    let combining = |c: char| {
        matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
    };
    let mut run = 0;
    text.chars().any(|c| {
        run = if combining(c) { run + 1 } else { 0 };
        run > 2
    })
}

/// What the holder answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentDecision {
    Accept,
    Decline,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: ConsentId,
    pub organisation: Cui,
    /// The registered name when it asked (what the holder is shown).
    pub organisation_name: String,
    pub purpose: Purpose,
    pub level: ConsentLevel,
    pub reason: ConsentReason,
    pub term: ConsentTerm,
    pub holder: Cnp,
    /// As stored: never `Expired` (that follows from the time, `status`).
    pub state: ConsentStatus,
    pub asked_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Revoked, or used (a one-off's extract).
    pub ended_at: Option<DateTime<Utc>>,
    /// The holder's name as validated, kept when they accept: what extracts name.
    pub holder_name: Option<String>,
    pub extracts: u32,
}

impl Consent {
    /// The state at `now`: an unanswered request and an accepted consent past its last day
    /// are expired.
    pub fn status(&self, now: DateTime<Utc>) -> ConsentStatus {
        match self.state {
            ConsentStatus::Pending if now >= self.asked_at + PENDING_FOR => ConsentStatus::Expired,
            ConsentStatus::Accepted if self.ends_at().is_some_and(|end| now >= end) => {
                ConsentStatus::Expired
            }
            state => state,
        }
    }

    /// When an accepted consent stops working: the end of its last day (Bucharest), or a
    /// one-off's time to be used.
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        match self.term {
            ConsentTerm::Until(day) => Some(crate::end_of_bucharest_day(day)),
            ConsentTerm::OneOff => self.decided_at.map(|at| at + ONE_OFF_FOR),
        }
    }

    pub fn is_continuous(&self) -> bool {
        matches!(self.term, ConsentTerm::Until(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(term: ConsentTerm, state: ConsentStatus) -> Consent {
        Consent {
            id: ConsentId::random(),
            organisation: Cui::parse("14399840").unwrap(),
            organisation_name: "Dunărea SA".into(),
            purpose: Purpose::Angajare,
            level: ConsentLevel::Status,
            reason: ConsentReason::parse("Angajare șofer").unwrap(),
            term,
            holder: Cnp::parse("1900101400012").unwrap(),
            state,
            asked_at: "2026-12-01T10:00:00Z".parse().unwrap(),
            decided_at: Some("2026-12-02T10:00:00Z".parse().unwrap()),
            ended_at: None,
            holder_name: None,
            extracts: 0,
        }
    }

    #[test]
    fn an_unanswered_request_expires() {
        let c = consent(ConsentTerm::OneOff, ConsentStatus::Pending);
        assert_eq!(
            c.status(c.asked_at + Duration::days(13)),
            ConsentStatus::Pending
        );
        assert_eq!(c.status(c.asked_at + PENDING_FOR), ConsentStatus::Expired);
    }

    #[test]
    fn a_continuous_consent_ends_after_its_last_day_in_bucharest() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let c = consent(ConsentTerm::Until(day), ConsentStatus::Accepted);
        // 1 March 23:59 in Bucharest is 21:59 UTC.
        assert_eq!(
            c.status("2027-03-01T21:58:00Z".parse().unwrap()),
            ConsentStatus::Accepted
        );
        assert_eq!(
            c.status("2027-03-01T22:00:00Z".parse().unwrap()),
            ConsentStatus::Expired
        );
        assert!(c.is_continuous());
    }

    #[test]
    fn a_one_off_consent_waits_a_month_for_its_extract() {
        let c = consent(ConsentTerm::OneOff, ConsentStatus::Accepted);
        let decided = c.decided_at.unwrap();
        assert_eq!(
            c.status(decided + Duration::days(29)),
            ConsentStatus::Accepted
        );
        assert_eq!(c.status(decided + ONE_OFF_FOR), ConsentStatus::Expired);
        let used = consent(ConsentTerm::OneOff, ConsentStatus::Used);
        assert_eq!(
            used.status(decided + Duration::days(400)),
            ConsentStatus::Used
        );
    }

    #[test]
    fn only_the_table_decides_what_an_organisation_sees() {
        use OrganisationKind::*;
        assert_eq!(
            level_for(Employer, Purpose::Angajare),
            Some(ConsentLevel::Status)
        );
        assert_eq!(level_for(Employer, Purpose::PortArma), None);
        assert_eq!(
            level_for(PublicInstitution, Purpose::AtestatProfesional),
            Some(ConsentLevel::Certificate)
        );
        for purpose in [Purpose::Emigrare, Purpose::Viza, Purpose::AlteUtilizari] {
            assert_eq!(level_for(PublicInstitution, purpose), None);
            assert_eq!(level_for(Employer, purpose), None);
        }
    }

    #[test]
    fn a_reason_is_one_short_line() {
        assert!(ConsentReason::parse("  Angajare paznic  ").is_some());
        assert_eq!(ConsentReason::parse(" x ").unwrap().as_str(), "x");
        assert!(ConsentReason::parse("").is_none());
        assert!(ConsentReason::parse("două\nrânduri").is_none());
        assert!(ConsentReason::parse(&"a".repeat(REASON_MAX_CHARS + 1)).is_none());
        assert!(ConsentReason::parse(&"ă".repeat(REASON_MAX_CHARS)).is_some());
        // Decomposed Romanian letters (s + comma below) are fine.
        assert!(ConsentReason::parse("s\u{0326}ofer, t\u{0326}ara").is_some());
        for hidden in [
            "\u{202E}gnirih",
            "a\u{200B}b",
            "\u{2066}x\u{2069}",
            "\u{FEFF}x",
            "a\u{2028}b",
            "x\u{E0041}",
            "\u{3164}",
            "\u{2800}x",
            "a\u{0301}\u{0301}\u{0301}",
        ] {
            assert!(ConsentReason::parse(hidden).is_none(), "{hidden:?}");
        }
    }
}
