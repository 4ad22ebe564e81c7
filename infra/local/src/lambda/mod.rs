//! The functions as Lambda runs them: each its own processes of the binary `make package`
//! zips, with exactly the environment the template gives it, fed JSON events through a
//! Runtime API ([`runtime_api`]); or, for unit-speed tests, the same handlers in-process.

pub mod events;
pub mod runtime_api;

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the local stack runs the template's functions.
#[derive(Debug, Clone)]
pub enum Runner {
    /// Each function as processes of its binary in `binaries` (`target/debug` for `make up`
    /// and the tests), at most `max_processes` at once per function.
    Processes {
        binaries: PathBuf,
        max_processes: usize,
    },
    /// The handlers called in-process with the same JSON events: no processes.
    InProcess,
}

impl Runner {
    /// The binaries next to the running program's (`target/<profile>/`), as many processes
    /// per function as the local stack needs under its load test.
    pub fn beside_this_program() -> Result<Runner> {
        let exe = std::env::current_exe().context("locating this program")?;
        // A test binary lives in target/<profile>/deps.
        let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if dir.ends_with("deps") {
            dir.pop();
        }
        Ok(Runner::Processes {
            binaries: dir,
            max_processes: DEFAULT_MAX_PROCESSES,
        })
    }
}

/// Processes per function: what two cores can run side by side against moto, and more than
/// one, so that concurrency and cold starts happen as on Lambda.
pub const DEFAULT_MAX_PROCESSES: usize = 4;

/// What a function process needs to start.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// The template's logical id (and the Lambda function's name locally).
    pub name: String,
    pub binary: PathBuf,
    /// Exactly what Lambda sets: the template's variables, resolved, and the runtime's own.
    pub environment: Vec<(String, String)>,
    pub timeout: Duration,
    pub memory_mb: u64,
    /// `<state>/logs/<function>.log`: the function's log group, one file.
    pub log: PathBuf,
    pub max_processes: usize,
}

/// Why an invocation brought no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FunctionError {
    #[error("the function reported {error_type}: {message}")]
    Failed { error_type: String, message: String },
    #[error("the function's process ended during the invocation: {0}")]
    Crashed(String),
    #[error("the function ran past its timeout of {0:?}")]
    TimedOut(Duration),
    #[error("the event or the answer is over Lambda's 6 MB")]
    PayloadTooLarge,
    #[error("the function's answer is not JSON")]
    Malformed,
    #[error("the local stack is stopping")]
    Stopped,
}

/// The deployment binary of the function at `code_uri`: its package's binary, as
/// cargo-lambda builds it into `bootstrap`.
pub fn binary_of(root: &Path, code_uri: &str, binaries: &Path) -> Result<PathBuf> {
    let name = package_of(root, code_uri)?;
    let binary = binaries.join(&name);
    if !binary.is_file() {
        bail!(
            "{} is not built: run `cargo build --workspace --bins` (the local stack runs each \
             function's own binary)",
            binary.display()
        );
    }
    Ok(binary)
}

/// The package (and binary) name of the function whose sources are at `code_uri`.
pub fn package_of(root: &Path, code_uri: &str) -> Result<String> {
    let manifest = root.join(code_uri).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    text.lines()
        .skip_while(|l| l.trim() != "[package]")
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "name").then(|| v.trim().trim_matches('"').to_owned())
        })
        .with_context(|| format!("{} names no package", manifest.display()))
}

/// A function invoked with a JSON event (a stream batch, a schedule), its answer JSON.
#[async_trait::async_trait]
pub trait Invoke: Send + Sync {
    async fn invoke(&self, event: &serde_json::Value) -> Result<serde_json::Value, FunctionError>;
}

#[async_trait::async_trait]
impl Invoke for std::sync::Arc<runtime_api::Pool> {
    async fn invoke(&self, event: &serde_json::Value) -> Result<serde_json::Value, FunctionError> {
        runtime_api::Pool::invoke(self, event).await
    }
}

/// The generator's handler called in-process with the same JSON events.
pub struct InProcessEvents(pub std::sync::Arc<cazier_generator::GeneratorFunction>);

#[async_trait::async_trait]
impl Invoke for InProcessEvents {
    async fn invoke(&self, event: &serde_json::Value) -> Result<serde_json::Value, FunctionError> {
        self.0
            .handle_any(event.clone())
            .await
            .map_err(|e| FunctionError::Failed {
                error_type: "GeneratorError".into(),
                message: e.to_string(),
            })
    }
}
