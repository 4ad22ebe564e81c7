//! The counter clerk's console: today's validations and the lookup by the citizen's code
//! (`/ghiseu`), the citizen's registered data beside the document typed from their card, and
//! the validation (`/ghiseu/cont/{account_id}`).

pub(crate) mod view;

use crate::context::{Ctx, Flash, FormData};
use crate::notices;
use crate::{Answer, Refusal};
use cazier_edge::http::{path_param, Operator};
use cazier_shared::domain::Page;
use cazier_shared::domain::{AccountId, Cnp, FieldCode, FieldError};
use cazier_shared::services::accounts::IdDocumentDto;
use cazier_shared::services::validation::ValidationService;
use cazier_shared::services::validation::{
    CounterValidationDto, CounterValidationError, LookupDto, LookupError,
};
use lambda_http::http::StatusCode;
use lambda_http::Request;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// The clerk's lookup: the code the citizen shows.
struct LookupForm {
    counter_code: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// The document in hand, the names read off it, the checklist, and (after a mismatch) the
/// CNP read off the document: absent fields are not the same as empty ones here.
struct ValidationForm {
    id_document: String,
    series: String,
    number: String,
    last_name: String,
    first_name: String,
    checked: Option<String>,
    document_cnp: Option<String>,
}

/// What a clerk's failed lookup shows.
pub(crate) fn lookup_refusal(e: LookupError) -> Refusal {
    match e {
        LookupError::NotFound | LookupError::Invalid(_) => Refusal::NotFound,
        LookupError::NotLookedUp => Refusal::LookupFirst,
        LookupError::NoOperator => Refusal::SignInFirst,
        LookupError::Unavailable(e) => e.into(),
    }
}

/// What the counter console uses.
pub(crate) struct Counter {
    pub(crate) counter: ValidationService,
}

impl Counter {
    /// The console: the lookup form and today's validations.
    pub(crate) async fn console(
        &self,
        ctx: &mut Ctx,
        principal: Operator,
        _req: &Request,
    ) -> Answer {
        let today = self.counter.validations_today(&principal).await?;
        let html = view::lookup(ctx, "", &[], &today);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn lookup(
        &self,
        ctx: &mut Ctx,
        principal: Operator,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let LookupForm {
            counter_code: typed,
        } = form.read()?;
        let dto = LookupDto {
            counter_code: typed.clone(),
        };
        let found = match dto.try_into_domain() {
            Ok(code) => self.counter.lookup(&principal, &code).await,
            Err(refused) => Err(refused),
        };
        let errors = match found {
            Ok(found) => return Ok(ctx.redirect(Page::Registered(found.account_id))),
            Err(LookupError::Invalid(errors)) => errors,
            Err(LookupError::NotFound) => {
                vec![FieldError::new("counter_code", FieldCode::NotFound, "")]
            }
            Err(e) => return Err(lookup_refusal(e)),
        };
        let today = self.counter.validations_today(&principal).await?;
        let html = view::lookup(ctx, &typed, &errors, &today);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    /// A citizen found by their code: their registered data and the validation form.
    pub(crate) async fn registered(
        &self,
        ctx: &mut Ctx,
        principal: Operator,
        req: &Request,
    ) -> Answer {
        let id = path_param(req, "account_id")
            .map(AccountId::from)
            .ok_or(Refusal::NotFound)?;
        let citizen = self
            .counter
            .registered(&principal, &id)
            .await
            .map_err(lookup_refusal)?;
        let typed = view::Typed {
            document: ("CI", "", ""),
            names: ("", ""),
            checked: false,
            document_cnp: None,
        };
        let html = view::validate(ctx, &citizen, typed, &[]);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn validate(
        &self,
        ctx: &mut Ctx,
        principal: Operator,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let id = &path_param(req, "account_id")
            .map(AccountId::from)
            .ok_or(Refusal::NotFound)?;
        let ValidationForm {
            id_document: kind,
            series,
            number,
            last_name,
            first_name,
            checked,
            document_cnp,
        } = form.read()?;
        let names = (last_name, first_name);
        // The checklist is ticked, and (once the document differed) the CNP read off it.
        let checked = checked.as_deref() == Some("yes");
        // Read off the document as printed, in groups: the spaces mean nothing.
        let mut document_cnp = document_cnp.map(|v| crate::forms::without_spaces(&v));
        let dto = CounterValidationDto {
            id_document: IdDocumentDto {
                series: (kind != "PASSPORT").then(|| series.trim().to_owned()),
                kind: kind.clone(),
                number: crate::forms::without_spaces(&number),
            },
            // The form always carries both (filled in with the registered spelling): one
            // emptied is an error, not "keep the old name".
            last_name: Some(names.0.clone()),
            first_name: Some(names.1.clone()),
            document_cnp: document_cnp.clone().filter(|v| !v.is_empty()),
        };
        let t = ctx.t();
        let outcome = if checked {
            match dto.try_into_domain() {
                Ok(read) => self.counter.validate(&principal, id, read).await,
                Err(refused) => Err(refused),
            }
        } else {
            let unticked = FieldError::new("checked", FieldCode::ChecklistNotConfirmed, "");
            Err(CounterValidationError::Invalid(vec![unticked]))
        };
        let errors = match outcome {
            Ok(_) => {
                // Post/redirect/get: the console, its list of today's validations naming
                // whom (newest first), and the message once; a reload validates nothing.
                ctx.flash_next(Flash::CounterValidated);
                return Ok(ctx.redirect(Page::Console));
            }
            // Said to the clerk, of the document in hand (not to a citizen typing their own).
            Err(CounterValidationError::Invalid(errors)) => errors
                .into_iter()
                .map(|mut e| {
                    if e.code == FieldCode::InvalidName {
                        e.code = FieldCode::DocumentName;
                    }
                    // What is wrong with the CNP read off the document, as precisely as the
                    // citizen's own pages say it.
                    if e.field == "document_cnp" {
                        let typed = document_cnp.as_deref().unwrap_or_default();
                        if let Err(why) = Cnp::parse(typed) {
                            e.code = crate::verify::cnp_code(&why);
                        }
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
                    Some((Page::Console, t.next_citizen)),
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
                    Some((Page::Console, t.next_citizen)),
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
                let typed = view::Typed {
                    document: (&kind, &series, &number),
                    names: (&names.0, &names.1),
                    checked: false,
                    document_cnp: document_cnp.as_deref(),
                };
                let changed = [FieldError::new("checked", FieldCode::DetailsChanged, "")];
                let html = view::validate(ctx, &citizen, typed, &changed);
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
        let typed = view::Typed {
            document: (&kind, &series, &number),
            names: (&names.0, &names.1),
            checked,
            document_cnp: document_cnp.as_deref(),
        };
        let html = view::validate(ctx, &citizen, typed, &errors);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }
}
