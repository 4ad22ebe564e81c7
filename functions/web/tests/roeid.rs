//! The portal's ROeID pages in-process, against the in-memory ports and provider: the whole
//! round trip through the function, and what the citizen sees when the provider is down.

use cazier_shared::crypto::sha256_hex;
use cazier_shared::domain::{AccountStatus, Role};
use cazier_shared::ports::{AccountStore, Clock, Session, SessionStore};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::testing::Memory;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

const COOKIE: &str = "__Host-cazier=web-test-session";

fn request(route: &str, path: &str, body: &str) -> Request {
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route.into());
    let (method, _) = route.split_once(' ').unwrap_or(("GET", ""));
    lambda_http::http::Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", COOKIE)
        .header("host", "cazier.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::Text(body.into()))
        .expect("a request")
        .with_request_context(RequestContext::ApiGatewayV2(context))
        .with_raw_http_path(path.split('?').next().unwrap_or(path))
}

fn text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(t) => t.clone(),
        _ => String::new(),
    }
}

/// A pending citizen signed in (session made directly); their CNP.
async fn signed_in(memory: &Memory) -> (String, cazier_shared::domain::AccountId) {
    let cnp = "2850101400019";
    let mut account = cazier_shared::testing::sample_citizen(cnp);
    account.status = AccountStatus::PendingValidation;
    memory.accounts.create(&account).await.expect("stored");
    memory
        .sessions
        .put(&Session {
            token_hash: sha256_hex(b"web-test-session"),
            account_id: account.account_id.clone(),
            role: Role::Citizen,
            expires_at: memory.clock.now() + chrono::Duration::hours(1),
        })
        .await
        .expect("session");
    (cnp.to_owned(), account.account_id)
}

/// Starts from the account page's form; where the browser is sent.
async fn start(web: &cazier_web::WebFunction) -> String {
    let page = text(&web.handle(request("GET /cont", "/cont", "")).await);
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    let csrf = page[at..].split('"').next().unwrap_or_default();
    let started = web
        .handle(request(
            "POST /cont/roeid",
            "/cont/roeid",
            &format!("csrf={csrf}"),
        ))
        .await;
    assert_eq!(started.status(), 303);
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
async fn a_round_trip_through_the_function_validates_the_account() {
    let memory = Memory::new(chrono::Utc::now()).await;
    let web = cazier_web::function(&memory).expect("wired");
    let (cnp, id) = signed_in(&memory).await;
    let to = start(&web).await;
    assert!(to.contains("redirect_uri=https%3A%2F%2Fcazier.test%2Fcont%2Froeid%2Fraspuns"));
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    let path = back(&callback);
    let done = web
        .handle(request("GET /cont/roeid/raspuns", &path, ""))
        .await;
    assert_eq!(done.status(), 200, "{}", text(&done));
    assert!(text(&done).contains("ROeID"));
    let account = memory.accounts.get(&id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Validated);
}

#[tokio::test]
async fn a_provider_outage_is_a_503_to_retry_and_validates_nothing() {
    let memory = Memory::new(chrono::Utc::now()).await;
    let web = cazier_web::function(&memory).expect("wired");
    let (cnp, id) = signed_in(&memory).await;
    let to = start(&web).await;
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    memory.provider.set_failing(true);
    let down = web
        .handle(request("GET /cont/roeid/raspuns", &back(&callback), ""))
        .await;
    assert_eq!(down.status(), 503);
    assert!(down.headers().contains_key("retry-after"));
    let account = memory.accounts.get(&id).await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
    // The provider is back: a new attempt from the account page works.
    memory.provider.set_failing(false);
    let to = start(&web).await;
    let callback = memory
        .provider
        .sign_in(&to, &cnp, memory.clock.now(), |_| {});
    let done = web
        .handle(request("GET /cont/roeid/raspuns", &back(&callback), ""))
        .await;
    assert_eq!(done.status(), 200);
}
