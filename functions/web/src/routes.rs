//! The portal's routes, one line each: method, path, who may open it, and the handler. The
//! `pages!` table is what admission (session, access, CSRF) and dispatch read, and what
//! `infra/local` checks against `template.yaml`. A handler's arguments follow from its line:
//! the page's context; the principal the access admits, by type (`Authenticated`, `Citizen`,
//! `Operator`; none for `Public`, `SignedOut` and `Provider`); the request; and for a POST,
//! its form.

use crate::context::{Ctx, FormData};
use crate::info::text::Info;
use crate::{Answer, Refusal, WebFunction};
use cazier_edge::http::{Access, Admit, Authenticated, Citizen, Operator, Route, Staff};
use lambda_http::Request;
use std::future::Future;
use std::pin::Pin;

/// A page's handler, as its line binds it.
pub type Handle = for<'a> fn(
    &'a WebFunction,
    &'a mut Ctx,
    &'a Request,
    Option<&'a FormData>,
) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// The portal's route keys (`GET /cont`), and the `$default` route it answers too: what
/// `infra/local` checks against `template.yaml`.
pub fn route_keys() -> Vec<&'static str> {
    let keys = ROUTES.iter().map(|r| r.key);
    keys.chain([DEFAULT_ROUTE]).collect()
}

/// API Gateway's `$default` route (no method, no path): whatever no route of any function
/// matches; an HTML page for browsers, a problem under the API's paths.
pub const DEFAULT_ROUTE: &str = "$default";

macro_rules! pages {
    ($($method:ident $path:literal $access:ident => $feature:ident . $handler:ident $(($($arg:expr),*))?,)+) => {
        /// The portal's routes and who may open them (signed-in visitors are found by their
        /// session cookie).
        pub(crate) const ROUTES: &[Route<Handle>] = &[$(
            Route {
                key: concat!(stringify!($method), " ", $path),
                access: Access::$access,
                handler: |web, ctx, req, form| {
                    Box::pin(async move {
                        let feature = &web.$feature;
                        pages!(@bind $method $access, feature, ctx, req, form, $handler [$($($arg),*)?])
                    })
                },
            },
        )+];
    };
    (@bind GET Public, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident [$($arg:expr),*]) => {{
        let _ = $form;
        $web.$h($ctx, $req $(, $arg)*).await
    }};
    (@bind GET SignedOut, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident [$($arg:expr),*]) => {{
        let _ = $form;
        $web.$h($ctx, $req $(, $arg)*).await
    }};
    (@bind POST Public, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident []) => {
        pages!(@open_form $web, $ctx, $req, $form, $h)
    };
    (@bind POST SignedOut, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident []) => {
        pages!(@open_form $web, $ctx, $req, $form, $h)
    };
    (@bind POST Provider, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident []) => {
        pages!(@open_form $web, $ctx, $req, $form, $h)
    };
    (@bind GET $access:ident, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident []) => {{
        let _ = $form;
        match <$access as Admit>::admit($ctx.principal.clone()) {
            Ok(who) => $web.$h($ctx, who, $req).await,
            Err(denied) => Err(denied.into()),
        }
    }};
    (@bind POST $access:ident, $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident []) => {
        match (<$access as Admit>::admit($ctx.principal.clone()), $form) {
            (Ok(who), Some(form)) => $web.$h($ctx, who, $req, form).await,
            (Err(denied), _) => Err(denied.into()),
            (Ok(_), None) => Err(Refusal::BadForm),
        }
    };
    (@open_form $web:ident, $ctx:ident, $req:ident, $form:ident, $h:ident) => {
        match $form {
            Some(form) => $web.$h($ctx, $req, form).await,
            None => Err(Refusal::BadForm),
        }
    };
}

pages! {
    GET "/" Public => info.home,
    GET "/ajutor" Public => info.info(Info::Help),
    GET "/confidentialitate" Public => info.info(Info::Privacy),
    GET "/cookie-uri" Public => info.info(Info::Cookies),
    GET "/accesibilitate" Public => info.info(Info::Accessibility),
    GET "/cont/nou" Public => identity.register_form,
    POST "/cont/nou" Public => identity.register,
    GET "/cont/confirmare" Public => identity.confirm_form,
    POST "/cont/confirmare" Public => identity.confirm,
    GET "/autentificare" SignedOut => identity.sign_in_form,
    POST "/autentificare" SignedOut => identity.sign_in,
    // An operator's second factor, after the right password (a ticket in a cookie).
    GET "/autentificare/cod" Public => identity.second_factor_form,
    POST "/autentificare/cod" Public => identity.second_factor,
    // What the citizen declared, as certificates print it; corrected until validation.
    GET "/cont/date" Citizen => account.declared_page,
    POST "/cont/date" Citizen => account.change_declared,
    GET "/cont/parola" Authenticated => identity.change_password_form,
    POST "/cont/parola" Authenticated => identity.change_password,
    GET "/parola/uitata" Public => identity.forgot_form,
    POST "/parola/uitata" Public => identity.forgot,
    // The e-mailed reset link opens this (its secret moves into a cookie at once).
    GET "/parola/noua" Public => identity.reset_form,
    POST "/parola/noua" Public => identity.reset,
    POST "/iesire" Authenticated => identity.sign_out,
    GET "/cont" Citizen => account.account_home,
    GET "/cereri/noua" Citizen => requests.request_page,
    POST "/cereri/noua" Citizen => requests.submit,
    GET "/cereri/{request_id}" Citizen => requests.request_status,
    GET "/certificate" Citizen => certificates.list,
    GET "/certificate/{certificate_number}/pdf" Citizen => certificates.pdf,
    GET "/certificate/{certificate_number}/verificari" Citizen => certificates.checks,
    GET "/certificate/{certificate_number}/mentiuni" Citizen => certificates.contents,
    GET "/certificate/{certificate_number}/coduri" Citizen => shares.share_codes_page,
    POST "/certificate/{certificate_number}/coduri" Citizen => shares.create_share,
    POST "/certificate/{certificate_number}/coduri/{share_id}/revocare" Citizen => shares.revoke_share,
    // The holder's consents: organisations' requests, answered and withdrawn here.
    GET "/consimtaminte" Citizen => consents.list,
    GET "/consimtaminte/cod" Citizen => consents.desk_code_form,
    POST "/consimtaminte/cod" Citizen => consents.open_desk_code,
    GET "/consimtaminte/{consent_id}" Citizen => consents.consent,
    POST "/consimtaminte/{consent_id}" Citizen => consents.answer,
    // The page every QR code opens: public, each check a POST (no CNP in a URL).
    GET "/verificare" Public => verify.verify_page,
    POST "/verificare" Public => verify.verify_number,
    POST "/verificare/document" Public => verify.verify_document,
    POST "/verificare/declaratie" Public => verify.verify_statement,
    // A third party with a share code: public, the code in the form body only.
    GET "/cod" Public => shares.share_form,
    POST "/cod" Public => shares.send_share,
    GET "/cod/rezultat" Public => shares.share_result,
    POST "/cod/pdf" Public => shares.shared_pdf,
    POST "/certificate/{certificate_number}/portofel" Citizen => wallet.wallet_offer,
    GET "/certificate/{certificate_number}/portofel" Citizen => wallet.wallet_offer_page,
    // Who may ask a holder's wallet, and what to do without registration.
    GET "/verificare/portofel" Public => wallet.ask_wallet_form,
    POST "/cont/ghiseul" Citizen => identity.ghiseul_start,
    // ghiseul.ro posts the assertion back from its own site: no session cookie comes with it;
    // the signed assertion (whose nonce is the single-use state) and the browser's binding
    // cookie (SameSite=None) are what it is checked by, and it changes nothing by itself.
    POST "/cont/ghiseul/raspuns" Provider => identity.ghiseul_return,
    POST "/cont/roeid" Citizen => identity.roeid_start,
    // What ghiseul.ro or ROeID proved, confirmed by the holder in the browser that started.
    GET "/cont/validare" Citizen => identity.proven_page,
    POST "/cont/validare" Citizen => identity.proven_decision,
    // The provider redirects the browser back (a top-level GET, so the Lax session cookie comes
    // with it); the state must be the one this session started.
    GET "/cont/roeid/raspuns" Citizen => identity.roeid_return,
    GET "/ghiseu" Operator => counter.console,
    POST "/ghiseu" Operator => counter.lookup,
    GET "/ghiseu/cont/{account_id}" Operator => counter.registered,
    POST "/ghiseu/cont/{account_id}" Operator => counter.validate,
    // An organisation's staff: its consents, a request, and the extract under one.
    GET "/organizatie" Staff => organisation.home,
    GET "/organizatie/cerere" Staff => organisation.ask_form,
    POST "/organizatie/cerere" Staff => organisation.ask,
    GET "/organizatie/consimtaminte/{consent_id}" Staff => organisation.consent,
    POST "/organizatie/consimtaminte/{consent_id}/extras" Staff => organisation.pull,
    POST "/organizatie/consimtaminte/{consent_id}/cod" Staff => organisation.new_desk_code,
}

#[cfg(test)]
mod tests {
    use super::*;
    use cazier_shared::domain::{CertificateNumber, Page};
    use std::collections::BTreeSet;

    /// One of each page. The match has no wildcard: a new page does not compile until it is
    /// listed here, and then the test below wants its route.
    fn every_page() -> Vec<Page> {
        let n = CertificateNumber::new(2026, 1);
        let pages = vec![
            Page::Home,
            Page::Help,
            Page::Privacy,
            Page::Cookies,
            Page::Accessibility,
            Page::Register,
            Page::Confirm,
            Page::SignIn,
            Page::SecondFactor,
            Page::ForgotPassword,
            Page::NewPassword,
            Page::SignOut,
            Page::Account,
            Page::Declared,
            Page::ChangePassword,
            Page::Proven,
            Page::GhiseulStart,
            Page::GhiseulReturn,
            Page::RoeidStart,
            Page::RoeidReturn,
            Page::NewRequest,
            Page::Request("r".into()),
            Page::Certificates,
            Page::CertificatePdf(n.clone()),
            Page::Checks(n.clone()),
            Page::Contents(n.clone()),
            Page::ShareCodes(n.clone()),
            Page::RevokeShare(n.clone(), "s".into()),
            Page::WalletOffer(n),
            Page::Verify,
            Page::VerifyDocument,
            Page::VerifyStatement,
            Page::UseShare,
            Page::ShareResult,
            Page::SharedPdf,
            Page::AskWallet,
            Page::Consents,
            Page::ConsentCode,
            Page::Consent("c".into()),
            Page::Console,
            Page::Registered("a".into()),
            Page::Organisation,
            Page::OrganisationAsk,
            Page::OrganisationConsent("c".into()),
            Page::OrganisationExtract("c".into()),
            Page::OrganisationDeskCode("c".into()),
        ];
        for page in &pages {
            match page {
                Page::Home | Page::Help | Page::Privacy | Page::Cookies | Page::Accessibility => {}
                Page::Register | Page::Confirm | Page::SignIn | Page::SecondFactor => {}
                Page::ForgotPassword | Page::NewPassword | Page::SignOut => {}
                Page::Account | Page::Declared | Page::ChangePassword | Page::Proven => {}
                Page::GhiseulStart | Page::GhiseulReturn | Page::RoeidStart => {}
                Page::RoeidReturn | Page::NewRequest | Page::Request(_) => {}
                Page::Certificates | Page::CertificatePdf(_) | Page::Checks(_) => {}
                Page::Contents(_) | Page::ShareCodes(_) | Page::RevokeShare(..) => {}
                Page::WalletOffer(_) | Page::Verify | Page::VerifyDocument => {}
                Page::VerifyStatement | Page::UseShare | Page::ShareResult => {}
                Page::SharedPdf | Page::AskWallet => {}
                Page::Consents | Page::ConsentCode | Page::Consent(_) => {}
                Page::Console | Page::Registered(_) => {}
                Page::Organisation | Page::OrganisationAsk | Page::OrganisationConsent(_) => {}
                Page::OrganisationExtract(_) | Page::OrganisationDeskCode(_) => {}
            }
        }
        pages
    }

    #[test]
    fn every_page_is_a_route_and_every_route_a_page() {
        let routed: BTreeSet<&str> = ROUTES
            .iter()
            .filter_map(|r| r.key.split_once(' '))
            .map(|(_, path)| path)
            .collect();
        let pages: BTreeSet<&str> = every_page().iter().map(Page::template).collect();
        assert_eq!(pages, routed);
    }
}
