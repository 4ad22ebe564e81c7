//! The portal's wallet handlers: the holder's "add to wallet" (an OpenID4VCI offer for one of
//! their valid certificates), and an employer's request to a holder's wallet (OpenID4VP) and
//! its outcome. The employer's transaction secret travels in form bodies only.

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{cookie_up_to, Ctx, FormData};
use base64::Engine;
use cazier_shared::domain::Page;
use cazier_shared::services::presentation::PresentationService;
use cazier_shared::services::requests::RequestService;
use cazier_shared::services::wallet::WalletOffers;

/// The wallet offer this browser made (certificate, link, transaction code), until it expires.
const WALLET_OFFER_COOKIE: &str = "__Host-wallet-offer";
use crate::notices;
use crate::{Answer, Refusal};
use cazier_edge::http::{source_ip, Citizen};
use cazier_shared::services::presentation::{OutcomeError, StartError};
use cazier_shared::services::wallet::OfferError;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::Request;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// The employer's request to a wallet: who is asking.
struct AskForm {
    organisation: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// The employer's "show the result": the transaction's secret, and the request as their page
/// showed it (to scan again while it waits).
struct ResultForm {
    transaction: String,
    request: String,
}

/// What the wallet pages use.
pub(crate) struct Wallet {
    pub(crate) wallet: WalletOffers,
    pub(crate) presentations: PresentationService,
    pub(crate) requests: RequestService,
}

impl Wallet {
    /// "Add to wallet": an offer is made, kept in a cookie of this browser for as long as it
    /// works (at most ten minutes), and shown after a redirect: a reload shows the same
    /// offer, it makes no other.
    pub(crate) async fn wallet_offer(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
        _form: &FormData,
    ) -> Answer {
        let number = crate::certificate_number(req)?;
        match self.wallet.offer(&principal, &number).await {
            Ok(offer) => {
                let kept = format!(
                    "{number}\n{}\n{}",
                    offer.credential_offer_uri, offer.tx_code
                );
                let kept = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(kept);
                ctx.set_cookie(WALLET_OFFER_COOKIE, &kept, offer.expires_in.min(600), false);
                Ok(ctx.redirect(Page::WalletOffer(number)))
            }
            Err(OfferError::NotFound) => Err(Refusal::NotFound),
            Err(OfferError::NotValid(_)) => {
                let (w, t) = (ctx.lang.w(), ctx.t());
                let next = Some((Page::Certificates, t.back_to_certificates));
                let html = notices::notice(ctx, w.add_title, w.add_not_valid, next);
                Ok(ctx.page(StatusCode::CONFLICT, html))
            }
            Err(OfferError::Unavailable(e)) => Err(e.into()),
        }
    }

    /// The offer this browser just made for the certificate, while it works.
    pub(crate) async fn wallet_offer_page(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
    ) -> Answer {
        let number = crate::certificate_number(req)?;
        let kept = cookie_up_to(req, WALLET_OFFER_COOKIE, 3000)
            .and_then(|v| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(v)
                    .ok()
            })
            .and_then(|v| String::from_utf8(v).ok())
            .unwrap_or_default();
        let mut parts = kept.splitn(3, '\n');
        let (Some(made_for), Some(uri), Some(tx_code)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(ctx.redirect(Page::Certificates));
        };
        if made_for != number.as_str() {
            return Ok(ctx.redirect(Page::Certificates));
        }
        // The holder's own certificate (the contents say whether to warn about entries).
        let has_entries = self
            .requests
            .contents(&principal, &number)
            .await?
            .has_entries;
        let shown = view::ShownOffer { uri, tx_code };
        let html = view::offer(ctx, &number, &shown, has_entries);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// The employer's request: the QR code for the holder's wallet.
    pub(crate) async fn ask_wallet(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let AskForm { organisation } = form.read()?;
        match self
            .presentations
            .start(Some(&organisation), &source_ip(req))
            .await
        {
            Ok(started) => {
                let html = view::scan(ctx, &started);
                Ok(ctx.page(StatusCode::CREATED, html))
            }
            Err(StartError::Invalid(errors)) => {
                let html = view::ask_form(ctx, &organisation, &errors);
                Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
            }
            Err(StartError::Throttled { retry_after }) => {
                let t = ctx.t();
                let html = notices::notice(ctx, t.throttled_title, t.throttled, None);
                let mut response = ctx.page(StatusCode::TOO_MANY_REQUESTS, html);
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                Ok(response)
            }
            Err(StartError::Unavailable(e)) => Err(e.into()),
        }
    }

    /// What the wallet answered, for the holder of the transaction secret.
    pub(crate) async fn wallet_result(
        &self,
        ctx: &mut Ctx,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let ResultForm {
            transaction,
            request,
        } = form.read()?;
        match self.presentations.outcome(&transaction).await {
            Ok(cazier_shared::domain::PresentationOutcome::Pending) => {
                // The request as the employer's own page showed it, for scanning again.
                let request = if request.starts_with("openid4vp://?") {
                    request
                } else {
                    String::new()
                };
                let html = view::pending(ctx, &transaction, &request);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Ok(outcome) => {
                let html = view::result(ctx, &outcome);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Err(OutcomeError::NotFound) => {
                let w = ctx.lang.w();
                let next = Some((Page::AskWallet, w.another));
                let html = notices::notice(ctx, w.result_title, w.expired, next);
                Ok(ctx.page(StatusCode::NOT_FOUND, html))
            }
            Err(OutcomeError::Unavailable(e)) => Err(e.into()),
        }
    }
}

impl Wallet {
    pub(crate) async fn ask_wallet_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let html = view::ask_form(ctx, "", &[]);
        Ok(ctx.page(StatusCode::OK, html))
    }
}
