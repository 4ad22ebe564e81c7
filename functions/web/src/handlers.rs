//! The portal's form handlers: each calls one service operation and maps its outcome to a
//! page or a redirect.

use crate::context::{Ctx, Flash, FormData};
use crate::identity::remember_registration;
use crate::pages::{console, forms, notices, request};
use crate::{Answer, Refusal, WebFunction};
use cazier_shared::domain::{AccountId, FieldCode, FieldError, SessionChannel};
use cazier_shared::http::source_ip;
use cazier_shared::services::accounts::{
    IdDocumentDto, LoginDto, LoginError, RegisterDto, RegisterError, SessionError, DEVICE_TTL,
    SESSION_TTL,
};
use cazier_shared::services::requests::{SubjectDto, SubmitDto, SubmitError};
use cazier_shared::services::validation::{
    CounterValidationDto, CounterValidationError, LookupDto, LookupError,
};
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What a clerk's failed lookup shows.
pub(crate) fn lookup_refusal(e: LookupError) -> Refusal {
    match e {
        LookupError::NotFound | LookupError::Invalid(_) => Refusal::NotFound,
        LookupError::NotLookedUp => Refusal::LookupFirst,
        LookupError::NoOperator => Refusal::SignInFirst,
        LookupError::Unavailable(e) => e.into(),
    }
}

impl WebFunction {
    pub(crate) async fn register(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let typed = forms::Registration::from_form(form);
        let dto = RegisterDto::new(
            typed.email.clone(),
            form.text("password"),
            forms::declared_dto(&typed, form),
        );
        let errors = match self.accounts.register(dto, &source_ip(req)).await {
            Ok(sent) => {
                remember_registration(ctx, &typed.email, Some(&sent.registration_id));
                return Ok(ctx.redirect("/cont/confirmare"));
            }
            Err(RegisterError::Invalid(errors)) => {
                let errors = forms::missing_said(errors, form);
                crate::verify::precise_cnp_errors(errors, &typed.cnp)
            }
            Err(RegisterError::Throttled { .. }) => return Ok(self.throttled(ctx)),
            Err(RegisterError::Unavailable(e)) => return Err(e.into()),
        };
        let html = forms::register(ctx, &typed, &errors, None);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    pub(crate) async fn sign_in(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        self.start_session(
            ctx,
            &form.text("email"),
            &form.text("password"),
            &source_ip(req),
        )
        .await
    }

    /// Signs in (also right after a password change) and goes to the account page, or to the
    /// second-factor page for an operator.
    pub(crate) async fn start_session(
        &self,
        ctx: &mut Ctx,
        email: &str,
        password: &str,
        source: &str,
    ) -> Answer {
        let dto = LoginDto {
            email: email.to_owned(),
            password: password.to_owned(),
            device_token: ctx.device.clone(),
            totp: None,
        };
        match self
            .accounts
            .login(dto, source, SessionChannel::Portal)
            .await
        {
            Ok(session) => {
                ctx.sign_in(
                    &session.token,
                    SESSION_TTL.num_seconds(),
                    &session.device_token,
                    DEVICE_TTL.num_seconds(),
                );
                // Back to the page that asked for the sign-in, or clerks to their console
                // and citizens to their account.
                let to = ctx
                    .take_return(session.role)
                    .unwrap_or_else(|| crate::home_of(session.role).to_owned());
                Ok(ctx.redirect(&to))
            }
            Err(LoginError::InvalidCredentials) => {
                let problem = ctx.t().bad_credentials;
                let html = forms::sign_in(ctx, email, Some(problem));
                Ok(ctx.page(StatusCode::UNAUTHORIZED, html))
            }
            Err(other) => self.sign_in_refused(ctx, other),
        }
    }

    pub(crate) async fn lookup(&self, ctx: &mut Ctx, form: &FormData) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let typed = form.text("counter_code");
        let dto = LookupDto {
            counter_code: typed.clone(),
        };
        let errors = match self.counter.lookup(&principal, dto).await {
            Ok(found) => return Ok(ctx.redirect(&format!("/ghiseu/cont/{}", found.account_id))),
            Err(LookupError::Invalid(errors)) => errors,
            Err(LookupError::NotFound) => {
                vec![FieldError::new("counter_code", FieldCode::NotFound, "")]
            }
            Err(e) => return Err(lookup_refusal(e)),
        };
        let today = self.counter.validations_today(&principal).await?;
        let html = console::lookup(ctx, &typed, &errors, &today);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    pub(crate) async fn validate(&self, ctx: &mut Ctx, id: &AccountId, form: &FormData) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let (kind, series, number) = (
            form.text("id_document"),
            form.text("series"),
            form.text("number"),
        );
        let names = (form.text("last_name"), form.text("first_name"));
        // The checklist is ticked, and (once the document differed) the CNP read off it.
        let checked = form.get("checked") == Some("yes");
        let mut document_cnp = form.get("document_cnp").map(|v| v.trim().to_owned());
        let dto = CounterValidationDto {
            id_document: IdDocumentDto {
                series: (kind != "PASSPORT").then(|| series.trim().to_owned()),
                kind: kind.clone(),
                number: number.trim().to_owned(),
            },
            // The form always carries both (filled in with the registered spelling): one
            // emptied is an error, not "keep the old name".
            last_name: Some(names.0.clone()),
            first_name: Some(names.1.clone()),
            document_cnp: document_cnp.clone().filter(|v| !v.is_empty()),
        };
        let t = ctx.t();
        let outcome = if checked {
            self.counter.validate(&principal, id, dto).await
        } else {
            let unticked = FieldError::new("checked", FieldCode::ChecklistNotConfirmed, "");
            Err(CounterValidationError::Invalid(vec![unticked]))
        };
        let errors = match outcome {
            Ok(_) => {
                // Post/redirect/get: the console, its list of today's validations naming
                // whom (newest first), and the message once; a reload validates nothing.
                ctx.flash_next(Flash::CounterValidated);
                return Ok(ctx.redirect("/ghiseu"));
            }
            // Said to the clerk, of the document in hand (not to a citizen typing their own).
            Err(CounterValidationError::Invalid(errors)) => errors
                .into_iter()
                .map(|mut e| {
                    if e.code == FieldCode::InvalidName {
                        e.code = FieldCode::DocumentName;
                    }
                    e
                })
                .collect(),
            Err(CounterValidationError::DocumentMismatch) => {
                // The way on: the CNP read off the document in hand records it.
                document_cnp.get_or_insert_with(String::new);
                vec![FieldError::new(
                    "id_document",
                    FieldCode::DocumentMismatch,
                    "",
                )]
            }
            Err(CounterValidationError::DocumentOfAnotherPerson) => vec![FieldError::new(
                "document_cnp",
                FieldCode::DocumentOfAnotherPerson,
                "",
            )],
            Err(CounterValidationError::AlreadyValidated) => {
                let html = notices::notice(
                    ctx,
                    t.validated_title,
                    t.already_validated,
                    Some(("/ghiseu", t.next_citizen)),
                );
                return Ok(ctx.page(StatusCode::CONFLICT, html));
            }
            Err(CounterValidationError::NotFound | CounterValidationError::OwnAccount) => {
                return Err(Refusal::NotFound)
            }
            Err(CounterValidationError::NotLookedUp) => return Err(Refusal::LookupFirst),
            Err(CounterValidationError::CnpAlreadyValidated) => {
                let i = ctx.lang.i();
                let html = notices::notice(
                    ctx,
                    i.cnp_taken_title,
                    i.cnp_taken,
                    Some(("/ghiseu", t.next_citizen)),
                );
                return Ok(ctx.page(StatusCode::CONFLICT, html));
            }
            Err(CounterValidationError::DetailsChanged) => {
                // The form again, beside what is registered now: the names as now registered,
                // the checklist to tick again after comparing.
                let citizen = self
                    .counter
                    .registered(&principal, id)
                    .await
                    .map_err(lookup_refusal)?;
                let names = (citizen.last_name.clone(), citizen.first_name.clone());
                let typed = console::Typed {
                    document: (&kind, &series, &number),
                    names: (&names.0, &names.1),
                    checked: false,
                    document_cnp: document_cnp.as_deref(),
                };
                let changed = [FieldError::new("checked", FieldCode::DetailsChanged, "")];
                let html = console::validate(ctx, &citizen, typed, &changed);
                return Ok(ctx.page(StatusCode::CONFLICT, html));
            }
            Err(CounterValidationError::NoOperator) => return Err(Refusal::SignInFirst),
            Err(CounterValidationError::Unavailable(e)) => return Err(e.into()),
        };
        let citizen = self
            .counter
            .registered(&principal, id)
            .await
            .map_err(lookup_refusal)?;
        let typed = console::Typed {
            document: (&kind, &series, &number),
            names: (&names.0, &names.1),
            checked,
            document_cnp: document_cnp.as_deref(),
        };
        let html = console::validate(ctx, &citizen, typed, &errors);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    /// The request page, with what the certificate will print of the citizen.
    pub(crate) async fn request_form(
        &self,
        ctx: &mut Ctx,
        chosen: &request::Chosen,
        errors: &[FieldError],
    ) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let (me, _) = self
            .accounts
            .portal_account(&principal)
            .await
            .map_err(|_| Refusal::SignInFirst)?;
        if me.status != cazier_shared::domain::AccountStatus::Validated {
            // No form that cannot be sent: the way to validate first.
            let t = ctx.t();
            let html = notices::notice(
                ctx,
                t.not_validated_title,
                t.not_validated,
                Some(("/cont", t.nav_account)),
            );
            // Shown for a form sent anyway too: refused, whatever it held.
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            return Ok(ctx.page(status, html));
        }
        let printed = match self.accounts.printed_details(&principal).await {
            Ok(printed) => printed,
            Err(SessionError::Unavailable(e)) => return Err(e.into()),
            Err(_) => return Err(Refusal::SignInFirst),
        };
        let html = request::new_request(ctx, chosen, errors, printed.as_ref());
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok(ctx.page(status, html))
    }

    pub(crate) async fn submit(&self, ctx: &mut Ctx, form: &FormData) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let chosen = request::Chosen {
            purpose: form.text("purpose"),
            subject: form.text("subject"),
            cui: form.text("subject.cui").trim().to_owned(),
        };
        // For a company: its CUI (an empty one is said as missing).
        let subject = (chosen.subject == "LEGAL_PERSON").then(|| SubjectDto {
            kind: chosen.subject.clone(),
            cui: (!chosen.cui.is_empty()).then(|| chosen.cui.clone()),
        });
        let dto = SubmitDto {
            purpose: chosen.purpose.clone(),
            subject,
        };
        let t = ctx.t();
        match self.requests.submit(&principal, dto, None).await {
            Ok(submitted) => Ok(ctx.redirect(&format!("/cereri/{}", submitted.request_id))),
            Err(SubmitError::Invalid(errors)) => self.request_form(ctx, &chosen, &errors).await,
            Err(SubmitError::NotLegalRepresentative) => {
                let errors = [FieldError::new(
                    "subject.cui",
                    FieldCode::NotLegalRepresentative,
                    "",
                )];
                self.request_form(ctx, &chosen, &errors).await
            }
            Err(SubmitError::DailyLimit { earlier }) => {
                let href = format!("/cereri/{earlier}");
                let html = notices::notice(
                    ctx,
                    t.daily_limit_title,
                    t.daily_limit,
                    Some((&href, t.see_earlier)),
                );
                Ok(ctx.page(StatusCode::CONFLICT, html))
            }
            Err(SubmitError::NotValidated) => {
                let html = notices::notice(
                    ctx,
                    t.not_validated_title,
                    t.not_validated,
                    Some(("/cont", t.nav_account)),
                );
                Ok(ctx.page(StatusCode::FORBIDDEN, html))
            }
            Err(SubmitError::NoAccount) => Err(Refusal::SignInFirst),
            Err(SubmitError::BadIdempotencyKey) => Err(Refusal::BadForm),
            Err(SubmitError::Unavailable(e)) => Err(e.into()),
        }
    }
}
