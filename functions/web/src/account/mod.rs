//! The citizen's account: its page (`GET /cont`: its state, the counter code, what
//! certificates will print) and "your details", the declared data shown back (`GET /cont/date`)
//! and corrected until validation (`POST /cont/date`, then back to the page with a message).

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{Ctx, Flash, FormData};
use crate::{forms, notices};
use crate::{Answer, Refusal};
use cazier_edge::http::Citizen;
use cazier_shared::domain::Page;
use cazier_shared::domain::Principal;
use cazier_shared::services::accounts::AccountService;
use cazier_shared::services::consents::HolderConsents;
use cazier_shared::services::declared::{ChangeDeclaredError, Declared};
use cazier_shared::services::online::ProvenService;
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What the account pages use.
pub(crate) struct Account {
    pub(crate) accounts: AccountService,
    pub(crate) proven: ProvenService,
    pub(crate) consents: HolderConsents,
}

impl Account {
    /// The account page: its state, the counter code, what certificates will print.
    pub(crate) async fn account_home(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
    ) -> Answer {
        let (me, code, declared) = self
            .accounts
            .account_page(&principal)
            .await
            .map_err(|_| Refusal::SignInFirst)?;
        let awaiting = self
            .proven
            .awaiting(&principal, ctx.flow.as_deref())
            .await?
            .is_some();
        let waiting = self.consents.waiting(&principal).await?;
        let shown = view::Shown {
            counter_code: code.as_deref(),
            awaiting_confirmation: awaiting,
            declared: declared.as_ref(),
            consents_waiting: waiting,
        };
        let html = view::account(ctx, &me, shown);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// The holder's declared data (a session whose account is gone signs in again).
    async fn declared_of(&self, principal: &Principal) -> Result<Declared, Refusal> {
        self.accounts
            .declared(principal)
            .await
            .map_err(|_| Refusal::SignInFirst)?
            .ok_or(Refusal::NotFound)
    }

    pub(crate) async fn declared_page(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
    ) -> Answer {
        let found = self.declared_of(&principal).await?;
        let html = view::declared(ctx, &found, None, &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn change_declared(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let typed: forms::Registration = form.read()?;
        let dto = forms::declared_dto(&typed);
        let d = ctx.lang.d();
        let changed = match dto.try_into_domain() {
            Ok(person) => self.accounts.change_declared(&principal, person).await,
            Err(errors) => Err(ChangeDeclaredError::Invalid(errors)),
        };
        let (status, errors, problem, keep_typed) = match changed {
            Ok(()) => {
                ctx.flash_next(Flash::DetailsSaved);
                return Ok(ctx.redirect(Page::Declared));
            }
            Err(ChangeDeclaredError::Invalid(errors)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::verify::precise_cnp_errors(forms::missing_said(errors, form), &typed.cnp),
                None,
                true,
            ),
            // Shown what is registered now, to compare before trying again.
            Err(ChangeDeclaredError::Conflict) => {
                (StatusCode::CONFLICT, Vec::new(), Some(d.conflict), false)
            }
            Err(ChangeDeclaredError::Validated) => {
                let html = notices::notice(
                    ctx,
                    d.validated_title,
                    d.lead_validated,
                    Some((Page::Declared, d.link_validated)),
                );
                return Ok(ctx.page(StatusCode::CONFLICT, html));
            }
            Err(ChangeDeclaredError::NoAccount) => return Err(Refusal::SignInFirst),
            Err(ChangeDeclaredError::Unavailable(e)) => return Err(e.into()),
        };
        let found = self.declared_of(&principal).await?;
        let shown = keep_typed.then_some(&typed);
        let html = view::declared(ctx, &found, shown, &errors, problem);
        Ok(ctx.page(status, html))
    }
}
