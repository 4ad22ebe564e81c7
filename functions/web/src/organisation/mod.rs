//! An organisation's staff (issue 27, item 7): its consents, a request for a person's
//! consent (at a distance, or with the person at a public institution's desk), and under an
//! accepted consent the sealed extract as a PDF. Everything in the organisation's name, through
//! the service its API uses (`StaffConsents` over `ConsentRequests`): the same limits, answers
//! and seal; what the staff member did is audited under them.

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{Ctx, Flash, FormData, NEW_CODE_COOKIE};
use crate::{Answer, Refusal};
use cazier_edge::http::{path_param, Staff};
use cazier_shared::domain::{
    bucharest_date, ConsentId, ConsentStatus, FieldCode, FieldError, Page,
};
use cazier_shared::services::consents::asking::{ExtractForm, Pulled};
use cazier_shared::services::consents::{
    AskConsentDto, ConsentRequestError as Asked, StaffConsentError, StaffConsents,
};
use lambda_http::http::StatusCode;
use lambda_http::Request;
use view::{AskForm, DeskCodeShown};

pub(crate) struct Organisation {
    pub(crate) staff: StaffConsents,
}

fn consent_id(req: &Request) -> Result<ConsentId, Refusal> {
    path_param(req, "consent_id")
        .and_then(|id| ConsentId::parse(&id))
        .ok_or(Refusal::NotFound)
}

impl From<StaffConsentError> for Refusal {
    fn from(e: StaffConsentError) -> Self {
        match e {
            StaffConsentError::Unavailable(e) => e.into(),
            StaffConsentError::NotStaff | StaffConsentError::Suspended => Refusal::Forbidden,
            StaffConsentError::Request(Asked::Unavailable(e)) => e.into(),
            StaffConsentError::Request(_) => Refusal::NotFound,
        }
    }
}

/// A suspended organisation's staff get its page, not a generic refusal.
fn refused(ctx: &mut Ctx, e: StaffConsentError) -> Answer {
    match e {
        StaffConsentError::Suspended => {
            let html = view::suspended(ctx);
            Ok(ctx.page(StatusCode::FORBIDDEN, html))
        }
        other => Err(other.into()),
    }
}

/// The desk code a redirect left for this consent's page (`<consent id>.<code>.<until>`), once.
fn desk_code_kept(ctx: &mut Ctx, id: &ConsentId) -> Option<DeskCodeShown> {
    let kept = ctx.new_code.take()?;
    ctx.set_cookie(NEW_CODE_COOKIE, "", 0, false);
    let mut parts = kept.splitn(3, '.');
    let (for_id, code, until) = (parts.next()?, parts.next()?, parts.next()?);
    let until = chrono::DateTime::from_timestamp(until.parse().ok()?, 0)?;
    (for_id == id.as_str()).then(|| DeskCodeShown {
        code: code.to_owned(),
        until,
    })
}

fn keep_desk_code(ctx: &mut Ctx, id: &ConsentId, code: &str, until: &str) {
    if let Ok(until) = chrono::DateTime::parse_from_rfc3339(until) {
        let kept = format!("{}.{code}.{}", id.as_str(), until.timestamp());
        ctx.set_cookie(NEW_CODE_COOKIE, &kept, 300, false);
    }
}

impl Organisation {
    pub(crate) async fn home(&self, ctx: &mut Ctx, who: Staff, _req: &Request) -> Answer {
        match self.staff.list(&who).await {
            Ok((member, consents)) => {
                let html = view::home(ctx, &member, &consents);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Err(e) => refused(ctx, e),
        }
    }

    pub(crate) async fn ask_form(&self, ctx: &mut Ctx, who: Staff, _req: &Request) -> Answer {
        let member = match self.staff.member(&who).await {
            Ok(member) => member,
            Err(e) => return refused(ctx, e),
        };
        let html = view::ask(ctx, &member, &AskForm::default(), &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// The request form's three steps (GOV.UK's "check your answers"): the form sent is shown
    /// back to check (the whole CNP once more: a mistyped one would ask a stranger); "change"
    /// opens the form again with what was typed; "send" asks, then the consent's page
    /// (post/redirect/get), with the desk code if one was made.
    pub(crate) async fn ask(
        &self,
        ctx: &mut Ctx,
        who: Staff,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let typed: AskForm = form.read()?;
        let member = match self.staff.member(&who).await {
            Ok(member) => member,
            Err(e) => return refused(ctx, e),
        };
        let continuous = typed.term == "UNTIL";
        let dto = AskConsentDto {
            cnp: crate::forms::without_spaces(&typed.cnp),
            purpose: typed.purpose.clone(),
            reason: typed.reason.clone(),
            until: continuous.then(|| typed.until.clone()),
            at_desk: typed.at_desk == "yes",
        };
        let today = bucharest_date(chrono::Utc::now());
        // The term's own mistakes, said with the others in one pass: "until a date" with no
        // date, or a date with "one extract" (neither guessed).
        let term_error = match (continuous, typed.until.trim().is_empty()) {
            (true, true) => Some(FieldCode::UntilRequired),
            (false, false) => Some(FieldCode::UntilForOneOff),
            _ => None,
        };
        let parsed = match (dto.try_into_domain(today), term_error) {
            (Ok(asked), None) => Ok(asked),
            (Ok(_), Some(code)) => Err(vec![FieldError::new("until", code, "")]),
            (Err(mut errors), Some(code)) => {
                errors.retain(|e| e.field != "until");
                errors.push(FieldError::new("until", code, ""));
                Err(errors)
            }
            (Err(errors), None) => Err(errors),
        };
        // A wrong CNP said precisely (format, birth date, check digit), as elsewhere.
        let parsed = parsed.map_err(|e| crate::verify::precise_cnp_errors(e, &typed.cnp));
        let o = ctx.lang.o();
        let (errors, problem, status) = match (parsed, typed.step.as_str()) {
            (_, "edit") => (Vec::new(), None, StatusCode::OK),
            (Err(errors), _) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
            (Ok(_), step) if step != "send" => {
                let html = view::check(ctx, &member, &typed);
                return Ok(ctx.page(StatusCode::OK, html));
            }
            (Ok(asked), _) => match self.staff.ask(&who, asked).await {
                Ok(view) => {
                    if let (Some(code), Some(until)) = (&view.desk_code, &view.desk_code_expires_at)
                    {
                        keep_desk_code(ctx, &view.consent_id, code, until);
                    }
                    // An earlier request still waits: that one is shown, and said to be it; at
                    // the desk nothing is sent: the code is what matters.
                    let said = match (view.already_waiting, view.desk_code.is_some()) {
                        (true, _) => Flash::ConsentAlreadyWaiting,
                        (false, true) => Flash::DeskCodeReady,
                        (false, false) => Flash::ConsentRequested,
                    };
                    ctx.flash_next(said);
                    return Ok(ctx.redirect(Page::OrganisationConsent(view.consent_id)));
                }
                Err(StaffConsentError::Request(e)) => match e {
                    Asked::Invalid(errors) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
                    Asked::PurposeNotAllowed => (
                        Vec::new(),
                        Some(o.purpose_not_allowed),
                        StatusCode::FORBIDDEN,
                    ),
                    Asked::DeskNotAllowed => {
                        (Vec::new(), Some(o.desk_not_allowed), StatusCode::FORBIDDEN)
                    }
                    Asked::RecentlyDeclined => {
                        (Vec::new(), Some(o.recently_declined), StatusCode::CONFLICT)
                    }
                    Asked::Throttled { .. } => {
                        (Vec::new(), Some(o.throttled), StatusCode::TOO_MANY_REQUESTS)
                    }
                    other => return Err(StaffConsentError::Request(other).into()),
                },
                Err(e) => return refused(ctx, e),
            },
        };
        let html = view::ask(ctx, &member, &typed, &errors, problem);
        Ok(ctx.page(status, html))
    }

    async fn show(
        &self,
        ctx: &mut Ctx,
        who: &Staff,
        id: &ConsentId,
        status: StatusCode,
        problem: Option<&str>,
    ) -> Answer {
        let (member, shown, history) = match self.staff.get(who, id).await {
            Ok(found) => found,
            Err(e) => return refused(ctx, e),
        };
        let desk_code = desk_code_kept(ctx, id);
        let html = view::consent(ctx, &member, &shown, &history, desk_code.as_ref(), problem);
        Ok(ctx.page(status, html))
    }

    pub(crate) async fn consent(&self, ctx: &mut Ctx, who: Staff, req: &Request) -> Answer {
        let id = consent_id(req)?;
        self.show(ctx, &who, &id, StatusCode::OK, None).await
    }

    /// The extract, sealed, as a PDF download; a consent no longer given: its page, saying so.
    pub(crate) async fn pull(
        &self,
        ctx: &mut Ctx,
        who: Staff,
        req: &Request,
        _form: &FormData,
    ) -> Answer {
        let id = consent_id(req)?;
        let said = match self.staff.pull(&who, &id, ExtractForm::Pdf).await {
            Ok(Pulled::Pdf(pdf)) => {
                let name = format!("extras-{}.pdf", pdf.number);
                return Ok(ctx.file(pdf.pdf, "application/pdf", &name));
            }
            Ok(Pulled::Json(_)) => return Err(Refusal::Unavailable("JSON for a PDF".into())),
            Err(StaffConsentError::Request(Asked::NotGiven(ConsentStatus::Pending))) => {
                Flash::ExtractNotYet
            }
            Err(StaffConsentError::Request(Asked::NotGiven(ConsentStatus::Used))) => {
                Flash::ExtractUsed
            }
            Err(StaffConsentError::Request(Asked::NotGiven(_) | Asked::Changed)) => {
                Flash::ExtractNotGiven
            }
            Err(StaffConsentError::Request(Asked::Throttled { .. })) => {
                let o = ctx.lang.o();
                let status = StatusCode::TOO_MANY_REQUESTS;
                return self.show(ctx, &who, &id, status, Some(o.throttled)).await;
            }
            Err(e) => return refused(ctx, e),
        };
        // Why there is no extract, on the consent's own page (post/redirect/get: a reload does
        // not post again).
        ctx.flash_next(said);
        Ok(ctx.redirect(Page::OrganisationConsent(id)))
    }

    /// A new desk code for a request waiting at the desk: shown on the consent's page.
    pub(crate) async fn new_desk_code(
        &self,
        ctx: &mut Ctx,
        who: Staff,
        req: &Request,
        _form: &FormData,
    ) -> Answer {
        let id = consent_id(req)?;
        let o = ctx.lang.o();
        let (problem, status) = match self.staff.new_desk_code(&who, &id).await {
            Ok(view) => {
                if let (Some(code), Some(until)) = (&view.desk_code, &view.desk_code_expires_at) {
                    keep_desk_code(ctx, &id, code, until);
                }
                return Ok(ctx.redirect(Page::OrganisationConsent(id)));
            }
            Err(StaffConsentError::Request(Asked::NotGiven(_))) => {
                (o.answered, StatusCode::CONFLICT)
            }
            Err(StaffConsentError::Request(Asked::Throttled { .. })) => {
                (o.throttled, StatusCode::TOO_MANY_REQUESTS)
            }
            Err(StaffConsentError::Request(Asked::DeskNotAllowed)) => {
                (o.desk_not_allowed, StatusCode::FORBIDDEN)
            }
            Err(e) => return refused(ctx, e),
        };
        self.show(ctx, &who, &id, status, Some(problem)).await
    }
}
