//! The portal's wallet handlers: the holder's "add to wallet" (an OpenID4VCI offer for one of
//! their valid certificates), and the page that tells an employer who may ask a holder's
//! wallet (registered organisations, from their systems: `POST /v1/presentation-requests`)
//! and what to do without registration.

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{cookie_up_to, Ctx, FormData};
use base64::Engine;
use cazier_shared::domain::Page;
use cazier_shared::services::requests::RequestService;
use cazier_shared::services::wallet::WalletOffers;

/// The wallet offer this browser made (certificate, link, transaction code), until it expires.
const WALLET_OFFER_COOKIE: &str = "__Host-wallet-offer";
use crate::notices;
use crate::{Answer, Refusal};
use cazier_edge::http::Citizen;
use cazier_shared::services::wallet::OfferError;
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What the wallet pages use.
pub(crate) struct Wallet {
    pub(crate) wallet: WalletOffers,
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
                // The code's hash, to tell on reload whether a wallet took the offer.
                let code = &offer.credential_offer.grants.pre_authorized_code.code;
                let kept = format!(
                    "{number}\n{}\n{}\n{}",
                    offer.credential_offer_uri,
                    offer.tx_code,
                    cazier_shared::crypto::sha256_hex(code.as_bytes())
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
        let mut parts = kept.splitn(4, '\n');
        let (Some(made_for), Some(uri), Some(tx_code), Some(code_hash)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(ctx.redirect(Page::Certificates));
        };
        if made_for != number.as_str() {
            return Ok(ctx.redirect(Page::Certificates));
        }
        // Taken by a wallet, burnt by a wrong transaction code, or expired: not shown again.
        if !self.wallet.offer_open(code_hash).await? {
            let w = ctx.lang.w();
            let next = Some((Page::Certificates, ctx.t().back_to_certificates));
            let html = notices::notice(ctx, w.offer_used_title, w.offer_used, next);
            return Ok(ctx.page(StatusCode::OK, html));
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
}

impl Wallet {
    pub(crate) async fn ask_wallet_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let html = view::who_may_ask(ctx);
        Ok(ctx.page(StatusCode::OK, html))
    }
}
