//! What every portal request carries and every answer needs: the language, the session cookie,
//! the CSRF token bound to it, and the headers of a page (strict CSP, no caching of personal
//! data, cookie flags).
//! (Over 500 lines: the request's context, its cookies, CSRF tokens and the form parser, urlencoded
//! and multipart, with their tests; the parser moves to its own module in issue 24's split of the
//! portal by feature.)

use crate::i18n::Lang;
use base64::Engine;
use cazier_edge::http::{attachment, routes};
use cazier_shared::crypto::constant_time_eq;
use cazier_shared::domain::Page;
use cazier_shared::domain::Principal;
use cazier_shared::services::accounts::{DEVICE_TTL, SESSION_TTL};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use sha2::{Digest, Sha256};

/// The session cookie: the same opaque token the API's bearer sessions use.
pub const SESSION_COOKIE: &str = "__Host-cazier";
/// Before signing in, forms are bound to this random value instead of a session.
pub const PRE_SESSION_COOKIE: &str = "__Host-csrf";
pub const LANG_COOKIE: &str = "__Host-lang";
/// Proves that this browser signed in before (see `services::accounts::DEVICE_TTL`).
pub const DEVICE_COOKIE: &str = "__Host-device";
/// The hidden form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The secret that binds an online validation to the browser that started it. `SameSite=None`:
/// ghiseul.ro posts the assertion back from its own site, and only this cookie comes along.
pub const FLOW_COOKIE: &str = "__Host-flow";
/// The address a registration's code went to (for the confirmation page), 30 minutes.
pub const REGISTRATION_COOKIE: &str = "__Host-registration";
/// The page a sign-in leads back to (a path), 15 minutes.
pub const RETURN_COOKIE: &str = "__Host-return";
/// An operator's sign-in waiting for the second factor (the ticket), 5 minutes.
pub const SECOND_FACTOR_COOKIE: &str = "__Host-second-factor";
/// A password-reset link's secret, moved out of the address bar, 30 minutes.
pub const RESET_COOKIE: &str = "__Host-reset";
/// A share code just made, for the page the creation redirects to: `<share id>.<code>`, read
/// once (post/redirect/get: a reload makes no second code and shows none).
pub const NEW_CODE_COOKIE: &str = "__Host-new-code";

/// A one-time message for the next page (a [`Flash`] code).
pub const FLASH_COOKIE: &str = "__Host-flash";

/// What the next page says about what just happened (post/redirect/get).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    AccountCreated,
    PasswordChanged,
    PasswordReset,
    ResetSent,
    Validated,
    ValidationCancelled,
    /// A page needed the session and it had ended (after an hour, or signed out elsewhere).
    SessionEnded,
    SignedOut,
    /// A form was sent with a token of an older page: shown again, fresh.
    FormExpired,
    /// The citizen corrected their declared data.
    DetailsSaved,
    /// A clerk validated a citizen's account (the console lists whom).
    CounterValidated,
    /// The holder answered or withdrew a consent.
    ConsentAccepted,
    ConsentDeclined,
    ConsentRevoked,
    ConsentRequested,
    ConsentAlreadyWaiting,
    DeskCodeReady,
    ExtractNotYet,
    ExtractUsed,
    ExtractNotGiven,
}

impl Flash {
    const ALL: [Flash; 20] = [
        Flash::AccountCreated,
        Flash::PasswordChanged,
        Flash::PasswordReset,
        Flash::ResetSent,
        Flash::Validated,
        Flash::ValidationCancelled,
        Flash::SessionEnded,
        Flash::SignedOut,
        Flash::FormExpired,
        Flash::DetailsSaved,
        Flash::CounterValidated,
        Flash::ConsentAccepted,
        Flash::ConsentDeclined,
        Flash::ConsentRevoked,
        Flash::ConsentRequested,
        Flash::ConsentAlreadyWaiting,
        Flash::DeskCodeReady,
        Flash::ExtractNotYet,
        Flash::ExtractUsed,
        Flash::ExtractNotGiven,
    ];

    fn code(self) -> &'static str {
        match self {
            Flash::AccountCreated => "account-created",
            Flash::PasswordChanged => "password-changed",
            Flash::PasswordReset => "password-reset",
            Flash::ResetSent => "reset-sent",
            Flash::Validated => "validated",
            Flash::ValidationCancelled => "validation-cancelled",
            Flash::SessionEnded => "session-ended",
            Flash::SignedOut => "signed-out",
            Flash::FormExpired => "form-expired",
            Flash::DetailsSaved => "details-saved",
            Flash::CounterValidated => "counter-validated",
            Flash::ConsentAccepted => "consent-accepted",
            Flash::ConsentDeclined => "consent-declined",
            Flash::ConsentRevoked => "consent-revoked",
            Flash::ConsentRequested => "consent-requested",
            Flash::ConsentAlreadyWaiting => "consent-already-waiting",
            Flash::DeskCodeReady => "desk-code-ready",
            Flash::ExtractNotYet => "extract-not-yet",
            Flash::ExtractUsed => "extract-used",
            Flash::ExtractNotGiven => "extract-not-given",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// A path of this portal worth returning to: local (not `//host`), plain, not the sign-in.
fn is_local_page(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 200
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
        && !path.starts_with(Page::SignIn.template())
        && path != Page::RoeidReturn.template()
        && path != Page::GhiseulReturn.template()
        && path != Page::Home.template()
}

/// The value of one cookie of the request.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    cookie_up_to(req, name, 256)
}

/// The value of one cookie that holds more (a wallet offer's link), at most `max` bytes.
pub fn cookie_up_to<'a>(req: &'a Request, name: &str, max: usize) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= max)
}

fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The CSRF token for forms bound to `secret` (a session token, or the pre-session value): an
/// attacker's page can neither read the cookie nor compute the token from anything else.
fn csrf_for(secret: &str) -> String {
    let digest = Sha256::digest(format!("cazier-csrf\n{secret}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// One portal request, as far as pages need it.
pub struct Ctx {
    pub lang: Lang,
    /// The Content-Security-Policy of this function's pages (made once per cold start).
    csp: std::sync::Arc<str>,
    /// The language was chosen with `?lang=` on this request: remember it.
    remember_lang: bool,
    /// The path of this page (for the language switch and the sign-in return).
    pub path: String,
    pub session: Option<String>,
    pub device: Option<String>,
    pub principal: Option<Principal>,
    pre_session: Option<String>,
    /// A pre-session value made for this answer (set as a cookie with it).
    new_pre_session: Option<String>,
    /// The message the previous answer left for this page, if any (shown once).
    pub flash: Option<Flash>,
    /// A share code just made (see [`NEW_CODE_COOKIE`]), as sent.
    pub new_code: Option<String>,
    /// The validation-binding, registration, second-factor and reset cookies, as sent.
    pub flow: Option<String>,
    pub registration: Option<String>,
    pub second_factor: Option<String>,
    pub reset: Option<String>,
    /// The page a sign-in should lead back to (set when a page asked for one), as sent.
    return_to: Option<String>,
    /// A page that can be shown again after signing in: a GET, or a form's POST to the path
    /// of its own page (set by the router).
    pub returnable: bool,
    /// The page shows an error summary (its title then starts with "Error:").
    pub errors_shown: std::sync::atomic::AtomicBool,
    /// What the language switch carries of this page's query besides `lang` (encoded), so
    /// that the other language shows the same thing (the verification page's number).
    pub lang_query: Option<String>,
    /// Cookies to set or clear with the answer.
    set_cookies: Vec<String>,
    /// What the policy adds for the page's inline script, if it has one.
    script_policy: Option<String>,
}

impl Ctx {
    pub fn new(req: &Request, csp: std::sync::Arc<str>) -> Self {
        // From the URI itself: the same behind API Gateway and on the local stack.
        let chosen = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "lang"))
            .and_then(|(_, v)| Lang::parse(&v));
        let lang = chosen
            .or_else(|| cookie(req, LANG_COOKIE).and_then(Lang::parse))
            .unwrap_or_else(|| {
                let accept = req
                    .headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                Lang::from_accept_language(accept)
            });
        Ctx {
            lang,
            csp,
            remember_lang: chosen.is_some(),
            path: req.raw_http_path().to_owned(),
            session: cookie(req, SESSION_COOKIE).map(str::to_owned),
            device: cookie(req, DEVICE_COOKIE).map(str::to_owned),
            principal: None,
            pre_session: cookie(req, PRE_SESSION_COOKIE).map(str::to_owned),
            new_pre_session: None,
            flash: cookie(req, FLASH_COOKIE).and_then(Flash::parse),
            new_code: cookie(req, NEW_CODE_COOKIE).map(str::to_owned),
            flow: cookie(req, FLOW_COOKIE).map(str::to_owned),
            registration: cookie(req, REGISTRATION_COOKIE).map(str::to_owned),
            second_factor: cookie(req, SECOND_FACTOR_COOKIE).map(str::to_owned),
            reset: cookie(req, RESET_COOKIE).map(str::to_owned),
            return_to: cookie(req, RETURN_COOKIE).map(str::to_owned),
            returnable: req.method() == lambda_http::http::Method::GET,
            errors_shown: std::sync::atomic::AtomicBool::new(false),
            lang_query: None,
            set_cookies: Vec::new(),
            script_policy: None,
        }
    }

    pub fn t(&self) -> &'static crate::i18n::Texts {
        self.lang.t()
    }

    /// The CSRF token for a form on this page (minting a pre-session value if needed).
    pub fn csrf(&mut self) -> String {
        if let Some(session) = self.principal.as_ref().and(self.session.as_ref()) {
            return csrf_for(session);
        }
        if let Some(pre) = self.pre_session.as_ref().or(self.new_pre_session.as_ref()) {
            return csrf_for(pre);
        }
        let pre = random_token();
        let token = csrf_for(&pre);
        self.new_pre_session = Some(pre);
        token
    }

    /// Whether a submitted form carries the token of this session (or pre-session).
    pub fn csrf_ok(&self, submitted: Option<&str>) -> bool {
        let Some(submitted) = submitted else {
            return false;
        };
        let secret = match (&self.principal, &self.session, &self.pre_session) {
            (Some(_), Some(session), _) => session,
            (None, _, Some(pre)) => pre,
            _ => return false,
        };
        constant_time_eq(csrf_for(secret).as_bytes(), submitted.as_bytes())
    }

    /// Starts a session: the cookie lives as long as the session; the device cookie, as long
    /// as the device is remembered.
    /// Opens the portal session (`token`) and remembers the device, for as long as the
    /// services keep both (`SESSION_TTL`, `DEVICE_TTL`).
    pub fn sign_in(&mut self, token: &str, device: &str) {
        let (max_age_secs, device_secs) = (SESSION_TTL.num_seconds(), DEVICE_TTL.num_seconds());
        // The cookie outlives the session by a day: a page asked for after the session ended
        // can tell "your session ended" from "you never signed in" (the token alone opens
        // nothing once the session is gone).
        let cookie_secs = max_age_secs + 86_400;
        self.set_cookies.push(format!(
            "{SESSION_COOKIE}={token}; Path=/; Max-Age={cookie_secs}; Secure; HttpOnly; SameSite=Lax"
        ));
        self.set_cookies.push(format!(
            "{DEVICE_COOKIE}={device}; Path=/; Max-Age={device_secs}; Secure; HttpOnly; SameSite=Lax"
        ));
        // The pre-session value and the registration's address have served their purpose.
        self.set_cookies.push(format!(
            "{PRE_SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
        ));
        if self.registration.is_some() {
            self.set_cookie(REGISTRATION_COOKIE, "", 0, false);
        }
    }

    /// Sets a short-lived `HttpOnly` cookie of this portal (`value` empty: removes it).
    /// `cross_site`: sent also with another site's form posts (`SameSite=None`).
    pub fn set_cookie(&mut self, name: &str, value: &str, max_age_secs: i64, cross_site: bool) {
        let same_site = if cross_site { "None" } else { "Lax" };
        let max_age = if value.is_empty() { 0 } else { max_age_secs };
        self.set_cookies.push(format!(
            "{name}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite={same_site}"
        ));
    }

    /// A message for the next page.
    pub fn flash_next(&mut self, flash: Flash) {
        self.set_cookie(FLASH_COOKIE, flash.code(), 120, false);
    }

    /// The message for this page, taken (it shows once).
    pub fn take_flash(&mut self) -> Option<Flash> {
        let flash = self.flash.take();
        if flash.is_some() {
            self.set_cookie(FLASH_COOKIE, "", 0, false);
        }
        flash
    }

    /// Remembers this page (a GET) for after the sign-in it is sent to.
    pub fn return_after_sign_in(&mut self) {
        if self.returnable && is_local_page(&self.path) {
            let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.path);
            self.set_cookie(RETURN_COOKIE, &value, 15 * 60, false);
        }
    }

    /// The page to go to after signing in as `role`, if one was remembered (taken once).
    pub fn take_return(&mut self, role: cazier_shared::domain::Role) -> Option<String> {
        let value = self.return_to.take()?;
        self.set_cookie(RETURN_COOKIE, "", 0, false);
        let path = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|p| is_local_page(p))?;
        // Each role's pages are its own: a page of another's is not where this sign-in leads.
        use cazier_shared::domain::Role;
        let area = if path.starts_with(Page::Console.template()) {
            Role::Operator
        } else if path.starts_with(Page::Organisation.template()) {
            Role::Staff
        } else {
            Role::Citizen
        };
        (area == role).then_some(path)
    }

    pub fn sign_out(&mut self) {
        self.set_cookies.push(format!(
            "{SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
        ));
        self.principal = None;
    }

    /// This page's address in the other language: the page itself if it can be opened again
    /// as it is, else the nearest page above it (a form's answer switches to the form; a
    /// provider's way back, whose state was single-use, to the account).
    pub fn other_lang_href(&self) -> String {
        let carried = self
            .lang_query
            .as_ref()
            .map(|q| format!("{q}&"))
            .unwrap_or_default();
        format!(
            "{}?{carried}lang={}",
            self.reopenable(),
            self.lang.other().code()
        )
    }

    fn reopenable(&self) -> String {
        let returns = [Page::RoeidReturn.template(), Page::GhiseulReturn.template()];
        if returns.contains(&self.path.as_str()) {
            return Page::Account.to_string();
        }
        let mut path = self.path.as_str();
        loop {
            if routes::allowed_methods(path).contains(&"GET") {
                return path.to_owned();
            }
            match path.rsplit_once('/') {
                Some((up, _)) if !up.is_empty() => path = up,
                _ => return Page::Home.to_string(),
            }
        }
    }

    fn finish(&mut self, mut response: Response<Body>) -> Response<Body> {
        if let Some(pre) = self.new_pre_session.take() {
            self.set_cookies.push(format!(
                "{PRE_SESSION_COOKIE}={pre}; Path=/; Max-Age=7200; Secure; HttpOnly; SameSite=Lax"
            ));
        }
        if self.remember_lang {
            self.set_cookies.push(format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax",
                self.lang.code()
            ));
        }
        let headers = response.headers_mut();
        for c in self.set_cookies.drain(..) {
            if let Ok(v) = HeaderValue::from_str(&c) {
                headers.append(header::SET_COOKIE, v);
            }
        }
        // Pages show personal data: never stored by browsers or proxies.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response
    }

    /// Allows this page's one inline script (by its hash) in its policy.
    pub fn allow_script(&mut self, script: &str) {
        self.script_policy = Some(crate::layout::script_policy(script));
    }

    /// An HTML page.
    pub fn page(&mut self, status: StatusCode, html: String) -> Response<Body> {
        let csp = match &self.script_policy {
            Some(extra) => format!("{}{extra}", self.csp),
            None => self.csp.to_string(),
        };
        let mut response = cazier_edge::http::html_response(html, &csp, "no-store");
        *response.status_mut() = status;
        self.finish(response)
    }

    /// 303 See Other: after a form, the browser fetches the next page with GET.
    /// A redirect (303) to one of the portal's pages.
    pub fn redirect(&mut self, to: Page) -> Response<Body> {
        self.redirect_to_path(&to.to_string())
    }

    /// A redirect to an identity provider's sign-in page, at the address its service built
    /// from the configured provider.
    pub fn redirect_to_provider(&mut self, url: &str) -> Response<Body> {
        self.redirect_to_path(url)
    }

    /// A redirect to a path this request brought (its own, or the one kept to return to after
    /// signing in): never a page named by anyone else.
    pub fn redirect_to_path(&mut self, to: &str) -> Response<Body> {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::SEE_OTHER;
        if let Ok(v) = HeaderValue::from_str(to) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        self.finish(response)
    }

    /// A file download.
    pub fn file(
        &mut self,
        bytes: Vec<u8>,
        content_type: &'static str,
        name: &str,
    ) -> Response<Body> {
        self.finish(attachment(bytes, content_type, name, "no-store"))
    }
}

/// The fields of a submitted form: `application/x-www-form-urlencoded` (at most 16 KiB), or
/// `multipart/form-data` with one file (the verification page's PDF; at most 8 MiB).
pub struct FormData {
    fields: Vec<(String, String)>,
    /// The file of a multipart form, if one was chosen.
    pub file: Option<Vec<u8>>,
}

pub const MAX_FORM_BYTES: usize = 16 * 1024;
pub const MAX_MULTIPART_BYTES: usize = 8 * 1024 * 1024;

impl FormData {
    pub fn parse(req: &Request) -> Option<Self> {
        let bytes = cazier_edge::http::body_bytes(req);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Some(boundary) = multipart_boundary(content_type) {
            if bytes.len() > MAX_MULTIPART_BYTES {
                return None;
            }
            return parse_multipart(bytes, boundary.as_bytes());
        }
        // What an HTML form sends, and nothing else: a `text/plain` post (which any site may
        // make without asking) is no form of ours, whatever it holds.
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
            || bytes.len() > MAX_FORM_BYTES
        {
            return None;
        }
        let fields = serde_urlencoded::from_bytes(bytes).ok()?;
        Some(FormData { fields, file: None })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field's value, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").to_owned()
    }

    /// The form as its typed struct (`#[serde(default)]` fields: what a browser leaves out is
    /// empty). Fields the struct does not name (the CSRF token) are ignored; a field sent
    /// twice is no form of ours.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::Refusal> {
        let encoded =
            serde_urlencoded::to_string(&self.fields).map_err(|_| crate::Refusal::BadForm)?;
        serde_urlencoded::from_str(&encoded).map_err(|_| crate::Refusal::BadForm)
    }
}

/// The boundary of a `multipart/form-data` content type (RFC 7578), if it is one.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    let essence = parts.next()?.trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// The parts of a multipart body: text fields, and at most one file (the part with a
/// `filename`). Anything malformed: `None`.
fn parse_multipart(body: &[u8], boundary: &[u8]) -> Option<FormData> {
    let delimiter = [b"--", boundary].concat();
    let mut form = FormData {
        fields: Vec::new(),
        file: None,
    };
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body.get(at..at + 2)? == b"--" {
            return Some(form);
        }
        if body.get(at..at + 2)? != b"\r\n" {
            return None;
        }
        let headers_end = find(body, b"\r\n\r\n", at + 2)?;
        let headers = std::str::from_utf8(&body[at + 2..headers_end]).ok()?;
        let content_start = headers_end + 4;
        let next = find(
            body,
            &[b"\r\n", delimiter.as_slice()].concat(),
            content_start,
        )?;
        let content = &body[content_start..next];
        let disposition = headers
            .split("\r\n")
            .find_map(|h| {
                h.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
            })
            .map(|(_, v)| v)?;
        let param = |name: &str| {
            disposition.split(';').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        let name = param("name")?;
        if param("filename").is_some() {
            if form.file.is_some() {
                return None;
            }
            // An empty file input sends an empty part: no file chosen.
            form.file = (!content.is_empty()).then(|| content.to_vec());
        } else {
            let value = String::from_utf8(content.to_vec()).ok()?;
            if form.fields.len() >= 16 || value.len() > MAX_FORM_BYTES {
                return None;
            }
            form.fields.push((name, value));
        }
        at = next + 2 + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn switch_on(path: &str) -> String {
        let req = lambda_http::http::Request::builder()
            .uri(path)
            .body(Body::Empty)
            .expect("a request")
            .with_raw_http_path(path);
        Ctx::new(&req, "default-src 'none'".into()).other_lang_href()
    }

    #[test]
    fn the_language_switch_opens_a_page_that_can_be_opened_again() {
        // A page switches to itself; a form's answer (a POST) to its form, not to a 405.
        assert_eq!(switch_on("/cont/date"), "/cont/date?lang=en");
        assert_eq!(switch_on("/cereri/r-1"), "/cereri/r-1?lang=en");
        assert_eq!(switch_on("/verificare/document"), "/verificare?lang=en");
        assert_eq!(switch_on("/verificare/declaratie"), "/verificare?lang=en");
        assert_eq!(
            switch_on("/verificare/portofel/rezultat"),
            "/verificare/portofel?lang=en"
        );
        assert_eq!(switch_on("/cod/pdf"), "/cod?lang=en");
        // A provider's way back carried a single-use state: the account instead.
        assert_eq!(switch_on("/cont/roeid/raspuns"), "/cont?lang=en");
        assert_eq!(switch_on("/cont/ghiseul/raspuns"), "/cont?lang=en");
        assert_eq!(switch_on("/iesire"), "/?lang=en");
    }

    #[test]
    fn a_multipart_form_gives_its_fields_and_its_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n\
Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--X\r\n--XyZ--\r\n";
        let form = parse_multipart(body, b"XyZ").expect("parses");
        assert_eq!(form.get("csrf"), Some("token"));
        assert_eq!(form.file.as_deref(), Some(&b"%PDF-1.7\r\n--X"[..]));
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        // Cut short, or a second file: refused.
        assert!(parse_multipart(&body[..body.len() - 12], b"XyZ").is_none());
        assert!(multipart_boundary("application/x-www-form-urlencoded").is_none());
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_secret() {
        assert_eq!(csrf_for("a"), csrf_for("a"));
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert!(!csrf_for("a").contains('='));
    }
}
