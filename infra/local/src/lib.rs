//! The local stack: provisions on moto what `template.yaml` defines, then runs each function as
//! Lambda does (its own processes of its binary, with the template's environment, fed JSON
//! events through a Runtime API: `lambda/`), serves every HTTP route of the template, delivers
//! the requests table's stream and runs the schedules. Used by `make up` (the `cazier-local`
//! binary) and by the tests.
//! (Over 400 lines: `start` and its steps read top to bottom, with the stack's own tests.)

mod dev_ghiseul;
mod iam;
pub mod lambda;
pub mod provision;
pub mod ran;
mod roles;
pub mod server;
pub mod sqs;
pub mod streams;
pub mod template;

pub use dev_ghiseul::DEV_ORIGIN as DEV_GHISEUL_ORIGIN;
pub use lambda::Runner;

use anyhow::{anyhow, bail, Context, Result};
use cazier_edge::runtime::Endpoints;
use cazier_edge::runtime::HttpFunction;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::Env;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use template::{Resolver, Template};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The account id moto uses; only for resolving `${AWS::AccountId}`.
const LOCAL_ACCOUNT_ID: &str = "123456789012";

pub struct StackOptions {
    pub template: PathBuf,
    pub aws_endpoint: String,
    pub region: String,
    pub stage: String,
    /// 0 picks a free port.
    pub port: u16,
    pub state_dir: PathBuf,
    /// Template parameter overrides (`IssueWithEntries=false`).
    pub parameters: HashMap<String, String>,
    /// e-mail, password, police unit.
    pub seed_operator: Option<(String, String, String)>,
    /// An SMTP sink (host:port) for the notices, in place of SES.
    pub mail_sink: Option<String>,
    /// Where the development ghiseul.ro listens (its own origin, `http://localhost:<port>`,
    /// as the issuers parameter names it); `None`: not served.
    pub ghiseul_port: Option<u16>,
    /// Processes (as on Lambda) or in-process.
    pub runner: Runner,
    /// Where the template's `CodeUri`s and the development keys are: the template's directory,
    /// unless a test's altered copy of it lives elsewhere.
    pub sources: PathBuf,
}

pub struct RunningStack {
    pub addr: SocketAddr,
    /// The template's outputs, resolved, plus `LocalAwsEndpointUrl`.
    pub outputs: HashMap<String, String>,
    pub sdk: aws_config::SdkConfig,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    runtime_api: Option<Arc<lambda::runtime_api::RuntimeApi>>,
    /// Each schedule's function and event, to run one now (`run_schedule`).
    schedules: HashMap<String, (Arc<dyn lambda::Invoke>, serde_json::Value)>,
}

impl RunningStack {
    /// Runs a schedule of the template now, as EventBridge would at its next tick: the
    /// function's answer, or why it failed.
    pub async fn run_schedule(&self, name: &str) -> Result<serde_json::Value> {
        let (function, event) = self
            .schedules
            .get(name)
            .ok_or_else(|| anyhow!("template.yaml has no schedule {name}"))?;
        function
            .invoke(event)
            .await
            .map_err(|e| anyhow!("schedule {name}: {e}"))
    }

    /// How many processes (cold starts) a function has had; `None` in-process.
    pub fn cold_starts(&self, function: &str) -> Option<u32> {
        Some(self.runtime_api.as_ref()?.pool(function)?.cold_starts())
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// SDK configuration for the local endpoint, with the deployed retry and timeout policy.
/// Static dummy credentials: moto accepts any.
pub async fn local_sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    cazier_shared::aws::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "cazier-local",
        ))
        .load()
        .await
}

enum Built {
    Http(Arc<dyn HttpFunction>),
    Stream(Arc<cazier_generator::GeneratorFunction>),
}

/// The in-process handlers, by the `CodeUri` of their function in the template, each built
/// from its own environment through the one wiring, as its Lambda cold start does.
async fn build(code_uri: &str, sdk: aws_config::SdkConfig, env: Env) -> Result<Built> {
    let err = |e: cazier_shared::config::ConfigError| anyhow!("{code_uri}: {e}");
    let wiring = Wiring::load(sdk, env).await.map_err(err)?;
    Ok(match code_uri {
        "functions/accounts" => {
            Built::Http(Arc::new(cazier_accounts::function(&wiring).map_err(err)?))
        }
        "functions/validation" => {
            Built::Http(Arc::new(cazier_validation::function(&wiring).map_err(err)?))
        }
        "functions/requests" => {
            Built::Http(Arc::new(cazier_requests::function(&wiring).map_err(err)?))
        }
        "functions/verification" => Built::Http(Arc::new(
            cazier_verification::function(&wiring).map_err(err)?,
        )),
        "functions/web" => Built::Http(Arc::new(cazier_web::function(&wiring).map_err(err)?)),
        "functions/wallet" => Built::Http(Arc::new(cazier_wallet::function(&wiring).map_err(err)?)),
        "functions/consents" => {
            Built::Http(Arc::new(cazier_consents::function(&wiring).map_err(err)?))
        }
        "functions/generator" => Built::Stream(Arc::new(
            cazier_generator::GeneratorFunction::new(&wiring).map_err(err)?,
        )),
        other => bail!("template function with CodeUri {other} has no local handler"),
    })
}

/// Each HTTP function's route keys, from its table, by `CodeUri`: what the template's routes
/// are checked against.
pub fn declared_routes() -> Vec<(&'static str, Vec<&'static str>)> {
    fn table<E: Endpoints>() -> Vec<&'static str> {
        E::ROUTES.iter().map(|r| r.key).collect()
    }
    vec![
        ("functions/accounts", table::<cazier_accounts::Accounts>()),
        (
            "functions/validation",
            table::<cazier_validation::Validation>(),
        ),
        ("functions/requests", table::<cazier_requests::Requests>()),
        (
            "functions/verification",
            table::<cazier_verification::Verification>(),
        ),
        ("functions/web", cazier_web::route_keys()),
        ("functions/wallet", table::<cazier_wallet::Wallet>()),
        (
            "functions/consents",
            table::<cazier_consents::ConsentsApi>(),
        ),
    ]
}

/// The stack's services, built from its outputs through the one wiring.
async fn stack_wiring(
    sdk: &aws_config::SdkConfig,
    outputs: &HashMap<String, String>,
) -> Result<Wiring> {
    Wiring::from_outputs(sdk.clone(), outputs)
        .await
        .map_err(|e| anyhow!("wiring the stack's outputs: {e}"))
}

/// Creates the operator account through the same code as `cazier-admin operator create`.
async fn seed_operator(
    sdk: &aws_config::SdkConfig,
    outputs: &HashMap<String, String>,
    email: &str,
    password: &str,
    unit: &str,
) -> Result<()> {
    let accounts = stack_wiring(sdk, outputs).await?.accounts()?;
    // The seeded clerk signs in with a password only (the local stack does not require a
    // second factor; ops enrol one with `cazier-admin operator totp`).
    match cazier_shared::services::operators::create_operator(
        &*accounts,
        email,
        password,
        unit,
        false,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(_) | Err(cazier_shared::services::operators::OperatorError::Exists) => Ok(()),
        Err(e) => Err(anyhow!("seeding the operator account: {e}")),
    }
}

/// `cazier-admin trust init` for the local stack: a root certificate and the seal certificate,
/// both through KMS, stored where the functions read them; the root is also written to
/// `<state_dir>/trust-root.pem` for pdfsig, pyHanko and openssl.
async fn init_trust(
    sdk: &aws_config::SdkConfig,
    outputs: &HashMap<String, String>,
    state_dir: &std::path::Path,
) -> Result<()> {
    let wiring = stack_wiring(sdk, outputs).await?;
    let chain = cazier_shared::services::trust::init(
        &*wiring.trust_root_signer()?,
        &*wiring.signer()?,
        &*wiring.documents()?,
        cazier_shared::services::trust::SEAL_SUBJECT,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| anyhow!("creating the seal certificates: {e}"))?;
    let root = chain
        .root_pem()
        .map_err(|e| anyhow!("encoding the root certificate: {e}"))?;
    std::fs::write(state_dir.join("trust-root.pem"), root)?;
    // The access CA of the organisations that ask wallets (`organisations ca`).
    let access_ca = wiring
        .organisation_registry()?
        .init_access_ca(&*wiring.access_ca_signer()?)
        .await
        .map_err(|e| anyhow!("creating the access CA: {e}"))?;
    let pem = der::EncodePem::to_pem(&access_ca, der::pem::LineEnding::LF)?;
    std::fs::write(state_dir.join("access-ca.pem"), pem)?;
    Ok(())
}

pub async fn start(opts: StackOptions) -> Result<RunningStack> {
    std::fs::create_dir_all(&opts.state_dir)
        .with_context(|| format!("creating {}", opts.state_dir.display()))?;
    let sdk = local_sdk_config(&opts.aws_endpoint, &opts.region).await;
    let template = Template::load(&opts.template)?;
    let mut physical = provision::provision(&sdk, &template, &opts.stage)
        .await
        .context("provisioning the template's resources on the local endpoint")?;
    let parameters = parameters(&template, &opts)?;
    without_local_counterpart(&template, &mut physical);
    let resolver = Resolver {
        parameters: &parameters,
        physical: &physical,
        region: &opts.region,
        account_id: LOCAL_ACCOUNT_ID,
    };
    let (stop, stop_rx) = watch::channel(false);
    let functions = build_functions(&template, &resolver, &sdk, &opts, &stop_rx).await?;
    let mut tasks = deliver_streams(&template, &physical, &functions, &sdk, &opts, &stop_rx)?;
    tasks.extend(run_schedules(&template, &functions, &opts, &stop_rx)?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", opts.port))?;
    let addr = listener.local_addr()?;
    if let Some(task) = serve_dev_ghiseul(&opts, addr, &stop_rx).await? {
        tasks.push(task);
    }
    let router = Arc::new(server::Router {
        routes: routes(&template, &functions)?,
        account_id: LOCAL_ACCOUNT_ID.into(),
        access_log: template
            .access_log_format()
            .map(|format| server::AccessLog {
                format,
                file: opts.state_dir.join("logs/HttpApi.log"),
            }),
    });
    tasks.push(tokio::spawn(server::serve(listener, router, stop_rx)));

    let mut outputs: HashMap<String, String> = template.outputs(&resolver)?.into_iter().collect();
    outputs.insert("ApiUrl".into(), format!("http://{addr}"));
    outputs.insert("LocalAwsEndpointUrl".into(), opts.aws_endpoint.clone());
    outputs.insert("LocalRegion".into(), opts.region.clone());
    // Where the admin tool sends its e-mails locally (the functions get it in their environment).
    if let Some(sink) = &opts.mail_sink {
        outputs.insert("LocalMailSmtpAddress".into(), sink.clone());
    }
    write_outputs(&opts, &outputs, &functions.sam_env)?;
    ran::write(&template, &opts.sources, &opts.state_dir.join("ran.json"))?;
    if let Some((email, password, unit)) = &opts.seed_operator {
        seed_operator(&sdk, &outputs, email, password, unit).await?;
    }
    init_trust(&sdk, &outputs, &opts.state_dir).await?;
    let schedules = template
        .schedules()
        .into_iter()
        .filter_map(|schedule| {
            let function = functions.events.get(&schedule.function)?.clone();
            let event = lambda::events::scheduled(
                &schedule.name,
                schedule.input.as_ref(),
                &opts.region,
                LOCAL_ACCOUNT_ID,
                chrono::Utc::now(),
            );
            Some((schedule.name, (function, event)))
        })
        .collect();
    Ok(RunningStack {
        addr,
        outputs,
        sdk,
        stop,
        tasks,
        runtime_api: functions.runtime_api,
        schedules,
    })
}

/// The template's parameters: their defaults, the stage, and the options' values (each must
/// be a parameter of the template).
fn parameters(template: &Template, opts: &StackOptions) -> Result<HashMap<String, String>> {
    let mut parameters = template.parameter_defaults();
    parameters.insert("Stage".into(), opts.stage.clone());
    let names = template.parameter_names();
    for (k, v) in &opts.parameters {
        if !names.contains(k) {
            bail!("template.yaml has no parameter {k}");
        }
        parameters.insert(k.clone(), v.clone());
    }
    Ok(parameters)
}

/// Resources that have no local counterpart resolve to their logical id.
fn without_local_counterpart(template: &Template, physical: &mut template::Physical) {
    for (id, _) in [
        "AWS::Serverless::HttpApi",
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::SNS::Topic",
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::Dashboard",
    ]
    .iter()
    .flat_map(|kind| template.resources_of(kind))
    {
        physical
            .attributes
            .insert((id.clone(), "Arn".into()), format!("arn:local:{id}"));
        physical.refs.entry(id.clone()).or_insert(id);
    }
}

/// The template's functions, each built from its own resolved environment.
struct Functions {
    http: HashMap<String, server::Target>,
    events: HashMap<String, Arc<dyn lambda::Invoke>>,
    /// Each function's environment as `sam local` takes it (`--env-vars`).
    sam_env: serde_json::Map<String, serde_json::Value>,
    runtime_api: Option<Arc<lambda::runtime_api::RuntimeApi>>,
}

/// Builds every function in-process from its environment (which also shows what its cold
/// start reads: [`environment_drift`]); with [`Runner::Processes`], then serves them as
/// processes of their binaries behind the Runtime API.
async fn build_functions(
    template: &Template,
    resolver: &Resolver<'_>,
    sdk: &aws_config::SdkConfig,
    opts: &StackOptions,
    stop: &watch::Receiver<bool>,
) -> Result<Functions> {
    let mut functions = Functions {
        http: HashMap::new(),
        events: HashMap::new(),
        sam_env: serde_json::Map::new(),
        runtime_api: None,
    };
    let mut built = Vec::new();
    let mut processes = Vec::new();
    let logs = opts.state_dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    for function in template.functions() {
        let mut env = HashMap::new();
        for (k, v) in &function.environment {
            let value = resolver
                .resolve(v)
                .with_context(|| format!("{}: environment {k}", function.logical_id))?;
            env.insert(k.clone(), value);
        }
        if let Some(sink) = &opts.mail_sink {
            env.insert(
                cazier_shared::config::vars::MAIL_SMTP_ADDRESS.into(),
                sink.clone(),
            );
        }
        let mut for_sam = env.clone();
        for_sam.insert(
            "AWS_ENDPOINT_URL".into(),
            opts.aws_endpoint
                .replace("127.0.0.1", "host.docker.internal"),
        );
        let id = function.logical_id.clone();
        functions.sam_env.insert(id.clone(), json!(for_sam));
        let vars = env.clone();
        let env = Env::from_map(env);
        let handler = build(&function.code_uri, sdk.clone(), env.clone()).await?;
        environment_drift(&id, &env)?;
        processes.push((function, vars));
        built.push((id, handler));
    }
    // The binaries once every function's environment is known to agree with its code.
    let mut specs = Vec::new();
    if let Runner::Processes {
        binaries,
        max_processes,
    } = &opts.runner
    {
        let root = &opts.sources;
        let mut roles = serde_json::Map::new();
        for (function, vars) in processes {
            let id = function.logical_id.clone();
            let role = function
                .role
                .as_deref()
                .ok_or_else(|| anyhow!("{id} has no role of the template's own"))?;
            roles.insert(
                iam::access_key(&id),
                json!({"role": role, "statements": iam::statements(template, role, resolver)?}),
            );
            specs.push(lambda::FunctionSpec {
                binary: lambda::binary_of(root, &function.code_uri, binaries)?,
                environment: lambda_environment(&function, &vars, opts),
                timeout: std::time::Duration::from_secs(function.timeout_secs),
                memory_mb: function.memory_mb,
                log: logs.join(format!("{id}.log")),
                max_processes: *max_processes,
                name: id,
            });
        }
        iam::enforce(&opts.aws_endpoint, &serde_json::Value::Object(roles))
            .await
            .context("enforcing the functions' roles")?;
    }
    if !specs.is_empty() {
        functions.runtime_api = Some(lambda::runtime_api::RuntimeApi::start(
            specs,
            &opts.region,
            LOCAL_ACCOUNT_ID,
            stop.clone(),
        ));
    }
    for (id, handler) in built {
        let pool = functions.runtime_api.as_ref().and_then(|api| api.pool(&id));
        match (handler, pool) {
            (Built::Http(_), Some(pool)) => {
                functions.http.insert(id, server::Target::Process(pool));
            }
            (Built::Http(f), None) => {
                functions.http.insert(id, server::Target::InProcess(f));
            }
            (Built::Stream(_), Some(pool)) => {
                functions.events.insert(id, Arc::new(pool));
            }
            (Built::Stream(f), None) => {
                functions
                    .events
                    .insert(id, Arc::new(lambda::InProcessEvents(f)));
            }
        }
    }
    Ok(functions)
}

/// A function process's environment, as Lambda sets it: the template's variables (resolved)
/// and the runtime's own; locally also where AWS is (moto). Nothing of this program's own.
fn lambda_environment(
    function: &template::Function,
    env: &HashMap<String, String>,
    opts: &StackOptions,
) -> Vec<(String, String)> {
    let name = &function.logical_id;
    let mut all: Vec<(String, String)> = env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in [
        ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            function.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".into()),
        ("AWS_REGION", opts.region.clone()),
        ("AWS_DEFAULT_REGION", opts.region.clone()),
        // The function's own credentials: its role is enforced on what they sign (iam.rs).
        ("AWS_ACCESS_KEY_ID", iam::access_key(name)),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_ENDPOINT_URL", opts.aws_endpoint.clone()),
        ("TZ", ":UTC".into()),
        ("LANG", "en_US.UTF-8".into()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
    ] {
        all.push((k.into(), v));
    }
    all
}

/// What the template gives a function and what its cold start asked for must agree: a
/// variable given and never read is a setting that does nothing (a typo, or one left
/// behind); one read and not given fails the deployed function, or is silently done without.
fn environment_drift(function: &str, env: &Env) -> Result<()> {
    use cazier_shared::config::{OPTIONAL_VARS, PROCESS_VARS};
    let (given, asked) = (env.given(), env.asked());
    let unread: Vec<&str> = given
        .iter()
        .map(String::as_str)
        .filter(|v| !asked.contains(*v) && !PROCESS_VARS.contains(v) && !OPTIONAL_VARS.contains(v))
        .collect();
    let not_given: Vec<&str> = asked
        .iter()
        .map(String::as_str)
        .filter(|v| !given.contains(*v) && !OPTIONAL_VARS.contains(v))
        .collect();
    if !unread.is_empty() {
        bail!(
            "template.yaml gives {function} environment variables its code never reads: {}",
            unread.join(", ")
        );
    }
    if !not_given.is_empty() {
        bail!(
            "{function} reads environment variables template.yaml does not give it: {}",
            not_given.join(", ")
        );
    }
    Ok(())
}

/// Each route of the template with the function that answers it.
fn routes(
    template: &Template,
    functions: &Functions,
) -> Result<Vec<(template::Route, server::Target)>> {
    template
        .routes()
        .into_iter()
        .map(|route| {
            let f = functions.http.get(&route.function).ok_or_else(|| {
                anyhow!("route {} {} has no HTTP function", route.method, route.path)
            })?;
            Ok((route, f.clone()))
        })
        .collect()
}

/// A task per stream event source, delivering its table's records to its function.
fn deliver_streams(
    template: &Template,
    physical: &template::Physical,
    functions: &Functions,
    sdk: &aws_config::SdkConfig,
    opts: &StackOptions,
    stop: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for source in template.stream_sources() {
        let function = functions
            .events
            .get(&source.function)
            .ok_or_else(|| anyhow!("stream of {} has no stream function", source.table))?;
        let stream_arn = physical
            .attributes
            .get(&(source.table.clone(), "StreamArn".into()))
            .cloned()
            .ok_or_else(|| anyhow!("table {} has no stream", source.table))?;
        // Lambda sends what a mapping sets aside to its on-failure destination with the
        // function's own role.
        let on_failure = match &source.on_failure {
            None => None,
            Some(queue) => Some(streams::OnFailure {
                queue: sqs::Queue {
                    endpoint: opts.aws_endpoint.clone(),
                    region: opts.region.clone(),
                    url: physical
                        .refs
                        .get(queue)
                        .cloned()
                        .ok_or_else(|| anyhow!("on-failure destination {queue}: no queue"))?,
                },
                access_key: iam::access_key(&source.function),
                function_arn: format!(
                    "arn:aws:lambda:{}:{LOCAL_ACCOUNT_ID}:function:{}",
                    opts.region, source.function
                ),
            }),
        };
        let delivery = streams::StreamDelivery {
            source,
            stream_arn,
            function: Arc::clone(function),
            on_failure,
        };
        tasks.push(tokio::spawn(delivery.run(sdk.clone(), stop.clone())));
    }
    Ok(tasks)
}

/// A task per schedule event, invoking its function at its rate with EventBridge's event
/// (or the rule's `Input`).
fn run_schedules(
    template: &Template,
    functions: &Functions,
    opts: &StackOptions,
    stop: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for schedule in template.schedules() {
        let function = functions
            .events
            .get(&schedule.function)
            .cloned()
            .ok_or_else(|| anyhow!("schedule of {}: no such local function", schedule.function))?;
        let mut stop = stop.clone();
        let region = opts.region.clone();
        tasks.push(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(schedule.period);
            ticks.tick().await; // the first tick is immediate; the schedule's is not
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        let event = lambda::events::scheduled(
                            &schedule.name,
                            schedule.input.as_ref(),
                            &region,
                            LOCAL_ACCOUNT_ID,
                            chrono::Utc::now(),
                        );
                        if let Err(e) = function.invoke(&event).await {
                            tracing::error!(schedule = %schedule.name, error = %e, "scheduled job failed");
                        }
                    }
                    _ = stop.changed() => return,
                }
            }
        }));
    }
    Ok(tasks)
}

/// The development ghiseul.ro (never deployed): the portal's online validation locally, on
/// an origin of its own (another site than the portal's, as the real one is).
async fn serve_dev_ghiseul(
    opts: &StackOptions,
    portal: SocketAddr,
    stop: &watch::Receiver<bool>,
) -> Result<Option<JoinHandle<()>>> {
    let (Some(port), root) = (opts.ghiseul_port, &opts.sources) else {
        return Ok(None);
    };
    let key = root.join("infra/local/ghiseul-dev-key.pem");
    let pem =
        std::fs::read_to_string(&key).with_context(|| format!("reading {}", key.display()))?;
    let portal = format!("http://127.0.0.1:{}", portal.port());
    let dev: Arc<dyn HttpFunction> = Arc::new(dev_ghiseul::DevGhiseul::new(pem, portal));
    let dev = server::Target::InProcess(dev);
    let routes = [
        ("GET", dev_ghiseul::AUTHORIZE_PATH),
        ("POST", dev_ghiseul::CONFIRM_PATH),
    ]
    .into_iter()
    .map(|(method, path)| {
        let route = template::Route {
            method: method.into(),
            path: path.into(),
            function: "DevGhiseul".into(),
        };
        (route, dev.clone())
    })
    .collect();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port} for the development ghiseul.ro"))?;
    let router = Arc::new(server::Router {
        routes,
        account_id: LOCAL_ACCOUNT_ID.into(),
        access_log: None,
    });
    Ok(Some(tokio::spawn(server::serve(
        listener,
        router,
        stop.clone(),
    ))))
}

/// The stack's outputs in the shape of `sam list stack-outputs --output json` (so the admin
/// tool reads both), and the functions' environments for `sam local`.
fn write_outputs(
    opts: &StackOptions,
    outputs: &HashMap<String, String>,
    sam_env: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let mut keys: Vec<_> = outputs.keys().cloned().collect();
    keys.sort();
    let listed: Vec<_> = keys
        .into_iter()
        .map(|k| json!({"OutputKey": k, "OutputValue": outputs[&k]}))
        .collect();
    std::fs::write(
        opts.state_dir.join("stack-outputs.json"),
        serde_json::to_string_pretty(&listed)?,
    )?;
    std::fs::write(
        opts.state_dir.join("sam-env.json"),
        serde_json::to_string_pretty(sam_env)?,
    )?;
    Ok(())
}
