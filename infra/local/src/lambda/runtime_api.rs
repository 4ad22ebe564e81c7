//! A Lambda Runtime API of our own (the 2018-06-01 interface `lambda_runtime` polls): each
//! function runs as processes of its deployment binary, started when an event finds none
//! free (a cold start) up to a limit, each polling for its next event as on Lambda. Our own
//! rather than cargo-lambda's emulator: that one builds and runs the functions itself (a
//! second toolchain step, and not installable offline here), while the local stack must run
//! the binaries that were built, several per function, and see each process.
//!
//! Each process has the API on a port of its own (`AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>`,
//! host and port only, as Lambda gives it), so the API knows which event each is working on:
//! an event whose process dies is answered at once, and one that overruns the function's
//! timeout has its process killed, as Lambda does.
//! (Over 400 lines: a pool's processes, its queue and the Runtime API that serves them are one
//! piece of state, read together, with the test that drives them through every outcome.)

use super::{FunctionError, FunctionSpec};
use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

/// Lambda's limit on a synchronous invocation's payload and answer: 6 MB.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// Lambda's limit on a cold start (the init phase).
const INIT_LIMIT: Duration = Duration::from_secs(10);

type Reply = oneshot::Sender<Result<Bytes, FunctionError>>;

struct Invocation {
    request_id: String,
    event: Bytes,
    reply: Reply,
}

/// The event a process is working on.
struct Running {
    request_id: String,
    reply: Reply,
    started: Instant,
}

struct Process {
    spawned: Instant,
    /// Set at its first poll: the end of its cold start.
    initialised: bool,
    current: Option<Running>,
    kill: Option<oneshot::Sender<()>>,
    /// Its Runtime API, stopped with it.
    api: tokio::task::AbortHandle,
}

#[derive(Default)]
struct PoolState {
    processes: HashMap<u32, Process>,
    next_id: u32,
    cold_starts: u32,
}

impl PoolState {
    /// Processes polling, or starting and about to: neither working on an event nor stopped.
    fn available(&self) -> usize {
        self.processes
            .values()
            .filter(|p| p.current.is_none() && p.kill.is_some())
            .count()
    }
}

/// One function's processes and the events waiting for them.
pub struct Pool {
    spec: FunctionSpec,
    region: String,
    account_id: String,
    queue: mpsc::UnboundedSender<Invocation>,
    waiting: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    queued: AtomicUsize,
    state: Mutex<PoolState>,
    stop: watch::Receiver<bool>,
}

impl Pool {
    fn state(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many processes this function has started so far (each one a cold start).
    pub fn cold_starts(&self) -> u32 {
        self.state().cold_starts
    }

    /// Invokes the function with `event` and waits for its answer, as a synchronous
    /// invocation does: a free process takes it, or a new one is started (up to the limit).
    pub async fn invoke(self: &Arc<Self>, event: &Value) -> Result<Value, FunctionError> {
        let event = Bytes::from(serde_json::to_vec(event).map_err(|_| FunctionError::Malformed)?);
        if event.len() > MAX_PAYLOAD {
            return Err(FunctionError::PayloadTooLarge);
        }
        let (reply, answer) = oneshot::channel();
        let request_id = uuid::Uuid::new_v4().to_string();
        let queued = self.queued.fetch_add(1, Ordering::SeqCst) + 1;
        {
            let mut state = self.state();
            if queued > state.available() && state.processes.len() < self.spec.max_processes {
                self.spawn(&mut state);
            }
        }
        let invocation = Invocation {
            request_id: request_id.clone(),
            event,
            reply,
        };
        if self.queue.send(invocation).is_err() {
            return Err(FunctionError::Stopped);
        }
        // A process times out the event it took (`time_out`); this limit is for an event no
        // process takes (every cold start failing): Lambda's 10 s for a cold start, then the
        // function's timeout.
        let limit = INIT_LIMIT + self.spec.timeout;
        match tokio::time::timeout(limit, answer).await {
            Ok(Ok(Ok(bytes))) => {
                serde_json::from_slice(&bytes).map_err(|_| FunctionError::Malformed)
            }
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(FunctionError::Stopped),
            Err(_) => Err(FunctionError::TimedOut(self.spec.timeout)),
        }
    }

    /// The function's timeout has passed since process `id` took the event: Lambda stops the
    /// process (its next event gets a new one) and answers the invocation with the timeout.
    fn time_out(&self, id: u32, request_id: &str) {
        let mut state = self.state();
        let Some(process) = state.processes.get_mut(&id) else {
            return;
        };
        if process.current.as_ref().map(|r| r.request_id.as_str()) != Some(request_id) {
            return;
        }
        let running = process.current.take();
        if let Some(kill) = process.kill.take() {
            let _ = kill.send(());
        }
        drop(state);
        if let Some(running) = running {
            let _ = running
                .reply
                .send(Err(FunctionError::TimedOut(self.spec.timeout)));
        }
    }

    fn spawn(self: &Arc<Self>, state: &mut PoolState) {
        let id = state.next_id;
        state.next_id += 1;
        let log = |what: &str| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.spec.log)
                .map(Stdio::from)
                .map_err(|e| tracing::error!(function = %self.spec.name, error = %e, "{what}"))
        };
        let (Ok(stdout), Ok(stderr)) = (log("log file"), log("log file")) else {
            return;
        };
        let listener = match std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .and_then(TcpListener::from_std)
        {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(function = %self.spec.name, error = %e, "no port for the Runtime API");
                return;
            }
        };
        let Ok(api) = listener.local_addr() else {
            return;
        };
        let mut command = tokio::process::Command::new(&self.spec.binary);
        command
            .env_clear()
            .envs(self.spec.environment.iter().map(|(k, v)| (k, v)))
            .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("{}/[$LATEST]{id}", Utc::now().format("%Y/%m/%d")),
            )
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true);
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                tracing::error!(function = %self.spec.name, binary = %self.spec.binary.display(), error = %e, "the function's binary does not start");
                return;
            }
        };
        let (kill, killed) = oneshot::channel();
        let served = Arc::clone(self);
        let api = tokio::spawn(async move { served.serve(id, listener).await }).abort_handle();
        state.processes.insert(
            id,
            Process {
                spawned: Instant::now(),
                initialised: false,
                current: None,
                kill: Some(kill),
                api,
            },
        );
        state.cold_starts += 1;
        let pool = Arc::clone(self);
        tokio::spawn(async move { pool.watch(id, child, killed).await });
    }

    /// Waits for a process to end (on its own, killed, or with the stack), then answers the
    /// event it was working on.
    async fn watch(
        self: Arc<Self>,
        id: u32,
        mut child: tokio::process::Child,
        killed: oneshot::Receiver<()>,
    ) {
        let mut stop = self.stop.clone();
        let why = tokio::select! {
            status = child.wait() => match status {
                Ok(s) => format!("exited ({s})"),
                Err(e) => format!("lost ({e})"),
            },
            _ = killed => {
                let _ = child.kill().await;
                "killed: its event ran past the function's timeout".to_owned()
            }
            _ = stop.changed() => {
                let _ = child.kill().await;
                if let Some(p) = self.state().processes.remove(&id) {
                    p.api.abort();
                }
                return;
            }
        };
        let process = self.state().processes.remove(&id);
        if let Some(p) = &process {
            p.api.abort();
        }
        tracing::warn!(function = %self.spec.name, process = id, "{why}");
        self.platform_line(json!({"type": "platform.runtimeDone", "record": {"status": "failure", "process": id, "reason": why}}));
        let initialised = process.as_ref().is_some_and(|p| p.initialised);
        if let Some(running) = process.and_then(|p| p.current) {
            let _ = running.reply.send(Err(FunctionError::Crashed(why)));
        }
        // Events still waiting get a new process, as Lambda would start one; not after a
        // failed cold start (they wait for their timeout, as on Lambda, and say so).
        let mut state = self.state();
        if initialised
            && !*self.stop.borrow()
            && self.queued.load(Ordering::SeqCst) > state.available()
            && state.processes.len() < self.spec.max_processes
        {
            self.spawn(&mut state);
        }
    }

    /// A platform line in the function's log, as Lambda writes its own in the JSON format.
    fn platform_line(&self, mut line: Value) {
        if let Some(fields) = line.as_object_mut() {
            fields.insert("time".into(), json!(Utc::now().to_rfc3339()));
        }
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.spec.log)
        {
            // One write per line: appends from concurrent writers stay whole lines.
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    }

    /// `GET …/invocation/next`: the next event, once there is one.
    async fn next(self: &Arc<Self>, id: u32) -> Response<Full<Bytes>> {
        {
            let mut state = self.state();
            let Some(process) = state.processes.get_mut(&id) else {
                return status(StatusCode::GONE);
            };
            if !process.initialised {
                process.initialised = true;
                let init_ms = process.spawned.elapsed().as_millis() as u64;
                drop(state);
                tracing::info!(function = %self.spec.name, process = id, init_ms, "cold start");
                self.platform_line(json!({"type": "platform.initReport", "record": {"initializationType": "on-demand", "phase": "init", "status": "success", "metrics": {"durationMs": init_ms}}}));
            }
        }
        let mut stop = self.stop.clone();
        let received = {
            let mut waiting = self.waiting.lock().await;
            loop {
                let next = tokio::select! {
                    i = waiting.recv() => i,
                    _ = stop.changed() => None,
                };
                match next {
                    // Its caller gave up waiting (and was answered with the timeout): the
                    // event is not run after the fact.
                    Some(gone) if gone.reply.is_closed() => {
                        self.queued.fetch_sub(1, Ordering::SeqCst);
                        tracing::warn!(function = %self.spec.name, "an event whose caller gave up was dropped");
                    }
                    other => break other,
                }
            }
        };
        let Some(invocation) = received else {
            return status(StatusCode::GONE);
        };
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let (request_id, event) = {
            let mut state = self.state();
            let Some(process) = state.processes.get_mut(&id) else {
                // The process died while polling: the event goes back for another.
                self.queued.fetch_add(1, Ordering::SeqCst);
                let _ = self.queue.send(invocation);
                return status(StatusCode::GONE);
            };
            process.current = Some(Running {
                request_id: invocation.request_id.clone(),
                reply: invocation.reply,
                started: Instant::now(),
            });
            (invocation.request_id, invocation.event)
        };
        let pool = Arc::clone(self);
        let watched = request_id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(pool.spec.timeout).await;
            pool.time_out(id, &watched);
        });
        let deadline = Utc::now().timestamp_millis() + self.spec.timeout.as_millis() as i64;
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", &request_id)
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                format!(
                    "arn:aws:lambda:{}:{}:function:{}",
                    self.region, self.account_id, self.spec.name
                ),
            )
            .header(
                "lambda-runtime-trace-id",
                format!(
                    "Root=1-{:08x}-{}",
                    Utc::now().timestamp(),
                    &request_id.replace('-', "")[..24]
                ),
            )
            .body(Full::new(event))
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
    }

    /// `POST …/invocation/<id>/response` or `…/error`: the process's answer to its event.
    fn answer(
        &self,
        id: u32,
        request_id: &str,
        answer: Result<Bytes, FunctionError>,
    ) -> Response<Full<Bytes>> {
        let running = {
            let mut state = self.state();
            let Some(process) = state.processes.get_mut(&id) else {
                return status(StatusCode::GONE);
            };
            match process.current.take() {
                Some(r) if r.request_id == request_id => r,
                other => {
                    process.current = other;
                    return status(StatusCode::BAD_REQUEST);
                }
            }
        };
        let duration_ms = running.started.elapsed().as_secs_f64() * 1000.0;
        self.platform_line(json!({"type": "platform.report", "record": {
            "requestId": request_id,
            "status": if answer.is_ok() { "success" } else { "error" },
            "metrics": {"durationMs": (duration_ms * 100.0).round() / 100.0, "memorySizeMB": self.spec.memory_mb},
        }}));
        let _ = running.reply.send(answer);
        Response::builder()
            .status(StatusCode::ACCEPTED)
            .body(Full::new(Bytes::from_static(b"{\"status\":\"OK\"}")))
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// The functions' pools: each process's Runtime API is its pool's.
pub struct RuntimeApi {
    pools: HashMap<String, Arc<Pool>>,
}

impl RuntimeApi {
    /// The pools start no process until an event comes.
    pub fn start(
        specs: Vec<FunctionSpec>,
        region: &str,
        account_id: &str,
        stop: watch::Receiver<bool>,
    ) -> Arc<RuntimeApi> {
        let pools = specs
            .into_iter()
            .map(|spec| {
                let (queue, waiting) = mpsc::unbounded_channel();
                let name = spec.name.clone();
                let pool = Pool {
                    spec,
                    region: region.to_owned(),
                    account_id: account_id.to_owned(),
                    queue,
                    waiting: tokio::sync::Mutex::new(waiting),
                    queued: AtomicUsize::new(0),
                    state: Mutex::new(PoolState::default()),
                    stop: stop.clone(),
                };
                (name, Arc::new(pool))
            })
            .collect();
        Arc::new(RuntimeApi { pools })
    }

    pub fn pool(&self, function: &str) -> Option<Arc<Pool>> {
        self.pools.get(function).cloned()
    }
}

impl Pool {
    /// Process `id`'s Runtime API, until the process ends (its task is aborted) or the stack
    /// stops.
    async fn serve(self: Arc<Self>, id: u32, listener: TcpListener) {
        let stop = self.stop.clone();
        let answer = move |_, req| {
            let pool = Arc::clone(&self);
            async move { pool.handle(id, req).await }
        };
        crate::server::serve_http(listener, answer, stop).await;
    }

    async fn handle(self: &Arc<Self>, id: u32, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_owned();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = req.method().clone();
        let body = match Limited::new(req.into_body(), MAX_PAYLOAD).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return match segments.as_slice() {
                    ["2018-06-01", "runtime", "invocation", request_id, _] => {
                        self.answer(id, request_id, Err(FunctionError::PayloadTooLarge))
                    }
                    _ => status(StatusCode::PAYLOAD_TOO_LARGE),
                };
            }
        };
        match (method, segments.as_slice()) {
            (Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => self.next(id).await,
            (Method::POST, ["2018-06-01", "runtime", "invocation", request_id, "response"]) => {
                self.answer(id, request_id, Ok(body))
            }
            (Method::POST, ["2018-06-01", "runtime", "invocation", request_id, "error"]) => {
                let error: Value = serde_json::from_slice(&body).unwrap_or_default();
                let text = |k: &str| {
                    error
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                self.answer(
                    id,
                    request_id,
                    Err(FunctionError::Failed {
                        error_type: text("errorType"),
                        message: text("errorMessage"),
                    }),
                )
            }
            (Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
                tracing::error!(function = %self.spec.name, process = id, error = %String::from_utf8_lossy(&body), "cold start failed");
                status(StatusCode::ACCEPTED)
            }
            _ => status(StatusCode::NOT_FOUND),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The Runtime API against a function written in shell with curl: it polls as
    //! `lambda_runtime` does and does what each event asks (answer, fail, crash, hang).

    use super::*;
    use crate::lambda::{FunctionError, FunctionSpec};
    use std::os::unix::fs::PermissionsExt;

    const FUNCTION: &str = r#"#!/bin/bash
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
echo "{\"message\":\"started\",\"pid\":$$}"
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "$api/invocation/next") || exit 0
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\r')
  rm -f "$headers"
  case "$event" in
    *crash*) exit 3 ;;
    *hang*) sleep 30 ;;
    *slow*) sleep 0.4; curl -sS -X POST -d "{\"pid\":$$}" "$api/invocation/$id/response" >/dev/null ;;
    *fail*) curl -sS -X POST -d '{"errorType":"Boom","errorMessage":"asked to"}' "$api/invocation/$id/error" >/dev/null ;;
    *) curl -sS -X POST -d "{\"pid\":$$,\"event\":$event}" "$api/invocation/$id/response" >/dev/null ;;
  esac
done
"#;

    async fn pool(dir: &std::path::Path, stop: watch::Receiver<bool>) -> Arc<Pool> {
        let binary = dir.join("bootstrap");
        std::fs::write(&binary, FUNCTION).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        let spec = FunctionSpec {
            name: "ShellFunction".into(),
            binary,
            environment: vec![("PATH".into(), "/usr/bin:/bin".into())],
            timeout: Duration::from_secs(1),
            memory_mb: 128,
            log: dir.join("ShellFunction.log"),
            max_processes: 2,
        };
        let api = RuntimeApi::start(vec![spec], "eu-central-1", "123456789012", stop);
        api.pool("ShellFunction").unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processes_answer_fail_crash_and_time_out_as_on_lambda() {
        let dir = std::env::temp_dir().join(format!("runtime-api-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (_stop, stopped) = watch::channel(false);
        let pool = pool(&dir, stopped).await;

        let answer = pool.invoke(&json!({"n": 1})).await.unwrap();
        assert_eq!(answer["event"], json!({"n": 1}), "the event went through");
        assert_eq!(pool.cold_starts(), 1);

        // Three slow events at once: a second process starts, and no more than the limit.
        let slow: Vec<_> = (0..3)
            .map(|_| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move { pool.invoke(&json!("slow")).await })
            })
            .collect();
        let mut pids = std::collections::HashSet::new();
        for s in slow {
            pids.insert(s.await.unwrap().unwrap()["pid"].as_i64().unwrap());
        }
        assert_eq!(pids.len(), 2, "two processes served them");
        assert_eq!(pool.cold_starts(), 2);

        match pool.invoke(&json!("fail")).await {
            Err(FunctionError::Failed { error_type, .. }) => assert_eq!(error_type, "Boom"),
            other => panic!("a reported error: {other:?}"),
        }
        match pool.invoke(&json!("crash")).await {
            Err(FunctionError::Crashed(why)) => assert!(why.contains("exited"), "{why}"),
            other => panic!("a crash: {other:?}"),
        }
        let started = Instant::now();
        match pool.invoke(&json!("hang")).await {
            Err(FunctionError::TimedOut(_)) => {}
            other => panic!("a timeout: {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "timed out at the function's timeout"
        );
        // The crashed and the timed-out processes are replaced.
        let answer = pool.invoke(&json!({"n": 2})).await.unwrap();
        assert_eq!(answer["event"], json!({"n": 2}));
        let log = std::fs::read_to_string(dir.join("ShellFunction.log")).unwrap();
        assert!(
            log.contains("\"started\""),
            "the processes' output is the function's log"
        );
        assert!(log.contains("platform.report") && log.contains("platform.initReport"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
