//! The portal's ROeID pages in-process, against the in-memory ports and provider: the whole
//! round trip through the function (start, the provider's redirect back to the browser that
//! started, the holder's confirmation), the same redirect in another browser, and what the
//! citizen sees when the provider is down.

use cazier_edge::runtime::HttpFunction;
use cazier_shared::crypto::sha256_hex;
use cazier_shared::domain::{AccountStatus, Role, SessionChannel};
use cazier_shared::ports::{AccountStore, Clock, Session, SessionStore};
use cazier_shared::testing::Memory;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::collections::BTreeMap;

/// A browser: the cookies the portal set, sent back with every request.
#[derive(Default, Clone)]
struct Browser(BTreeMap<String, String>);

impl Browser {
    fn signed_in(token: &str) -> Self {
        let mut b = Browser::default();
        b.0.insert("__Host-cazier".into(), token.into());
        b
    }

    fn request(&self, route: &str, path: &str, body: &str) -> Request {
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.route_key = Some(route.into());
        let (method, _) = route.split_once(' ').unwrap_or(("GET", ""));
        let cookies: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lambda_http::http::Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", cookies.join("; "))
            .header("host", "cazier.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::Text(body.into()))
            .expect("a request")
            .with_request_context(RequestContext::ApiGatewayV2(context))
            .with_raw_http_path(path.split('?').next().unwrap_or(path))
    }

    /// Sends a request and keeps the cookies the answer sets.
    async fn send(
        &mut self,
        web: &cazier_web::WebFunction,
        route: &str,
        path: &str,
        body: &str,
    ) -> Response<Body> {
        let response = web.handle(self.request(route, path, body)).await;
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap_or_default();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || set.contains("Max-Age=0") {
                    self.0.remove(name);
                } else {
                    self.0.insert(name.into(), value.into());
                }
            }
        }
        response
    }
}

fn text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(t) => t.clone(),
        _ => String::new(),
    }
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

/// A pending citizen signed in (session made directly); their CNP, id and browser.
async fn signed_in(memory: &Memory) -> (String, cazier_shared::domain::AccountId, Browser) {
    let cnp = "2850101400019";
    let mut account = cazier_shared::testing::sample_citizen(cnp);
    account.status = AccountStatus::PendingValidation;
    memory
        .accounts
        .create(&account, chrono::Utc::now())
        .await
        .expect("stored");
    memory
        .sessions
        .put(&Session {
            token_hash: sha256_hex(b"web-test-session"),
            account_id: account.account_id.clone(),
            role: Role::Citizen,
            expires_at: memory.clock.now() + chrono::Duration::hours(1),
            channel: SessionChannel::Portal,
        })
        .await
        .expect("session");
    (
        cnp.to_owned(),
        account.account_id,
        Browser::signed_in("web-test-session"),
    )
}

/// Starts from the account page's form; where the browser is sent.
async fn start(web: &cazier_web::WebFunction, browser: &mut Browser) -> String {
    let page = text(&browser.send(web, "GET /cont", "/cont", "").await);
    let csrf = csrf_of(&page);
    let started = browser
        .send(
            web,
            "POST /cont/roeid",
            "/cont/roeid",
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(started.status(), 303);
    assert!(
        browser.0.contains_key("__Host-flow"),
        "the browser is bound"
    );
    started.headers()["location"].to_str().unwrap().to_owned()
}

fn back(callback: &cazier_shared::services::roeid::Callback) -> String {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    format!(
        "/cont/roeid/raspuns?code={}&state={}&iss={}",
        v(&callback.code),
        v(&callback.state),
        cazier_shared::identity::query_value(&v(&callback.iss))
    )
}

#[tokio::test]
async fn a_round_trip_through_the_function_validates_the_account_once_confirmed() {
    let memory = Memory::new(chrono::Utc::now()).await;
    let web = cazier_web::function(&memory).expect("wired");
    let (cnp, id, mut browser) = signed_in(&memory).await;
    let to = start(&web, &mut browser).await;
    assert!(to.contains("redirect_uri=https%3A%2F%2Fcazier.test%2Fcont%2Froeid%2Fraspuns"));
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    let path = back(&callback);
    let returned = browser
        .send(&web, "GET /cont/roeid/raspuns", &path, "")
        .await;
    assert_eq!(returned.status(), 303, "{}", text(&returned));
    assert_eq!(returned.headers()["location"], "/cont/validare");
    // Nothing changed yet: the holder sees whose account and which name, then confirms.
    let account = memory.accounts.get(&id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
    let page = text(
        &browser
            .send(&web, "GET /cont/validare", "/cont/validare", "")
            .await,
    );
    assert!(page.contains("ȘTEFĂNESCU ANA MARIA"), "{page}");
    assert!(
        page.contains("***@example.ro"),
        "the masked address: {page}"
    );
    let csrf = csrf_of(&page);
    let done = browser
        .send(
            &web,
            "POST /cont/validare",
            "/cont/validare",
            &format!("csrf={csrf}&decision=confirm"),
        )
        .await;
    assert_eq!(done.status(), 303, "{}", text(&done));
    let account = memory.accounts.get(&id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Validated);
    // The register's spelling is the one the certificates will carry.
    assert_eq!(account.person.unwrap().full_name(), "ȘTEFĂNESCU ANA MARIA");
}

#[tokio::test]
async fn the_redirect_in_a_browser_that_did_not_start_it_validates_nothing() {
    let memory = Memory::new(chrono::Utc::now()).await;
    let web = cazier_web::function(&memory).expect("wired");
    let (cnp, id, mut browser) = signed_in(&memory).await;
    let to = start(&web, &mut browser).await;
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    // The same session's cookie, but not the binding: another browser.
    let mut other = Browser::signed_in("web-test-session");
    let page = other
        .send(&web, "GET /cont/roeid/raspuns", &back(&callback), "")
        .await;
    assert_eq!(page.status(), 422, "{}", text(&page));
    let account = memory.accounts.get(&id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
    // Nothing waits for confirmation in the right browser either: the state was spent.
    let nothing = browser
        .send(&web, "GET /cont/validare", "/cont/validare", "")
        .await;
    assert!(!text(&nothing).contains("decision"));
}

#[tokio::test]
async fn a_provider_outage_is_a_503_to_retry_and_validates_nothing() {
    let memory = Memory::new(chrono::Utc::now()).await;
    let web = cazier_web::function(&memory).expect("wired");
    let (cnp, id, mut browser) = signed_in(&memory).await;
    let to = start(&web, &mut browser).await;
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    memory.provider.set_failing(true);
    let down = browser
        .send(&web, "GET /cont/roeid/raspuns", &back(&callback), "")
        .await;
    assert_eq!(down.status(), 503);
    assert!(down.headers().contains_key("retry-after"));
    let account = memory.accounts.get(&id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
    // The provider is back: a new attempt from the account page works.
    memory.provider.set_failing(false);
    let to = start(&web, &mut browser).await;
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    let done = browser
        .send(&web, "GET /cont/roeid/raspuns", &back(&callback), "")
        .await;
    assert_eq!(done.status(), 303);
}
