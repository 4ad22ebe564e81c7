//! The HTTP edge: each operation error's one mapping to a problem answer, strict JSON bodies,
//! and route tables applied before any body is read.

use cazier_edge::http::{json_response, parse_json, ApiError, Citizen, Operator};
use cazier_edge::runtime::{Answer, ApiFunction, HttpFunction};
use cazier_shared::domain::{AccountId, FieldCode, Role, SessionChannel};
use cazier_shared::services::accounts::{ConfirmError, LoginDto, LoginError, RegisterError};
use cazier_shared::services::ghiseul::GhiseulError;
use cazier_shared::services::passwords::ResetError;
use cazier_shared::services::requests::SubmitError;
use cazier_shared::services::validation::CounterValidationError;
use cazier_shared::services::verification::DocumentVerifyError;
use cazier_shared::services::Unavailable;
use cazier_shared::testing::Memory;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

fn request(route: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route.into());
    let mut builder = lambda_http::http::Request::builder();
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let body = if body.is_empty() {
        Body::Empty
    } else {
        Body::Text(body.into())
    };
    builder
        .body(body)
        .expect("a request")
        .with_request_context(RequestContext::ApiGatewayV2(context))
}

fn problem(response: Response<Body>) -> (u16, Value, Option<String>) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let Body::Text(text) = response.body() else {
        panic!("a JSON body")
    };
    (status, serde_json::from_str(text).unwrap(), retry)
}

#[test]
fn operation_errors_map_to_the_contracts_status_and_code() {
    let cases: Vec<(ApiError, u16, &str)> = vec![
        (ConfirmError::AccountExists.into(), 409, "ACCOUNT_EXISTS"),
        (ConfirmError::InvalidCode.into(), 422, "INVALID_CODE"),
        (
            RegisterError::Throttled {
                retry_after_secs: 60,
            }
            .into(),
            429,
            "TOO_MANY_REQUESTS",
        ),
        (
            LoginError::SecondFactorRequired { ticket: "t".into() }.into(),
            401,
            "TOTP_REQUIRED",
        ),
        (LoginError::Disabled.into(), 403, "ACCOUNT_DISABLED"),
        (GhiseulError::NameMismatch.into(), 422, "NAME_MISMATCH"),
        (
            GhiseulError::CnpAlreadyValidated.into(),
            409,
            "CNP_ALREADY_VALIDATED",
        ),
        (
            CounterValidationError::NotLookedUp.into(),
            403,
            "LOOKUP_REQUIRED",
        ),
        (ResetError::InvalidLink.into(), 422, "INVALID_RESET_LINK"),
        (
            LoginError::InvalidCredentials.into(),
            401,
            "INVALID_CREDENTIALS",
        ),
        (
            SubmitError::NotValidated.into(),
            403,
            "ACCOUNT_NOT_VALIDATED",
        ),
        (
            SubmitError::BadIdempotencyKey.into(),
            400,
            "MALFORMED_REQUEST",
        ),
        (DocumentVerifyError::NotAPdf.into(), 400, "NOT_A_PDF"),
        (
            DocumentVerifyError::TooLarge { limit: 5 }.into(),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            DocumentVerifyError::NotDeclaredPdf.into(),
            400,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ];
    for (error, status, code) in cases {
        let (got, body, _) = problem(error.into_response());
        assert_eq!((got, body["code"].as_str().unwrap()), (status, code));
        assert_eq!(body["status"], status);
        assert!(body["title"].is_string() && body["detail"].is_string());
    }
}

#[test]
fn a_daily_limit_names_the_earlier_request() {
    let earlier = cazier_shared::domain::RequestId::random();
    let (status, body, _) = problem(
        ApiError::from(SubmitError::DailyLimit {
            earlier: earlier.clone(),
        })
        .into_response(),
    );
    assert_eq!(status, 409);
    assert_eq!(body["request_id"], earlier.as_str());
}

#[test]
fn throttling_and_outages_say_when_to_come_back_and_nothing_else() {
    let (status, _, retry) = problem(
        ApiError::from(LoginError::Throttled {
            retry_after_secs: 42,
        })
        .into_response(),
    );
    assert_eq!((status, retry.as_deref()), (429, Some("42")));
    let outage = Unavailable::Internal("dynamodb.eu-central-1: table cazier-prod-Accounts".into());
    let (status, body, retry) = problem(ApiError::from(outage).into_response());
    assert_eq!(status, 503);
    assert!(retry.is_some(), "a 503 carries Retry-After");
    assert!(
        !body.to_string().contains("cazier-prod"),
        "no internals leak"
    );
}

#[test]
fn invalid_fields_are_all_listed() {
    let errors = vec![
        cazier_shared::domain::FieldError::new("cnp", FieldCode::InvalidCnp, "bad"),
        cazier_shared::domain::FieldError::new("email", FieldCode::InvalidEmail, "bad"),
    ];
    let (status, body, _) = problem(ApiError::from(RegisterError::Invalid(errors)).into_response());
    assert_eq!(status, 422);
    assert_eq!(body["code"], "INVALID_CNP");
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn bodies_are_parsed_strictly() {
    let json = [("content-type", "application/json")];
    let ok = request("POST /x", &json, r#"{"email":"a@b.ro","password":"p"}"#);
    assert!(parse_json::<LoginDto>(&ok, false).is_ok());
    for (headers, body, status) in [
        (&json[..], r#"{"email":"a@b.ro"}"#, 400),
        (
            &json[..],
            r#"{"email":"a","password":"p","admin":true}"#,
            400,
        ),
        (&json[..], "{not json", 400),
        // A field sent twice (the attack on issue 24's build had the last one kept).
        (
            &json[..],
            r#"{"email":"x","email":"a@b.ro","password":"p"}"#,
            400,
        ),
        (
            &[("content-type", "text/plain")][..],
            r#"{"email":"a","password":"p"}"#,
            400,
        ),
    ] {
        let Err(e) = parse_json::<LoginDto>(&request("POST /x", headers, body), false) else {
            panic!("{body} was accepted");
        };
        assert_eq!(e.into_response().status().as_u16(), status, "{body}");
    }
    // An optional field may be left out, not sent as null (the schema says string).
    let with_null = r#"{"purpose":"STUDII","subject":null}"#;
    let req = request("POST /x", &json, with_null);
    let Err(e) = parse_json::<cazier_shared::services::requests::SubmitDto>(&req, false) else {
        panic!("null was taken for an absent subject");
    };
    assert_eq!(e.into_response().status().as_u16(), 400);
    let without = request("POST /x", &json, r#"{"purpose":"STUDII"}"#);
    assert!(parse_json::<cazier_shared::services::requests::SubmitDto>(&without, false).is_ok());
    for not_an_object in ["[]", "\"text\"", "null"] {
        let req = request("POST /x", &json, not_an_object);
        assert!(parse_json::<cazier_shared::services::ghiseul::StartDto>(&req, true).is_err());
    }
    let huge = format!(
        r#"{{"email":"{}","password":"p"}}"#,
        "a".repeat(1024 * 1024)
    );
    let Err(e) = parse_json::<LoginDto>(&request("POST /x", &json, &huge), false) else {
        panic!("a body over 1 MiB was accepted");
    };
    assert_eq!(e.into_response().status().as_u16(), 413);
}

/// A function of three routes whose handlers say who they were given.
struct Probe;

cazier_edge::api_routes!(Probe {
    GET "/open" Public => open,
    GET "/mine" Citizen => mine,
    GET "/counter" Operator => counter,
});

impl Probe {
    async fn open(&self, _req: Request) -> Answer {
        Ok(json_response(StatusCode::OK, &"anyone"))
    }

    async fn mine(&self, who: Citizen, _req: Request) -> Answer {
        Ok(json_response(StatusCode::OK, &who.account_id))
    }

    async fn counter(&self, clerk: Operator, _req: Request) -> Answer {
        Ok(json_response(StatusCode::OK, &clerk.account_id))
    }
}

#[tokio::test]
async fn routes_are_authorised_from_their_table_and_handlers_get_the_principal_by_type() {
    let memory = Memory::new(chrono::Utc::now()).await;
    let account_id = AccountId::random();
    let token = "a-session-token";
    memory
        .session_for(&account_id, Role::Citizen, token, SessionChannel::Api)
        .await;
    let bearer = format!("Bearer {token}");
    let function = ApiFunction::new(Probe, &memory).expect("the probe function");
    let call = |route: &str, auth: Option<&str>| {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let req = request(route, &headers, "");
        let function = &function;
        async move {
            let response = function.handle(req).await;
            let status = response.status().as_u16();
            let body = match response.body() {
                Body::Text(text) => text.clone(),
                _ => String::new(),
            };
            (status, body)
        }
    };
    assert_eq!(call("GET /open", None).await, (200, "\"anyone\"".into()));
    assert_eq!(call("GET /mine", None).await.0, 401);
    assert_eq!(call("GET /mine", Some("Bearer nope")).await.0, 401);
    let mine = call("GET /mine", Some(&bearer)).await;
    assert_eq!(mine, (200, format!("{:?}", account_id.as_str())));
    assert_eq!(call("GET /counter", Some(&bearer)).await.0, 403);
    assert_eq!(call("GET /unlisted", Some(&bearer)).await.0, 404);
    memory.clock.advance(chrono::Duration::hours(2));
    assert_eq!(call("GET /mine", Some(&bearer)).await.0, 401, "expired");
}

/// An extract comes as JSON or as a PDF, by the `Accept` header's qualities (RFC 9110):
/// the PDF when preferred or named alone, JSON by default, 406 when neither is acceptable.
#[test]
fn the_accept_header_chooses_json_or_pdf_and_refuses_neither() {
    use cazier_edge::http::{negotiate, Negotiated::*};
    for (accept, expected) in [
        ("", Some(Json)),
        ("*/*", Some(Json)),
        ("application/json", Some(Json)),
        ("application/*", Some(Json)),
        ("application/pdf", Some(Pdf)),
        ("Application/PDF; q=0.9", Some(Pdf)),
        ("text/plain, application/pdf", Some(Pdf)),
        ("application/pdf, */*", Some(Pdf)),
        ("application/pdf, application/json", Some(Json)),
        ("application/pdf;q=0.9, application/json;q=0.1", Some(Pdf)),
        ("application/pdf;q=0.1, application/json;q=0.9", Some(Json)),
        ("application/pdf;q=0, */*", Some(Json)),
        ("application/pdf;Q=0", None),
        ("application/pdf;q=0", None),
        ("application/pdf;q=NaN", None),
        ("application/pdf;q=2", None),
        ("application/pdfx", None),
        ("text/html", None),
        ("garbage;;;=", None),
    ] {
        assert_eq!(negotiate(accept), expected, "{accept:?}");
    }
    let response = ApiError::NotAcceptable("application/json or application/pdf").into_response();
    let (status, body, _) = problem(response);
    assert_eq!(
        (status, body["code"].as_str()),
        (406, Some("NOT_ACCEPTABLE"))
    );
}
