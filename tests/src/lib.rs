//! Test harness: a moto server, an SMTP sink, the ROeID stand-in (oidc-provider) and a local
//! stack per test binary, on free ports, a small HTTP client for the public contract, and the
//! helpers the end-to-end tests share.
//! (Over 1,000 lines, on purpose: the one harness every end-to-end binary links. Splitting it
//! into modules, the stack, the clients and the fixtures, is proposed work.)

use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub mod burst;
pub mod forgery;
pub mod meter;
pub mod portal;
pub mod procfs;
pub mod wallets;

use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::vars;
use cazier_shared::ports::{AccountStore, AuditLog, CertificateStore, Clock, RequestStore};
use cazier_shared::wiring::{PortSource, RecordsTable, ServiceGraphs, SessionsTable};

pub const OPERATOR_EMAIL: &str = "operator@cazier.test";
pub const OPERATOR_PASSWORD: &str = "operator-test-password";
pub const OPERATOR_UNIT: &str = "Secția 1 Poliție București";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The development identity issuer committed in `infra/local/` (never deployed).
pub fn dev_issuers() -> String {
    std::fs::read_to_string(workspace_root().join("infra/local/dev-issuers.json"))
        .expect("infra/local/dev-issuers.json")
}

pub fn dev_issuer_key() -> String {
    std::fs::read_to_string(workspace_root().join("infra/local/ghiseul-dev-key.pem"))
        .expect("infra/local/ghiseul-dev-key.pem")
}

/// The template's default `VerificationPageUrl`.
const TEMPLATE_VERIFICATION_PAGE: &str = "https://cazier.example.ro/verificare";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// A helper server (a Python tool of `.venv`) that lives as long as the test process: it runs
/// under a small shell that kills it when our end of its standard input closes, which happens
/// when the process exits.
struct Helper {
    _child: Child,
    _lifeline: ChildStdin,
}

impl Helper {
    /// Runs `.venv/bin/python <args…>` (`{port}` replaced by a free port) until it listens.
    fn start(name: &str, args: &[&str], log: &Path) -> (Helper, u16) {
        let python = workspace_root().join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `make venv` (or `make test`) first",
            python.display()
        );
        Self::run(name, &python, args, log)
    }

    /// Runs `program <args…>` (`{port}` replaced by a free port) until it listens.
    fn run(name: &str, program: &Path, args: &[&str], log: &Path) -> (Helper, u16) {
        Self::run_on(name, program, args, log, free_port())
    }

    /// The same on `port`.
    fn run_on(name: &str, program: &Path, args: &[&str], log: &Path, port: u16) -> (Helper, u16) {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{port}", &port.to_string()))
            .collect();
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(r#"log="$1"; shift; "$0" "$@" >"$log" 2>&1 & m=$!; read -r _; kill $m; wait $m"#)
            .arg(program)
            .arg(log)
            .args(&args)
            .current_dir(workspace_root())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        let lifeline = child.stdin.take().expect("the helper's stdin");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{name} did not start: see {}",
                log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let helper = Helper {
            _child: child,
            _lifeline: lifeline,
        };
        (helper, port)
    }
}

/// An organisation's webhook receiver (`tests/interop/webhook_receiver.py`: joserfc and
/// cryptography from PyPI) on `port`, for the organisation `cui`, trusting `trust_pem`; what
/// it accepted and refused, a JSON line each, in `log`.
pub struct WebhookReceiver {
    pub log: PathBuf,
    _helper: Helper,
}

impl WebhookReceiver {
    pub fn start(port: u16, trust_pem: &str, cui: &str, issuer: &str) -> WebhookReceiver {
        let dir = std::env::temp_dir().join(format!("cazier-hook-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("receiver dir");
        let trust = dir.join("trust.pem");
        std::fs::write(&trust, trust_pem).expect("trust file");
        let log = dir.join("received.jsonl");
        let script = workspace_root().join("tests/interop/webhook_receiver.py");
        let python = workspace_root().join(".venv/bin/python");
        let (helper, _) = Helper::run_on(
            "the webhook receiver",
            &python,
            &[
                &script.to_string_lossy(),
                &port.to_string(),
                &trust.to_string_lossy(),
                cui,
                issuer,
                &log.to_string_lossy(),
            ],
            &dir.join("receiver.log"),
            port,
        );
        WebhookReceiver {
            log,
            _helper: helper,
        }
    }

    /// What it logged so far, a JSON value per notice.
    pub fn lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

/// moto (local DynamoDB, S3, KMS), with DynamoDB calls serialised: see
/// infra/local/moto_server.py.
pub struct Moto {
    pub endpoint: String,
    _helper: Helper,
}

impl Moto {
    /// Makes the next calls matching each rule fail as AWS fails them (infra/local/
    /// moto_server.py, `_FaultInjector`): e.g. `{"service": "kms", "action": "Sign", "error":
    /// "ThrottlingException", "count": 3}`. Returns the rules with the calls each has left.
    pub fn inject(&self, rules: Value) -> Value {
        self.control("POST", "/_cazier/faults", Some(rules))
    }

    /// The rules with the calls each has left.
    pub fn faults_left(&self) -> Value {
        self.control("GET", "/_cazier/faults", None)
    }

    /// Starts counting the calls made to moto afresh (see `meter`).
    pub fn start_meter(&self) {
        self.control("POST", "/_cazier/calls", None);
    }

    /// The calls made since `start_meter`.
    pub fn metered_calls(&self) -> Value {
        self.control("GET", "/_cazier/calls", None)
    }

    pub fn clear_faults(&self) {
        self.control("DELETE", "/_cazier/faults", None);
    }

    /// The test controls of infra/local/moto_server.py (faults, meter).
    fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let client = Client::new(&self.endpoint);
        let r = client.call(method, path, None, body);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
    }

    pub fn port(&self) -> u16 {
        self.endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    pub fn start(state_dir: &Path) -> Moto {
        let args = [
            "infra/local/moto_server.py",
            "-H",
            "127.0.0.1",
            "-p",
            "{port}",
        ];
        let (helper, port) = Helper::start("moto", &args, &state_dir.join("moto.log"));
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            _helper: helper,
        }
    }
}

/// The messages of a Maildir, oldest first.
fn messages_in(maildir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            Some((e.metadata().ok()?.modified().ok()?, e.path()))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
        .collect()
}

/// Each running test stack's mail sink, by the stack's address: a client of a stack finds the
/// codes that stack e-mailed.
fn maildirs() -> &'static std::sync::Mutex<HashMap<String, PathBuf>> {
    static MAILDIRS: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    MAILDIRS.get_or_init(Default::default)
}

/// The SMTP sink (aiosmtpd) the stack sends notices to: each message is a file in a Maildir.
pub struct MailSink {
    pub address: String,
    pub maildir: PathBuf,
    _helper: Helper,
}

impl MailSink {
    pub fn start(state_dir: &Path) -> MailSink {
        let maildir = state_dir.join("mail");
        let dir = maildir.to_string_lossy().into_owned();
        let args = [
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            "127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            &dir,
        ];
        let (helper, port) = Helper::start("aiosmtpd", &args, &state_dir.join("mail.log"));
        MailSink {
            address: format!("127.0.0.1:{port}"),
            maildir,
            _helper: helper,
        }
    }

    /// Every message received so far, as text, oldest first.
    pub fn messages(&self) -> Vec<String> {
        messages_in(&self.maildir)
    }

    /// The messages to `to`, waiting up to 10 s for at least `count`.
    pub fn wait_for(&self, to: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mine: Vec<String> = self
                .messages()
                .into_iter()
                .filter(|m| m.contains(&format!("To: {to}")))
                .collect();
            if mine.len() >= count || Instant::now() > deadline {
                return mine;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The timestamping authority: certomancer (PyPI) serving RFC 3161 and its CA's CRLs, as
/// configured by `infra/local/tsa/certomancer.yml` (keys made afresh at each start).
pub struct LocalTsa {
    /// Where it stamps (the `TimestampAuthorityUrl` parameter).
    pub url: String,
    /// Its certificate, then its root's (the `TimestampAuthorityCertificates` parameter).
    pub certificates_pem: String,
    /// Its root alone: what validators trust for its tokens.
    pub root_pem: String,
    _helper: Helper,
}

impl LocalTsa {
    pub fn start(state_dir: &Path) -> LocalTsa {
        let keys = state_dir.join("tsa-keys").to_string_lossy().into_owned();
        let script = workspace_root().join("infra/local/tsa/serve.sh");
        let script = script.to_string_lossy().into_owned();
        let args = [script.as_str(), "{port}", keys.as_str()];
        let (helper, port) = Helper::run(
            "certomancer",
            Path::new("bash"),
            &args,
            &state_dir.join("tsa.log"),
        );
        let origin = format!("http://127.0.0.1:{port}");
        let pem = |label: &str| {
            let out = Command::new("curl")
                .args([
                    "-fsS",
                    &format!("{origin}/_certomancer/any-cert/cazier-tsa/{label}.cert.pem"),
                ])
                .output()
                .expect("curl runs");
            assert!(out.status.success(), "the TSA's {label} certificate");
            String::from_utf8(out.stdout).expect("PEM")
        };
        let root_pem = pem("root");
        LocalTsa {
            url: format!("{origin}/cazier-tsa/tsa/tsa"),
            certificates_pem: pem("tsa") + &root_pem,
            root_pem,
            _helper: helper,
        }
    }
}

/// The ROeID / CEI stand-in: the `oidc-provider` package (npm) as configured by
/// `infra/local/oidc/server.mjs`. Its dev sign-in page takes a CNP as the login.
pub struct RoeidProvider {
    /// Where it answers, e.g. `http://localhost:41234` (its issuer identifier too).
    pub origin: String,
    _helper: Helper,
}

impl RoeidProvider {
    /// The origin `infra/local/dev-issuers.json` names (what `make up` uses); the tests run
    /// the provider on a free port and put it in its place.
    pub const DEV_ORIGIN: &'static str = "http://localhost:4010";

    pub fn start(state_dir: &Path) -> RoeidProvider {
        let server = workspace_root().join("infra/local/oidc/server.mjs");
        assert!(
            workspace_root()
                .join("infra/local/oidc/node_modules/oidc-provider")
                .exists(),
            "infra/local/oidc/node_modules is missing: run `make venv` (or `make test`) first"
        );
        let server = server.to_string_lossy().into_owned();
        let args = [server.as_str(), "--port", "{port}"];
        let (helper, port) = Helper::run(
            "oidc-provider",
            Path::new("node"),
            &args,
            &state_dir.join("roeid.log"),
        );
        RoeidProvider {
            // Its own site (localhost), not the portal's (127.0.0.1), as the real one is.
            origin: format!("http://localhost:{port}"),
            _helper: helper,
        }
    }
}

/// The functions as Lambda runs them: processes of their binaries (`target/debug`), built
/// here once per test program unless the caller built them (`make test` sets
/// `CAZIER_FUNCTIONS_BUILT`), so that a test never runs a stale function.
fn functions_as_processes() -> cazier_local::Runner {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        if std::env::var_os("CAZIER_FUNCTIONS_BUILT").is_some() {
            return;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // The profile this program was built with (target/<dir>/deps/…): the functions too.
        let profile = match cazier_local::Runner::beside_this_program() {
            Ok(cazier_local::Runner::Processes { binaries, .. }) => {
                binaries.file_name().and_then(|d| d.to_str()).map(|d| {
                    if d == "debug" {
                        "dev".to_owned()
                    } else {
                        d.to_owned()
                    }
                })
            }
            _ => None,
        }
        .unwrap_or_else(|| "dev".into());
        let status = std::process::Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--workspace",
                "--bins",
                "--profile",
                &profile,
            ])
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the functions' binaries do not build");
    });
    cazier_local::Runner::beside_this_program().expect("the functions' binaries are found")
}

pub struct TestStack {
    pub base_url: String,
    /// Where the development ghiseul.ro answers (`http://localhost:<port>`).
    pub ghiseul_origin: String,
    pub outputs: HashMap<String, String>,
    pub sdk: aws_config::SdkConfig,
    pub runtime: tokio::runtime::Runtime,
    pub moto: Moto,
    pub mail: MailSink,
    pub roeid: RoeidProvider,
    pub tsa: LocalTsa,
    pub state_dir: PathBuf,
    /// The stack's adapters and services, wired from its outputs as the admin tool does.
    pub wiring: Wiring,
    /// Kept alive: dropping it stops the server.
    _running: cazier_local::RunningStack,
}

impl TestStack {
    pub fn start(parameters: &[(&str, &str)]) -> TestStack {
        Self::start_from(&workspace_root().join("template.yaml"), parameters)
            .expect("local stack starts")
    }

    /// A stack of another template (a test's altered copy), or why it did not start.
    pub fn start_from(template: &Path, parameters: &[(&str, &str)]) -> anyhow::Result<TestStack> {
        if std::env::var_os("CAZIER_TEST_LOG").is_some() {
            cazier_shared::telemetry::init();
        }
        let state_dir = std::env::temp_dir().join(format!("cazier-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&state_dir).expect("state dir");
        let moto = Moto::start(&state_dir);
        let mail = MailSink::start(&state_dir);
        let roeid = RoeidProvider::start(&state_dir);
        let tsa = LocalTsa::start(&state_dir);
        // The stack's own address is known before it starts: the portal's address (PortalUrl,
        // on which the providers' way back is built) and any parameter naming `{base}`.
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        // The development ghiseul.ro on a free port, on its own site (localhost, not
        // 127.0.0.1), where the issuers parameter says it is.
        let ghiseul_port = free_port();
        let ghiseul_origin = format!("http://localhost:{ghiseul_port}");
        let mut parameters: Vec<(String, String)> = parameters
            .iter()
            .map(|(k, v)| {
                let v = v
                    .replace(RoeidProvider::DEV_ORIGIN, &roeid.origin)
                    .replace(cazier_local::DEV_GHISEUL_ORIGIN, &ghiseul_origin);
                (k.to_string(), v.replace("{base}", &base))
            })
            .collect();
        let wallet_provider =
            std::fs::read_to_string(workspace_root().join("infra/local/wallet-provider-dev.pem"))
                .expect("the development wallet provider's certificate");
        for (name, value) in [
            ("PortalUrl", &base),
            ("WalletProviderCertificates", &wallet_provider),
            ("TimestampAuthorityUrl", &tsa.url),
            ("TimestampAuthorityCertificates", &tsa.certificates_pem),
            ("RequireOperatorTotp", &"false".to_owned()),
        ] {
            if !parameters.iter().any(|(k, _)| k == name) {
                parameters.push((name.into(), value.clone()));
            }
        }
        let verification_page = parameters
            .iter()
            .find(|(k, _)| k == "VerificationPageUrl")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| TEMPLATE_VERIFICATION_PAGE.to_owned());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let stack = runtime.block_on(cazier_local::start(cazier_local::StackOptions {
            template: template.to_owned(),
            aws_endpoint: moto.endpoint.clone(),
            region: "eu-central-1".into(),
            stage: "test".into(),
            port,
            state_dir: state_dir.clone(),
            parameters: parameters.into_iter().collect(),
            seed_operator: Some((
                OPERATOR_EMAIL.into(),
                OPERATOR_PASSWORD.into(),
                OPERATOR_UNIT.into(),
            )),
            mail_sink: Some(mail.address.clone()),
            ghiseul_port: Some(ghiseul_port),
            runner: functions_as_processes(),
            sources: workspace_root(),
        }))?;
        let wiring = runtime
            .block_on(Wiring::from_outputs(stack.sdk.clone(), &stack.outputs))
            .expect("the stack's outputs wire")
            .with_setting(vars::ISSUING_UNIT, "test")
            .with_setting(vars::ISSUE_WITH_ENTRIES, "true")
            // As the stack's functions have it: the status lists' `sub` is built on it.
            .with_setting(vars::VERIFICATION_PAGE_URL, verification_page.clone())
            .with_setting(vars::IDENTITY_ISSUERS, "[]")
            .with_setting(vars::PORTAL_URL, "http://127.0.0.1")
            .with_setting(vars::NOTICE_SENDER, "no-reply@cazier.test")
            .with_setting(vars::REQUIRE_OPERATOR_TOTP, "false")
            .with_setting(vars::MAIL_SMTP_ADDRESS, mail.address.clone())
            .with_setting(vars::TIMESTAMP_AUTHORITY_URL, tsa.url.clone())
            .with_setting(
                vars::TIMESTAMP_AUTHORITY_CERTIFICATES,
                tsa.certificates_pem.clone(),
            );
        maildirs()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(stack.base_url(), mail.maildir.clone());
        Ok(TestStack {
            base_url: stack.base_url(),
            ghiseul_origin,
            outputs: stack.outputs.clone(),
            sdk: stack.sdk.clone(),
            runtime,
            moto,
            mail,
            roeid,
            tsa,
            state_dir,
            wiring,
            _running: stack,
        })
    }

    /// Runs a schedule of the template now (its function's answer), as EventBridge would.
    pub fn run_schedule(&self, name: &str) -> anyhow::Result<serde_json::Value> {
        self.runtime.block_on(self._running.run_schedule(name))
    }

    /// How many processes (cold starts) a function of the template has had.
    pub fn cold_starts(&self, function: &str) -> Option<u32> {
        self._running.cold_starts(function)
    }

    /// The personal-data keys, loaded once at start (as a function's cold start does).
    pub fn privacy(&self) -> Arc<cazier_shared::privacy::Privacy> {
        self.wiring.privacy()
    }

    pub fn accounts(&self) -> Arc<dyn AccountStore> {
        self.wiring.accounts().expect("accounts")
    }

    pub fn certificates(&self) -> Arc<dyn CertificateStore> {
        self.wiring.certificates().expect("certificates")
    }

    pub fn audit(&self) -> Arc<dyn AuditLog> {
        self.wiring.audit().expect("audit")
    }

    pub fn records(&self) -> Arc<dyn RecordsTable> {
        self.wiring.records().expect("records")
    }

    pub fn sessions(&self) -> Arc<dyn SessionsTable> {
        self.wiring.sessions().expect("sessions")
    }

    pub fn requests(&self) -> Arc<dyn RequestStore> {
        self.wiring.requests().expect("requests")
    }

    /// The status lists' publisher, as the admin tool and the daily job run it.
    pub fn status_lists(&self) -> cazier_shared::services::status::StatusListService {
        self.wiring.status_list_service().expect("status lists")
    }

    /// Revokes a certificate as `cazier-admin certificates revoke` does (without republishing
    /// its year's list); whether it was valid until now.
    pub fn revoke(&self, number: &str) -> bool {
        self.runtime
            .block_on(cazier_shared::services::revocation::revoke(
                &*self.certificates(),
                &*self.wiring.clock(),
                &cazier_shared::domain::CertificateNumber::parse(number).expect("a number"),
                "emis din eroare",
                "ops",
            ))
            .expect("revoked")
    }

    pub fn shares(&self) -> Arc<dyn cazier_shared::ports::ShareStore> {
        self.wiring.shares().expect("shares")
    }

    /// The KMS signing key's public key (DER SubjectPublicKeyInfo), straight from KMS.
    pub fn signing_public_key(&self) -> Vec<u8> {
        self.runtime.block_on(async {
            aws_sdk_kms::Client::new(&self.sdk)
                .get_public_key()
                .key_id(self.setting(vars::SIGNING_KEY_ID))
                .send()
                .await
                .expect("public key")
                .public_key
                .expect("key")
                .into_inner()
        })
    }

    /// A resource's name or id, by the environment variable a function would read it from.
    pub fn setting(&self, name: &'static str) -> String {
        self.wiring.setting(name).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The stack shared by the tests of one test binary (they run in parallel on it; each test
/// makes its own citizens, so they do not see each other's data).
pub fn stack() -> &'static TestStack {
    static STACK: OnceLock<TestStack> = OnceLock::new();
    STACK.get_or_init(|| TestStack::start(&[("IdentityIssuers", &dev_issuers())]))
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    /// Every `Set-Cookie` header, in order.
    pub cookies: Vec<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "status {} body is not JSON: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Asserts an RFC 9457 problem with this status and code; returns the problem.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status} {code}, got {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["code"], code, "problem: {p}");
        for field in ["type", "title", "detail"] {
            assert!(p[field].is_string(), "problem lacks {field}: {p}");
        }
        p
    }
}

pub struct Client {
    pub base: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            base: base.to_owned(),
            agent,
        }
    }

    /// A client that does not follow redirects (to see a 303 and its cookies, as a browser
    /// receives them).
    pub fn no_redirects(base: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            base: base.to_owned(),
            agent,
        }
    }

    pub fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        let url = format!("{}{}", self.base, path);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(t) = token {
            builder = builder.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(body.unwrap_or_default().to_vec())
            .expect("request");
        let mut response = self.agent.run(request).expect("HTTP exchange");
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .collect();
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(20 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        Reply {
            status,
            headers,
            cookies,
            body,
        }
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let headers: &[(&str, &str)] = if bytes.is_some() {
            &[("content-type", "application/json")]
        } else {
            &[]
        };
        self.raw(method, path, token, headers, bytes.as_deref())
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call("POST", path, token, Some(body))
    }

    /// `POST /v1/certificate-requests` for `purpose` with an `Idempotency-Key`.
    pub fn submit_keyed(&self, token: &str, purpose: &str, key: &str) -> Reply {
        let body = json!({ "purpose": purpose }).to_string();
        self.raw(
            "POST",
            "/v1/certificate-requests",
            Some(token),
            &[
                ("content-type", "application/json"),
                ("idempotency-key", key),
            ],
            Some(body.as_bytes()),
        )
    }

    pub fn login(&self, email: &str, password: &str) -> String {
        let r = self.post(
            "/v1/sessions",
            None,
            json!({"email": email, "password": password}),
        );
        assert_eq!(
            r.status,
            201,
            "login failed: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.json()["token"].as_str().expect("token").to_owned()
    }

    pub fn operator_token(&self) -> String {
        self.login(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    }
}

/// A valid CNP for a random person born 1950–2004 (so that tests do not collide).
pub fn random_cnp() -> String {
    let r = uuid::Uuid::new_v4().as_u128();
    let year = 1950 + (r % 55) as u32;
    let (sex, yy) = if year >= 2000 {
        (5 + (r >> 8) as u32 % 2, year - 2000)
    } else {
        (1 + (r >> 8) as u32 % 2, year - 1900)
    };
    let month = 1 + (r >> 16) as u32 % 12;
    let day = 1 + (r >> 24) as u32 % 28;
    let county = 1 + (r >> 32) as u32 % 46;
    let serial = 1 + (r >> 40) as u32 % 999;
    let first = format!("{sex}{yy:02}{month:02}{day:02}{county:02}{serial:03}");
    let digits: Vec<u8> = first.bytes().map(|b| b - b'0').collect();
    format!(
        "{first}{}",
        cazier_shared::domain::cnp::control_digit(&digits)
    )
}

/// Waits, if need be, until at least `needed` seconds remain in the current fixed throttle
/// window of `window_secs` (windows start at multiples of it since the epoch, as the
/// throttles count them): a test that fills a window and then expects a refusal must not see
/// the window end halfway.
pub fn clear_of_window_end(window_secs: u64, needed: Duration) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let into = Duration::from_millis((now.as_millis() % (u128::from(window_secs) * 1000)) as u64);
    let left = Duration::from_secs(window_secs).saturating_sub(into);
    if left < needed {
        std::thread::sleep(left + Duration::from_secs(1));
    }
}

pub fn unique_email() -> String {
    format!("citizen-{}@example.ro", uuid::Uuid::new_v4().simple())
}

pub const CITIZEN_PASSWORD: &str = "parola-foarte-sigura";

pub fn registration(email: &str, cnp: &str) -> Value {
    json!({
        "email": email,
        "password": CITIZEN_PASSWORD,
        "cnp": cnp,
        "last_name": "Ştefănescu",
        "first_name": "Ana-Maria",
        "father_first_name": "Ion",
        "mother_first_name": "Elena",
        "birth_place": "Câmpulung Moldovenesc",
        "id_document": {"type": "CI", "series": "RX", "number": "123456"}
    })
}

/// The messages a stack (by its address) e-mailed to `to`, oldest first.
pub fn mail_to(base: &str, to: &str) -> Vec<String> {
    let maildir = maildirs()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(base)
        .cloned()
        .unwrap_or_else(|| panic!("no test stack at {base}"));
    messages_in(&maildir)
        .into_iter()
        .filter(|m| m.lines().any(|l| l.trim_end() == format!("To: {to}")))
        .collect()
}

/// The code of the newest confirmation e-mail a stack sent to `to` (the line every such
/// e-mail has: `Cod de confirmare / Confirmation code: ABCD-EFGH`), once there are more than
/// `seen` messages to that address.
pub fn confirmation_code(base: &str, to: &str, seen: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let messages = mail_to(base, to);
        if messages.len() > seen {
            let newest = messages.last().map(String::as_str).unwrap_or_default();
            return newest
                .lines()
                .find_map(|l| l.strip_prefix("Cod de confirmare / Confirmation code: "))
                .map(|c| c.trim().to_owned())
                .unwrap_or_else(|| panic!("the newest e-mail to {to} has no code: {newest}"));
        }
        assert!(Instant::now() < deadline, "no e-mail to {to}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A registration's answer with its one random part (the registration id) replaced by its
/// shape: what tells, or does not tell, whether the address or CNP was known.
pub fn registration_answer(reply: &Reply) -> (u16, Value) {
    let mut body = reply.json();
    if let Some(id) = body.get_mut("registration_id") {
        let text = id.as_str().unwrap_or_default();
        let shape = (
            text.len(),
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)),
        );
        *id = json!(format!("{shape:?}"));
    }
    (reply.status, body)
}

/// Registers `body` and confirms it with the e-mailed code: the confirmation's answer.
pub fn register_confirmed(client: &Client, body: Value) -> Value {
    let email = body["email"].as_str().expect("an e-mail").to_lowercase();
    let seen = mail_to(&client.base, &email).len();
    let r = client.post("/v1/accounts", None, body);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["status"], "CONFIRMATION_SENT");
    let registration_id = r.json()["registration_id"].clone();
    let code = confirmation_code(&client.base, &email, seen);
    let r = client.post(
        "/v1/accounts/confirmation",
        None,
        json!({"registration_id": registration_id, "code": code}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// A registered citizen, optionally validated at the counter, with a session.
pub struct Citizen {
    pub email: String,
    pub cnp: String,
    pub account_id: String,
    pub counter_code: String,
    pub token: String,
}

impl Citizen {
    /// Registers a new citizen and confirms the address with the e-mailed code.
    pub fn register(client: &Client) -> Citizen {
        Citizen::register_with(client, &random_cnp())
    }

    /// The same, with a given CNP (a second account for one CNP, say).
    pub fn register_with(client: &Client, cnp: &str) -> Citizen {
        let (email, cnp) = (unique_email(), cnp.to_owned());
        let body = register_confirmed(client, registration(&email, &cnp));
        let token = client.login(&email, CITIZEN_PASSWORD);
        Citizen {
            email,
            cnp,
            account_id: body["account_id"].as_str().expect("id").to_owned(),
            counter_code: body["counter_code"].as_str().expect("code").to_owned(),
            token,
        }
    }

    /// Registered, then validated at a counter: the clerk looks the citizen up by the code
    /// they show, then validates against the document in hand.
    pub fn validated(client: &Client) -> Citizen {
        let citizen = Citizen::register(client);
        let operator = client.operator_token();
        citizen.validate_at_counter(client, &operator);
        citizen
    }

    /// The counter validation, by the clerk of session `operator`.
    pub fn validate_at_counter(&self, client: &Client, operator: &str) {
        let r = client.post(
            "/v1/operator/lookups",
            Some(operator),
            json!({"counter_code": self.counter_code}),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let r = client.post(
            &format!("/v1/operator/accounts/{}/validation", self.account_id),
            Some(operator),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }

    /// A citizen validated through the development ghiseul.ro issuer.
    pub fn validated_via_ghiseul(client: &Client) -> Citizen {
        let citizen = Citizen::register(client);
        citizen.validate_via_ghiseul(client);
        citizen
    }

    /// The API's ghiseul.ro route: start, an assertion from the development issuer for this
    /// citizen (as registered), complete with the same token.
    pub fn validate_via_ghiseul(&self, client: &Client) {
        let citizen = self;
        let started = client.call(
            "POST",
            "/v1/accounts/me/validations/ghiseul",
            Some(&citizen.token),
            None,
        );
        assert_eq!(
            started.status,
            201,
            "{}",
            String::from_utf8_lossy(&started.body)
        );
        let state = started.json()["state"].as_str().expect("state").to_owned();
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": "https://ghiseul.local.test", "aud": "cazier-local", "iat": now,
            "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(), "nonce": state,
            "cnp": citizen.cnp, "family_name": "Ștefănescu", "given_name": "Ana-Maria",
            "auth_method": "3DS_CARD"
        });
        let assertion = cazier_shared::identity::sign(&claims, &dev_issuer_key(), "ghiseul-dev-1")
            .expect("signs");
        let done = client.post(
            "/v1/accounts/me/validations/ghiseul/complete",
            Some(&citizen.token),
            json!({"assertion": assertion}),
        );
        assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    }

    /// Submits a request and waits until it leaves PENDING; returns the final request.
    pub fn request_and_wait(&self, client: &Client, purpose: &str) -> Value {
        let r = client.post(
            "/v1/certificate-requests",
            Some(&self.token),
            json!({"purpose": purpose}),
        );
        assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
        let id = r.json()["request_id"].as_str().expect("id").to_owned();
        wait_final(client, &self.token, &id)
    }
}

pub fn wait_final(client: &Client, token: &str, request_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = client.get(
            &format!("/v1/certificate-requests/{request_id}"),
            Some(token),
        );
        assert_eq!(r.status, 200);
        let body = r.json();
        if body["status"] != "PENDING" {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "request still PENDING after 30 s"
        );
        // A client asks a few times a second, as the portal's page does every two seconds.
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A validated citizen account, stored directly (no HTTP), for adapter and service tests.
pub fn citizen_account(cnp: &str) -> cazier_shared::domain::Account {
    let email = cazier_shared::domain::Email::parse(&unique_email()).expect("email");
    cazier_shared::domain::Account {
        email,
        ..cazier_shared::testing::sample_citizen(cnp)
    }
}

/// The generator's service on the test stack's tables, keys and bucket, with the given clock.
pub fn issuance_service(
    stack: &TestStack,
    clock: Arc<dyn Clock>,
) -> cazier_shared::services::issuance::IssuanceService {
    // The business clock moves; the CRLs' currency stays judged by the real one (a document is
    // made now, whatever day the test pretends it is).
    let mut service = stack.wiring.issuance_service().expect("issuance wires");
    service.clock = clock;
    service
}

/// Stores a pending request for `account_id` as the requests function does (guards included);
/// the stream then hands it to the generator.
pub async fn submit_request(
    stack: &TestStack,
    account_id: &cazier_shared::domain::AccountId,
    purpose: cazier_shared::domain::Purpose,
) -> cazier_shared::domain::CertificateRequest {
    use cazier_shared::domain::*;
    use cazier_shared::ports::SubmitOutcome;
    let now = chrono::Utc::now();
    let request = CertificateRequest {
        request_id: RequestId::of_the_day(account_id, None, purpose, bucharest_date(now)),
        account_id: account_id.clone(),
        company: None,
        purpose,
        status: RequestStatus::Pending,
        created_at: now,
        certificate_number: None,
        issued_at: None,
        status_index: None,
        rejection_code: None,
        notice_due: false,
    };
    let day = bucharest_date(request.created_at);
    let outcome = stack
        .requests()
        .submit(&request, day, None)
        .await
        .expect("submit");
    assert!(matches!(outcome, SubmitOutcome::Created));
    request
}

pub use cazier_shared::testing::LocalSigner;

/// The text of a PDF as `pdftotext -layout` extracts it (what a reader's copy-paste gives).
pub fn pdf_text(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("cazier-text-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, pdf).expect("write PDF");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", &path.to_string_lossy(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by make venv");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An entry as ops would load it.
pub fn entry(id: &str, decision: &str, rehabilitated: bool) -> cazier_shared::domain::RecordEntry {
    cazier_shared::domain::RecordEntry {
        entry_id: id.into(),
        court: "Judecătoria Sectorului 2 București".into(),
        decision: decision.into(),
        decision_date: chrono::NaiveDate::from_ymd_opt(2018, 3, 9).expect("date"),
        offence: "furt calificat".into(),
        penalty: "1 an închisoare cu suspendare".into(),
        rehabilitated,
    }
}

/// Writes entries for a person directly to the record (as `cazier-admin records` does).
pub fn add_entries(stack: &TestStack, cnp: &str, entries: &[cazier_shared::domain::RecordEntry]) {
    let subject = cazier_shared::domain::RecordSubject::Person(
        cazier_shared::domain::Cnp::parse(cnp).expect("cnp"),
    );
    let pairs: Vec<_> = entries
        .iter()
        .map(|e| (subject.clone(), e.clone()))
        .collect();
    stack
        .runtime
        .block_on(stack.records().put_entries(&pairs))
        .expect("entries written");
}

pub use cazier_shared::testing::cui_from;

/// A random valid CUI.
pub fn random_cui() -> String {
    use rand::Rng;
    cui_from(rand::thread_rng().gen_range(1_000_000..99_999_999))
}

/// The verification function's service on the test stack, with the given clock.
pub fn verification_service(
    stack: &TestStack,
    clock: Arc<dyn Clock>,
) -> cazier_shared::services::verification::VerificationService {
    let mut service = stack
        .wiring
        .verification_service()
        .expect("verification wires");
    service.clock = clock;
    service
}

/// The requests function's service on the test stack, with the given clock.
pub fn request_service(
    stack: &TestStack,
    clock: Arc<dyn Clock>,
) -> cazier_shared::services::requests::RequestService {
    let mut service = stack.wiring.request_service().expect("requests wire");
    service.clock = clock;
    service
}

/// The principal of a signed-in citizen, as the HTTP edge would pass it to a service.
pub fn citizen_principal(account_id: &str) -> cazier_shared::domain::Principal {
    cazier_shared::domain::Principal {
        account_id: account_id.into(),
        role: cazier_shared::domain::Role::Citizen,
        token_hash: String::new(),
    }
}

/// The citizen's certificate PDF, downloaded as they would.
pub fn download_pdf(client: &Client, citizen: &Citizen, number: &str) -> Vec<u8> {
    let pdf = client.get(
        &format!("/v1/certificates/{number}/pdf"),
        Some(&citizen.token),
    );
    assert_eq!(pdf.status, 200, "{}", String::from_utf8_lossy(&pdf.body));
    pdf.body
}

/// `POST /v1/verifications/document` with a PDF body.
pub fn verify_document(client: &Client, pdf: &[u8]) -> Reply {
    client.raw(
        "POST",
        "/v1/verifications/document",
        None,
        &[("content-type", "application/pdf")],
        Some(pdf),
    )
}
