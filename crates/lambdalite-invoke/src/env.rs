//! One execution environment: a bootstrap process, its Runtime API and its
//! log, used by one invocation at a time.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use lambdalite_model::{FunctionConfig, Runtime, RuntimeFamily};
use lambdalite_runtime_api::{Invocation, Outcome, RuntimeApi, RuntimeEvent};
use tokio::sync::oneshot;

use crate::logs::{EnvLog, LogWriter};
use crate::sandbox::{LaunchSpec, NetworkMode, Process, SandboxError, View};
use crate::{ms_since, InvokeError, InvokeRequest, InvokeResult, InvokerSettings};

/// How long a runtime may take to initialise before its first `/next`.
const INIT_LIMIT: Duration = Duration::from_secs(10);

/// Where an environment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Started; its bootstrap has not asked for an event yet.
    Starting,
    /// Initialised and able to take an event.
    Ready,
    /// Dead or poisoned: it must not be used again.
    Dead,
}

pub struct Environment {
    process: Process,
    api: RuntimeApi,
    log: EnvLog,
    state: State,
    started: Instant,
    last_used: Instant,
    /// Why the runtime can't start, found before spawning (reported to the
    /// first invocation).
    launch_error: Option<(String, String)>,
}

/// The program and arguments that start a runtime, and whether the
/// interpreter's version is the runtime's exact one.
pub(crate) fn program_for(
    settings: &InvokerSettings,
    runtime: Option<&str>,
    task_root: Option<&PathBuf>,
) -> Result<(PathBuf, bool), InvokeError> {
    let name = runtime.unwrap_or("");
    let runtime = Runtime::parse(name)
        .ok_or_else(|| InvokeError::InvalidRuntime(format!("Unknown runtime: '{name}'")))?;
    match runtime.family() {
        RuntimeFamily::Python { .. } | RuntimeFamily::Node { .. } => {
            settings.interpreters.for_runtime(&runtime).ok_or_else(|| {
                InvokeError::InvalidRuntime(format!(
                    "lambdalite found no interpreter for runtime {name} on this host; \
                     install one or point lambdalite at it (--python / --node)."
                ))
            })
        }
        RuntimeFamily::Provided => Ok((
            task_root.map_or_else(|| PathBuf::from("bootstrap"), |r| r.join("bootstrap")),
            true,
        )),
        RuntimeFamily::Unsupported => Err(InvokeError::InvalidRuntime(format!(
            "lambdalite can't run the {name} runtime: it runs python, nodejs and provided \
             (custom runtime) functions."
        ))),
    }
}

/// The merged layers of a function, if it has any.
pub(crate) fn layers_dir(settings: &InvokerSettings, config: &FunctionConfig) -> Option<PathBuf> {
    (!config.layers.is_empty()).then(|| {
        settings
            .opt_root
            .join(lambdalite_model::layer::merged_key(&config.layers))
    })
}

/// Where a custom runtime's bootstrap comes from.
pub(crate) enum BootstrapIn {
    InCode,
    InLayers,
}
use BootstrapIn::{InCode, InLayers};

/// A custom runtime's bootstrap on the host: the code's, else a layer's.
pub(crate) fn find_bootstrap(
    code: &Path,
    opt_dir: Option<&Path>,
) -> Option<(BootstrapIn, PathBuf)> {
    let in_code = code.join("bootstrap");
    if in_code.is_file() {
        return Some((InCode, in_code));
    }
    let in_layers = opt_dir?.join("bootstrap");
    in_layers.is_file().then_some((InLayers, in_layers))
}

/// The variables a process reads when it starts (the dynamic loader, the
/// C library), as the sandbox's view places code and layers.
pub(crate) fn process_env(view: &View) -> [(String, String); 4] {
    let (root, opt) = (view.task_root.display(), view.opt.display());
    [
        ("TZ".into(), ":UTC".into()),
        ("LANG".into(), "en_US.UTF-8".into()),
        (
            "PATH".into(),
            format!("/usr/local/bin:/usr/bin/:/bin:{opt}/bin"),
        ),
        (
            "LD_LIBRARY_PATH".into(),
            format!("/lib64:/usr/lib64:{root}:{root}/lib:{opt}/lib"),
        ),
    ]
}

/// What starts an environment, with paths as the sandbox shows them, and
/// whether a custom runtime's bootstrap exists.
fn launch_spec(
    settings: &InvokerSettings,
    config: &FunctionConfig,
    runtime_api: &str,
    log_stream: &str,
    init_type: &str,
) -> Result<(LaunchSpec, bool), InvokeError> {
    let code = settings.code_root.join(&config.code.sha256_hex);
    let opt_dir = layers_dir(settings, config);
    let (interpreter, _) = program_for(settings, config.runtime.as_deref(), Some(&code))?;
    let runtime = config.runtime.clone().unwrap_or_default();
    let family = Runtime::parse(&runtime).map(|r| r.family());
    let host_runtime_dir = match family {
        Some(RuntimeFamily::Python { .. }) => Some(settings.runtime_dir.join("python")),
        Some(RuntimeFamily::Node { .. }) => Some(settings.runtime_dir.join("nodejs")),
        _ => None,
    };
    // Where the environment sees its code, runtime folder and layers.
    let view = settings
        .sandbox
        .view(&code, host_runtime_dir.as_deref(), opt_dir.as_deref());
    let mut entrypoint_found = true;
    let (program, args): (PathBuf, Vec<OsString>) = match (family, &view.runtime_dir) {
        (Some(RuntimeFamily::Python { .. }), Some(dir)) => (
            interpreter,
            vec![
                "-u".into(),
                "-c".into(),
                crate::runtimes::python_launcher(dir).into(),
            ],
        ),
        (Some(RuntimeFamily::Node { .. }), Some(dir)) => (
            interpreter,
            vec![dir.join("bootstrap.mjs").into_os_string()],
        ),
        _ => {
            let program = match find_bootstrap(&code, opt_dir.as_deref()) {
                Some((InCode, _)) => view.task_root.join("bootstrap"),
                Some((InLayers, _)) => view.opt.join("bootstrap"),
                None => {
                    entrypoint_found = false;
                    view.task_root.join("bootstrap")
                }
            };
            (program, Vec::new())
        }
    };
    let runtime_dir = view.runtime_dir.clone().unwrap_or(view.task_root.clone());
    let opt = view.opt.display().to_string();
    let root = view.task_root.display().to_string();
    let region = settings.partition.region.clone();
    let mut env: Vec<(String, String)> = vec![
        (
            "_HANDLER".into(),
            config.handler.clone().unwrap_or_default(),
        ),
        ("AWS_LAMBDA_RUNTIME_API".into(), runtime_api.into()),
        ("LAMBDA_TASK_ROOT".into(), root.clone()),
        (
            "LAMBDA_RUNTIME_DIR".into(),
            runtime_dir.display().to_string(),
        ),
        ("AWS_REGION".into(), region.clone()),
        ("AWS_DEFAULT_REGION".into(), region),
        ("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{runtime}")),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), config.name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            config.memory_size.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), config.version.clone()),
        ("AWS_LAMBDA_LOG_GROUP_NAME".into(), config.log_group()),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), log_stream.into()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), init_type.into()),
    ];
    env.extend(process_env(&view));
    match family {
        Some(RuntimeFamily::Node { major }) => env.push((
            "NODE_PATH".into(),
            format!(
                "{opt}/nodejs/node{major}/node_modules:{opt}/nodejs/node_modules:{sdk}/node_modules:{root}/node_modules:{root}",
                sdk = runtime_dir.join("sdk").display()
            ),
        )),
        Some(RuntimeFamily::Python { minor }) => {
            env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
            if opt != "/opt" {
                env.push((
                    "PYTHONPATH".into(),
                    format!("{opt}/python/lib/python3.{minor}/site-packages:{opt}/python"),
                ));
            }
        }
        _ => {}
    }
    if let Some(extra) = &settings.extra_env {
        env.extend(extra(config));
    }
    if let Some(vars) = &config.environment {
        env.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let binds = match family {
        Some(RuntimeFamily::Python { .. }) => {
            crate::runtimes::binds(&program, None, &settings.runtime_dir)
        }
        Some(RuntimeFamily::Node { .. }) => crate::runtimes::binds(
            &program,
            Some(crate::runtimes::SdkLang::Node),
            &settings.runtime_dir,
        ),
        _ => Vec::new(),
    };
    let spec = LaunchSpec {
        program,
        binds,
        args,
        env,
        code,
        runtime: host_runtime_dir,
        layers: opt_dir.into_iter().collect(),
        memory_mb: config.memory_size,
        ephemeral_storage_mb: config.ephemeral_storage,
        ..LaunchSpec::default()
    };
    Ok((spec, entrypoint_found))
}

/// The network an environment gets: the function's own choice
/// (`LAMBDALITE_NETWORK` among its variables), else the server's. Only the
/// server chooses the host's network: a function can't ask its way out of
/// its own.
pub(crate) fn network_mode(settings: &InvokerSettings, config: &FunctionConfig) -> NetworkMode {
    let server = settings.sandbox.default_network();
    match config
        .environment
        .as_ref()
        .and_then(|vars| vars.get("LAMBDALITE_NETWORK"))
        .and_then(|v| NetworkMode::parse(v))
    {
        Some(NetworkMode::Host) | None => server,
        Some(chosen) => chosen,
    }
}

fn log_stream_name(version: &str) -> String {
    let day = chrono::Utc::now().format("%Y/%m/%d");
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{day}/[{version}]{id}")
}

fn error_body(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string())
}

/// A trace header value in X-Ray's form.
fn trace_id() -> String {
    let now = chrono::Utc::now().timestamp();
    let r = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{now:08x}-{};Parent={};Sampled=0",
        &r[..24],
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

/// Fills an empty `requestId` of an error body with the invocation's id.
fn with_request_id(body: Bytes, request_id: &str) -> Bytes {
    let Ok(serde_json::Value::Object(mut m)) = serde_json::from_slice(&body) else {
        return body;
    };
    match m.get("requestId") {
        Some(serde_json::Value::String(s)) if s.is_empty() => {
            m.insert("requestId".into(), request_id.into());
            Bytes::from(serde_json::Value::Object(m).to_string())
        }
        _ => body,
    }
}

enum Ending {
    Done(Outcome),
    InitFailed(Bytes, Option<String>),
    Exited(String),
    TimedOut,
    InitTimedOut,
}

/// An environment's log, with the note of a stand-in interpreter first.
fn start_log(
    settings: &InvokerSettings,
    config: &FunctionConfig,
    stream: String,
    writer: LogWriter,
    output: tokio::net::unix::pipe::Receiver,
) -> EnvLog {
    let log = EnvLog::start(config.log_group(), stream, writer, output);
    if let Ok((program, false)) = program_for(settings, config.runtime.as_deref(), None) {
        log.platform(&format!(
            "lambdalite: {} is not installed on this host; running the function with {}",
            config.runtime.as_deref().unwrap_or(""),
            program.display()
        ));
    }
    // What the runtime writes while it starts belongs to the first
    // invocation's tail.
    log.begin_capture();
    log
}

impl Environment {
    /// Makes a pre-started runtime this function's new environment: its
    /// code is mounted, its variables sent, and its bootstrap starts.
    pub(crate) fn assign(
        settings: &InvokerSettings,
        config: &FunctionConfig,
        writer: LogWriter,
        init_type: &str,
        mut p: crate::prewarm::Prewarmed,
    ) -> Result<Environment, InvokeError> {
        let started = Instant::now();
        let stream = log_stream_name(&config.version);
        let (spec, entrypoint_found) =
            launch_spec(settings, config, &p.api.address(), &stream, init_type)?;
        let bound = p
            .process
            .bind_code(&spec.code, spec.layers.first().map(PathBuf::as_path));
        let bound = bound.and_then(|()| {
            if entrypoint_found {
                p.assign(&spec.env, &spec.program)
            } else {
                Err(std::io::Error::other("no bootstrap"))
            }
        });
        if let Err(e) = bound {
            tracing::warn!(error = %e, "a pre-started environment could not take its function");
            p.process.kill();
            let mut process = p.process;
            tokio::spawn(async move {
                let _ = process.wait().await;
            });
            return Err(InvokeError::Internal(format!(
                "assigning a pre-started environment: {e}"
            )));
        }
        let log = start_log(settings, config, stream, writer, p.output);
        Ok(Environment {
            process: p.process,
            api: p.api,
            log,
            state: State::Starting,
            started,
            last_used: Instant::now(),
            launch_error: None,
        })
    }

    /// Starts a new environment for a version. A runtime that can't start
    /// (no bootstrap) still yields an environment, which reports the reason
    /// to its first invocation as AWS does.
    pub(crate) async fn start(
        settings: &InvokerSettings,
        config: &FunctionConfig,
        writer: LogWriter,
        init_type: &str,
    ) -> Result<Environment, InvokeError> {
        let started = Instant::now();
        let mut prepared = settings
            .sandbox
            .prepare(network_mode(settings, config))
            .map_err(|e| InvokeError::Internal(format!("preparing an environment: {e}")))?;
        let api = prepared
            .runtime_api_listener()
            .and_then(tokio::net::TcpListener::from_std)
            .and_then(RuntimeApi::serve)
            .map_err(|e| InvokeError::Internal(format!("binding a Runtime API: {e}")))?;
        let stream = log_stream_name(&config.version);
        let (spec, entrypoint_found) =
            launch_spec(settings, config, &api.address(), &stream, init_type)?;
        let (reader, writer_end) = std::io::pipe()
            .map_err(|e| InvokeError::Internal(format!("creating a log pipe: {e}")))?;
        let output = tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into())
            .map_err(|e| InvokeError::Internal(format!("reading a log pipe: {e}")))?;
        let log = start_log(settings, config, stream, writer, output);

        let mut launch_error = None;
        if !entrypoint_found {
            launch_error = Some((
                "Runtime.InvalidEntrypoint".to_string(),
                "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
                    .to_string(),
            ));
        }
        let mut process = None;
        if launch_error.is_none() {
            let spawned = match prepared.spawn(&spec, writer_end) {
                Ok(mut p) => p.started().await.map(|()| p),
                Err(e) => Err(e),
            };
            match spawned {
                Ok(p) => process = Some(p),
                // The bootstrap can't be executed: the function's fault,
                // reported to its first invocation.
                Err(e @ SandboxError::Exec { .. }) => {
                    launch_error = Some(("Runtime.InvalidEntrypoint".to_string(), e.to_string()));
                }
                Err(e) => {
                    tracing::error!(function = %config.name, error = %e, "starting an environment");
                    return Err(InvokeError::Internal(format!(
                        "starting an environment: {e}"
                    )));
                }
            }
        }
        let process = match process {
            Some(p) => p,
            // A stand-in that has already exited, so the environment is dead.
            None => Process::from_child(
                tokio::process::Command::new("/bin/true")
                    .env_clear()
                    .spawn()
                    .map_err(|e| InvokeError::Internal(format!("starting /bin/true: {e}")))?,
            ),
        };
        Ok(Environment {
            process,
            api,
            log,
            state: State::Starting,
            started,
            last_used: Instant::now(),
            launch_error,
        })
    }

    pub fn log_stream(&self) -> &str {
        self.log.stream()
    }

    pub(crate) fn is_reusable(&self) -> bool {
        self.state == State::Ready
    }

    pub(crate) fn touch(&mut self) {
        self.last_used = Instant::now();
    }

    pub(crate) fn idle_for(&self) -> Duration {
        self.last_used.elapsed()
    }

    /// Ends the environment and every process it started.
    pub fn kill(mut self) {
        self.state = State::Dead;
        self.process.kill();
        let mut process = self.process;
        tokio::spawn(async move {
            let _ = process.wait().await;
        });
    }

    /// Runs one invocation on this environment.
    pub(crate) async fn run(&mut self, req: InvokeRequest) -> InvokeResult {
        let request_id = req.request_id.clone();
        let version = req.config.version.clone();
        let timeout = Duration::from_secs(u64::from(req.config.timeout));
        let cold = self.state == State::Starting;
        let tail = req.tail;
        // A cold start's tail includes what the runtime logged while it
        // started (captured since the start).
        match (cold, tail) {
            (false, true) => self.log.begin_capture(),
            (true, false) => {
                self.log.end_capture();
            }
            _ => {}
        }

        let (reply_tx, reply_rx) = oneshot::channel();
        let invocation = Invocation {
            request_id: request_id.clone(),
            timeout,
            invoked_function_arn: req.invoked_arn.clone(),
            trace_id: trace_id(),
            client_context: req.client_context.clone(),
            cognito_identity: None,
            payload: req.payload,
            stream: req.stream,
            reply: reply_tx,
        };

        let mut init_ms = None;
        let mut began = Instant::now();
        let ending = if let Some((kind, message)) = self.launch_error.clone() {
            self.log.platform(&format!(
                "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: {kind}",
                ms_since(self.started)
            ));
            self.state = State::Dead;
            Ending::InitFailed(
                error_body(&kind, &format!("RequestId: {request_id} Error: {message}")),
                Some(kind),
            )
        } else {
            let _ = self.api.invocations.try_send(invocation);
            let mut ending = None;
            if cold {
                match self.await_init().await {
                    Ok(()) => init_ms = Some(ms_since(self.started)),
                    Err(e) => ending = Some(e),
                }
            }
            match ending {
                Some(e) => e,
                None => {
                    self.log
                        .platform(&format!("START RequestId: {request_id} Version: {version}"));
                    began = Instant::now();
                    self.await_outcome(reply_rx, timeout).await
                }
            }
        };
        // Everything the function wrote before it answered is logged first.
        self.log.sync();
        let duration_ms = ms_since(began);
        let (payload, function_error, status) = match ending {
            Ending::Done(Outcome::Response(body)) => (body, None, None),
            Ending::Done(Outcome::Streamed) => (Bytes::new(), None, None),
            Ending::Done(Outcome::Error { body, error_type }) => {
                let kind = error_type.unwrap_or_else(|| "Unhandled".into());
                (
                    with_request_id(body, &request_id),
                    Some("Unhandled"),
                    Some(("error", kind)),
                )
            }
            Ending::InitFailed(body, kind) => {
                let kind = kind.unwrap_or_else(|| "Runtime.Unknown".into());
                (
                    with_request_id(body, &request_id),
                    Some("Unhandled"),
                    Some(("error", kind)),
                )
            }
            Ending::Exited(how) => {
                self.state = State::Dead;
                if self.process.oom_killed() {
                    tracing::warn!(
                        function = %req.config.name,
                        memory_size = req.config.memory_size,
                        "the environment ran out of memory and was killed"
                    );
                }
                let message = format!("RequestId: {request_id} Error: {how}");
                self.log.platform(&message);
                self.log.platform("Runtime.ExitError");
                (
                    error_body("Runtime.ExitError", &message),
                    Some("Unhandled"),
                    Some(("error", "Runtime.ExitError".to_string())),
                )
            }
            Ending::TimedOut => {
                self.state = State::Dead;
                let secs = format!("{:.2}", timeout.as_secs_f64());
                self.log.platform(&format!(
                    "{} {request_id} Task timed out after {secs} seconds",
                    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
                ));
                (
                    error_body(
                        "Sandbox.Timedout",
                        &format!(
                            "RequestId: {request_id} Error: Task timed out after {secs} seconds"
                        ),
                    ),
                    Some("Unhandled"),
                    Some(("timeout", String::new())),
                )
            }
            Ending::InitTimedOut => {
                self.state = State::Dead;
                let message = format!(
                    "RequestId: {request_id} Error: Runtime failed to initialize within {} seconds",
                    INIT_LIMIT.as_secs()
                );
                (
                    error_body("Runtime.InitTimeout", &message),
                    Some("Unhandled"),
                    Some(("timeout", String::new())),
                )
            }
        };
        self.log.platform(&format!("END RequestId: {request_id}"));
        let memory = self.process.max_memory_used_mb().unwrap_or(0);
        let billed = (duration_ms + init_ms.unwrap_or(0.0)).ceil().max(1.0) as u64;
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {memory} MB\t",
            req.config.memory_size
        );
        if let Some(init) = init_ms {
            report.push_str(&format!("Init Duration: {init:.2} ms\t"));
        }
        if let Some((status, kind)) = status {
            if status == "timeout" {
                report.push_str("Status: timeout");
            } else if self.state == State::Dead {
                report.push_str(&format!("Status: error\tError Type: {kind}"));
            }
        }
        self.log.platform(report.trim_end_matches('\t'));
        let log_tail = tail.then(|| self.log.end_capture());
        InvokeResult {
            request_id,
            payload,
            function_error,
            log_tail,
            executed_version: version,
        }
    }

    /// Waits for the bootstrap's first `/next`.
    /// Initialises a new environment ahead of any invocation (provisioned
    /// concurrency). Returns whether it is ready; what the runtime logged
    /// while starting stays in the log, not in a later invocation's tail.
    pub(crate) async fn initialize(&mut self) -> bool {
        if self.state != State::Starting {
            return self.state == State::Ready;
        }
        if self.launch_error.is_some() {
            self.state = State::Dead;
            return false;
        }
        let ready = self.await_init().await.is_ok();
        self.log.sync();
        self.log.end_capture();
        if ready {
            self.log.platform(&format!(
                "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: success",
                ms_since(self.started)
            ));
        }
        ready
    }

    async fn await_init(&mut self) -> Result<(), Ending> {
        let limit = tokio::time::sleep(INIT_LIMIT.saturating_sub(self.started.elapsed()));
        tokio::pin!(limit);
        tokio::select! {
            ev = self.api.events.recv() => match ev {
                Some(RuntimeEvent::Ready) => {
                    self.state = State::Ready;
                    Ok(())
                }
                Some(RuntimeEvent::InitError { error_type, body }) => {
                    self.state = State::Dead;
                    // The runtime exits after reporting; give its last
                    // words a moment to reach the log.
                    let _ = tokio::time::timeout(Duration::from_millis(200), self.process.wait()).await;
                    self.process.kill();
                    let kind = error_type.clone().unwrap_or_else(|| "Runtime.Unknown".into());
                    self.log.sync();
                    self.log.platform(&format!(
                        "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: {kind}",
                        ms_since(self.started)
                    ));
                    Err(Ending::InitFailed(body, error_type))
                }
                None => {
                    self.state = State::Dead;
                    Err(Ending::Exited("Runtime API closed".into()))
                }
            },
            status = self.process.wait() => {
                self.state = State::Dead;
                let how = exit_reason(status);
                self.log.sync();
                self.log.platform(&format!(
                    "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
                    ms_since(self.started)
                ));
                Err(Ending::Exited(how))
            }
            _ = &mut limit => {
                self.state = State::Dead;
                self.process.kill();
                self.log.platform(&format!(
                    "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: timeout",
                    ms_since(self.started)
                ));
                Err(Ending::InitTimedOut)
            }
        }
    }

    /// Waits for the invocation's response, error, the runtime's death or
    /// the timeout.
    async fn await_outcome(
        &mut self,
        mut reply: oneshot::Receiver<Outcome>,
        timeout: Duration,
    ) -> Ending {
        let limit = tokio::time::sleep(timeout);
        tokio::pin!(limit);
        loop {
            tokio::select! {
                biased;
                outcome = &mut reply => {
                    return match outcome {
                        Ok(o) => Ending::Done(o),
                        Err(_) => {
                            self.state = State::Dead;
                            Ending::Exited("Runtime exited without providing a reason".into())
                        }
                    };
                }
                status = self.process.wait() => {
                    self.state = State::Dead;
                    // An answer may have raced the exit.
                    if let Ok(o) = reply.try_recv() {
                        return Ending::Done(o);
                    }
                    return Ending::Exited(exit_reason(status));
                }
                ev = self.api.events.recv() => {
                    if let Some(RuntimeEvent::InitError { error_type, body }) = ev {
                        self.state = State::Dead;
                        self.process.kill();
                        return Ending::InitFailed(body, error_type);
                    }
                    if ev.is_none() {
                        self.state = State::Dead;
                        return Ending::Exited("Runtime API closed".into());
                    }
                }
                _ = &mut limit => {
                    self.state = State::Dead;
                    self.process.kill();
                    return Ending::TimedOut;
                }
            }
        }
    }
}

fn exit_reason(status: std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(0), _) => "Runtime exited without providing a reason".into(),
            (Some(code), _) => format!("Runtime exited with error: exit status {code}"),
            (None, Some(sig)) => format!("Runtime exited with error: signal: {}", signal_name(sig)),
            (None, None) => "Runtime exited without providing a reason".into(),
        },
        Err(e) => format!("Runtime exited: {e}"),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "killed",
        libc::SIGSEGV => "segmentation fault",
        libc::SIGABRT => "aborted",
        libc::SIGTERM => "terminated",
        libc::SIGINT => "interrupt",
        libc::SIGBUS => "bus error",
        libc::SIGFPE => "floating point exception",
        libc::SIGILL => "illegal instruction",
        libc::SIGPIPE => "broken pipe",
        _ => "signal",
    }
}
