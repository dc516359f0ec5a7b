//! `lambdalite serve`: the API server and everything behind it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use std::time::Duration;

use lambdalite_api::async_events::{AsyncRunner, AsyncSettings};
use lambdalite_api::AppState;
use lambdalite_invoke::sandbox::{self, NamespacesConfig, NetworkMode, SandboxKind};
use lambdalite_invoke::{Interpreters, Invoker, InvokerSettings};
use lambdalite_model::Partition;
use lambdalite_store::queue::AsyncQueue;
use lambdalite_store::{CodeStore, Layout, SqliteStore};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address of the Lambda API.
    #[arg(long, env = "LAMBDALITE_LISTEN", default_value = "127.0.0.1:9001")]
    listen: SocketAddr,
    /// Where functions, code and logs are kept.
    #[arg(long, env = "LAMBDALITE_DATA_DIR", default_value = "./.lambdalite")]
    data_dir: PathBuf,
    /// The region in every ARN.
    #[arg(long, env = "LAMBDALITE_REGION", default_value = "us-east-1")]
    region: String,
    /// The account id in every ARN.
    #[arg(long, env = "LAMBDALITE_ACCOUNT_ID", default_value = "000000000000")]
    account_id: String,
    /// The account's concurrency limit.
    #[arg(long, env = "LAMBDALITE_ACCOUNT_CONCURRENCY", default_value_t = 1000)]
    account_concurrency: u32,
    /// Threads serving requests (default: one per CPU).
    #[arg(long, env = "LAMBDALITE_WORKER_THREADS")]
    worker_threads: Option<usize>,
    /// Seconds an idle execution environment is kept warm before it is reaped.
    #[arg(long, env = "LAMBDALITE_KEEP_WARM", default_value_t = 600)]
    keep_warm: u64,
    /// Python, node and provided environments kept started ahead of need, per kind in use
    /// (interpreter, memory, /tmp size, network), so that a cold start only
    /// loads the function; 0 starts every environment from scratch. Needs
    /// the namespace sandbox.
    #[arg(long, env = "LAMBDALITE_PREWARM", default_value_t = 1)]
    prewarm: usize,
    /// Seconds before the first retry of a failed asynchronous invocation
    /// (the second waits twice as long). AWS waits about a minute.
    #[arg(long, env = "LAMBDALITE_ASYNC_RETRY_DELAY", default_value_t = 60.0)]
    async_retry_delay: f64,
    /// Memory (MB) kept free on the host: environments are stopped or
    /// invocations throttled rather than going below it (default: a tenth
    /// of the host's memory).
    #[arg(long, env = "LAMBDALITE_MEMORY_RESERVE_MB")]
    memory_reserve_mb: Option<u64>,
    /// How environments are isolated: `namespaces` (Linux namespaces,
    /// cgroups and seccomp; needs root), `none` (plain processes), or `auto`
    /// (namespaces where the host allows them, else plain processes).
    #[arg(long, env = "LAMBDALITE_SANDBOX", default_value = "auto", value_parser = parse_sandbox)]
    sandbox: SandboxKind,
    /// What a function's network reaches, unless it chooses with its
    /// LAMBDALITE_NETWORK variable: `default` (the host and beyond),
    /// `none` (its own loopback only) or `host` (the host's network itself,
    /// so `localhost` is the host; environments can then reach each
    /// other's Runtime API).
    #[arg(long, env = "LAMBDALITE_NETWORK", default_value = "default", value_parser = parse_network)]
    network: NetworkMode,
    /// vCPUs per 1,769 MB of function memory (AWS: 1); 0 turns the CPU
    /// limit off.
    #[arg(long, env = "LAMBDALITE_CPU_SCALE", default_value_t = 1.0)]
    cpu_scale: f64,
    /// The access key id of the account's own key (requests must then be
    /// signed with it, or with a key of --credentials-file).
    #[arg(long, env = "LAMBDALITE_ACCESS_KEY_ID", requires = "secret_access_key")]
    access_key_id: Option<String>,
    /// The secret of --access-key-id.
    #[arg(
        long,
        env = "LAMBDALITE_SECRET_ACCESS_KEY",
        hide_env_values = true,
        requires = "access_key_id"
    )]
    secret_access_key: Option<String>,
    /// A file of keys in the INI form of ~/.aws/credentials (one section per
    /// key; optional account_id and principal; see docs/security.md).
    #[arg(long, env = "LAMBDALITE_CREDENTIALS_FILE")]
    credentials_file: Option<PathBuf>,
    /// A DynamoDB-compatible server (DynamoDB Local, moto, or AWS's
    /// `https://streams.dynamodb.REGION.amazonaws.com`) whose streams
    /// event source mappings read; requests are signed with the
    /// environment's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any
    /// value for a local server).
    #[arg(long, env = "LAMBDALITE_DYNAMODB_ENDPOINT")]
    dynamodb_endpoint: Option<String>,
    /// Serve a non-loopback address without credentials, letting anyone who
    /// reaches it do anything.
    #[arg(long, env = "LAMBDALITE_ALLOW_UNAUTHENTICATED")]
    allow_unauthenticated: bool,
    /// API definitions to import at start (docs/gateway.md): a file, or a
    /// folder of .json, .yaml and .yml files; each API's id is its file's
    /// name. May be given more than once.
    #[arg(long = "apis", env = "LAMBDALITE_APIS", value_delimiter = ',')]
    apis: Vec<PathBuf>,
}

fn parse_sandbox(s: &str) -> Result<SandboxKind, String> {
    SandboxKind::parse(s).ok_or_else(|| format!("{s:?} is not one of auto, namespaces, none"))
}

fn parse_network(s: &str) -> Result<NetworkMode, String> {
    NetworkMode::parse(s).ok_or_else(|| format!("{s:?} is not one of default, none, host"))
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.account_id.len() != 12 || !args.account_id.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("--account-id must be 12 digits, not {:?}", args.account_id);
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.worker_threads {
        builder.worker_threads(n.max(1));
    }
    let runtime = builder
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

/// The keys requests are checked against, from the flags; none means every
/// request is let in, which only loopback (or the override) allows.
fn credentials(args: &ServeArgs) -> anyhow::Result<lambdalite_api::auth::Auth> {
    use lambdalite_api::auth::{self, Auth, Caller, Key};
    let mut keys = std::collections::HashMap::new();
    if let Some(path) = &args.credentials_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the credentials file {}", path.display()))?;
        keys = auth::parse_credentials_file(&text, &args.account_id)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    if let (Some(id), Some(secret)) = (&args.access_key_id, &args.secret_access_key) {
        keys.insert(
            id.clone(),
            Key {
                secret: secret.clone(),
                caller: Caller::root(&args.account_id),
            },
        );
    }
    if keys.is_empty() && !args.listen.ip().is_loopback() && !args.allow_unauthenticated {
        anyhow::bail!(
            "refusing to serve {} without credentials: anyone reaching it could run code here. \
             Set LAMBDALITE_ACCESS_KEY_ID and LAMBDALITE_SECRET_ACCESS_KEY (or \
             --credentials-file), listen on 127.0.0.1, or pass --allow-unauthenticated",
            args.listen
        );
    }
    if keys.is_empty() {
        tracing::warn!(listen = %args.listen, "no credentials configured: requests are not authenticated");
    }
    Ok(Auth::new(keys, &args.region, &args.account_id))
}

/// Where execution environments reach lambdalite's API: the URL they are
/// given, and the extra listener that serves it to them when the main one
/// can't be reached from inside.
struct FunctionsReach {
    endpoint: String,
    listener: Option<tokio::net::TcpListener>,
}

/// Environments of the default network mode see the host as
/// `host.lambdalite.internal`, an address lambdalite keeps on the host's
/// loopback device: no other machine routes to it, and whatever arrives
/// there must be signed. A main listener on every address already covers
/// it; one on loopback gets a second listener there. Plain processes and
/// the host network mode reach the main listener itself.
async fn functions_reach(listen: SocketAddr, sandbox: &str) -> FunctionsReach {
    let port = listen.port();
    let direct = || {
        let host = match listen.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        FunctionsReach {
            endpoint: format!("http://{host}:{port}"),
            listener: None,
        }
    };
    if sandbox != "namespaces" {
        return direct();
    }
    let endpoint = format!("http://{}:{port}", sandbox::HOST_NAME);
    if listen.ip().is_unspecified() {
        return FunctionsReach {
            endpoint,
            listener: None,
        };
    }
    let bound = match sandbox::host_api_address() {
        Ok(addr) => tokio::net::TcpListener::bind((addr, port))
            .await
            .map_err(|e| format!("listening on {addr}:{port}: {e}")),
        Err(e) => Err(e.to_string()),
    };
    match bound {
        Ok(listener) => FunctionsReach {
            endpoint,
            listener: Some(listener),
        },
        Err(e) => {
            tracing::warn!(error = %e, "functions can't reach lambdalite's API for SDK calls");
            direct()
        }
    }
}

/// How functions reach lambdalite's API, and the credentials they call it
/// with (issued per function, accepted with the identity of its role).
fn function_env(
    endpoint: String,
    auth: &lambdalite_api::auth::Auth,
    partition: &Partition,
) -> lambdalite_invoke::ExtraEnv {
    let auth = auth.clone();
    let partition = partition.clone();
    Arc::new(move |config: &lambdalite_model::FunctionConfig| {
        let (id, secret, token) =
            auth.function_credentials(&partition.function_arn(&config.name), &config.role);
        vec![
            ("AWS_ACCESS_KEY_ID".into(), id),
            ("AWS_SECRET_ACCESS_KEY".into(), secret),
            ("AWS_SESSION_TOKEN".into(), token),
            // The SDK-wide endpoint (boto3 1.28+, SDK for JavaScript v3,
            // every current SDK), and Lambda's own for older ones.
            ("AWS_ENDPOINT_URL".into(), endpoint.clone()),
            ("AWS_ENDPOINT_URL_LAMBDA".into(), endpoint.clone()),
        ]
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let auth = credentials(&args)?;
    let layout = Layout::new(&args.data_dir);
    let store = SqliteStore::open(&layout.database())
        .with_context(|| format!("opening the database in {}", args.data_dir.display()))?;
    let code = CodeStore::open(layout.clone()).context("opening the code store")?;
    let partition = Partition::new(args.region.clone(), args.account_id.clone());
    let interpreters = Interpreters::discover();
    tracing::info!(
        python = ?interpreters.python.keys().map(|m| format!("3.{m}")).collect::<Vec<_>>(),
        node = ?interpreters.node.keys().collect::<Vec<_>>(),
        "interpreters found"
    );
    if !(args.cpu_scale >= 0.0 && args.cpu_scale.is_finite()) {
        anyhow::bail!("--cpu-scale must be 0 or more, not {}", args.cpu_scale);
    }
    let (sandbox, fallback) = sandbox::choose(
        args.sandbox,
        NamespacesConfig {
            state_dir: layout.root.join("sandbox"),
            cpu_scale: args.cpu_scale,
            network: args.network,
        },
    )
    .await
    .context("setting up the namespace sandbox (--sandbox namespaces)")?;
    if let Some(reason) = &fallback {
        eprintln!(
            "WARNING: functions run as plain processes, WITHOUT ISOLATION OR LIMITS: {reason}.\n\
             WARNING: run lambdalite as root on Linux for sandboxed environments \
             (or pass --sandbox none to say this is intended)."
        );
        tracing::warn!(reason = %reason, "no sandbox: functions run as plain processes");
    }
    tracing::info!(
        sandbox = sandbox.name(),
        network = sandbox.default_network().as_str(),
        cpu_scale = args.cpu_scale,
        "execution environments"
    );
    // The main listener is bound before anything else can claim its port
    // (with port 0, the port it got is the one functions are told).
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let reach = functions_reach(addr, sandbox.name()).await;
    let invoker = Invoker::start(InvokerSettings {
        partition: partition.clone(),
        code_root: layout.code(),
        opt_root: layout.opt(),
        logs_root: layout.logs(),
        runtime_dir: layout.root.join("runtimes"),
        keep_warm: Duration::from_secs(args.keep_warm),
        prewarm: args.prewarm,
        interpreters,
        sandbox,
        account_concurrency: args.account_concurrency,
        memory_reserve_mb: args
            .memory_reserve_mb
            .unwrap_or_else(|| lambdalite_invoke::host_total_mb().map_or(0, |total| total / 10)),
        extra_env: Some(function_env(reach.endpoint.clone(), &auth, &partition)),
    })
    .context("starting the invoker")?;
    let (queue, pending) = AsyncQueue::open(&layout.database())
        .context("opening the asynchronous invocation queue")?;
    let async_runner = AsyncRunner::new(
        queue,
        pending,
        AsyncSettings {
            retry_delay: Duration::from_secs_f64(args.async_retry_delay.max(0.0)),
            ..AsyncSettings::default()
        },
    );
    let (sqs_store, sqs_state) = lambdalite_store::sqs::SqsStore::open(&layout.database())
        .context("opening the SQS tables")?;
    let sqs = Arc::new(lambdalite_sqs::Sqs::new(
        &args.account_id,
        &args.region,
        sqs_store,
        sqs_state,
    ));
    let deliverer = lambdalite_events::Deliverer::new(sqs.clone());
    let (kinesis_store, kinesis_state) =
        lambdalite_store::streams::StreamStore::open(&layout.service_database("kinesis"))
            .context("opening the Kinesis tables")?;
    let kinesis = lambdalite_kinesis::Kinesis::new(
        &args.account_id,
        &args.region,
        kinesis_store,
        kinesis_state,
    );
    let mappings = lambdalite_events::Mappings::new(&args.region, sqs.clone());
    let (checkpoints, saved) =
        lambdalite_store::docs::DocStore::open(&layout.service_database("esm"), "esm")
            .context("opening the stream mappings' checkpoints")?;
    mappings.set_streams(lambdalite_events::StreamSources {
        kinesis: kinesis.clone(),
        dynamodb: args.dynamodb_endpoint.as_deref().map(|endpoint| {
            let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
            let credentials = lambdalite_protocol::sigv4::Credentials {
                access_key_id: env("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "lambdalite".into()),
                secret_access_key: env("AWS_SECRET_ACCESS_KEY")
                    .unwrap_or_else(|| "lambdalite".into()),
                session_token: env("AWS_SESSION_TOKEN"),
            };
            let streams: Arc<dyn lambdalite_events::streams::Streams> =
                Arc::new(lambdalite_events::dynamodb::DynamoStreams::new(
                    endpoint,
                    &args.region,
                    credentials,
                ));
            streams
        }),
        deliverer: deliverer.clone(),
        checkpoints,
        saved,
    });
    let state = Arc::new(AppState {
        store: Arc::new(store),
        code,
        partition,
        account_concurrency: args.account_concurrency,
        invoker: invoker.clone(),
        deployments: Default::default(),
        async_runner,
        auth,
        gateway: Default::default(),
        code_objects: Default::default(),
        mappings,
    });
    lambdalite_api::start(&state);
    deliverer.set_functions(Arc::new(lambdalite_api::esm::ApiFunctions {
        state: Arc::downgrade(&state),
    }));
    let (sns_store, sns_docs) =
        lambdalite_store::docs::DocStore::open(&layout.service_database("sns"), "sns")
            .context("opening the SNS tables")?;
    let public = if addr.ip().is_unspecified() || addr.ip().is_loopback() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    };
    let sns = lambdalite_sns::Sns::new(
        &args.account_id,
        &args.region,
        sns_store,
        sns_docs,
        deliverer.clone(),
        layout.root.clone(),
        public,
    );
    deliverer.set_topics(sns.clone());
    let (events_store, events_docs) =
        lambdalite_store::docs::DocStore::open(&layout.service_database("events"), "events")
            .context("opening the EventBridge tables")?;
    let events = lambdalite_eventbridge::EventBridge::new(
        &args.account_id,
        &args.region,
        events_store,
        events_docs,
        deliverer.clone(),
        Arc::new(lambdalite_events::schedule::SystemClock),
    );
    let (scheduler_store, scheduler_docs) =
        lambdalite_store::docs::DocStore::open(&layout.service_database("scheduler"), "scheduler")
            .context("opening the Scheduler tables")?;
    let scheduler = lambdalite_scheduler::Scheduler::new(
        &args.account_id,
        &args.region,
        scheduler_store,
        scheduler_docs,
        deliverer.clone(),
        Arc::new(lambdalite_events::schedule::SystemClock),
    );
    let (s3_store, s3_docs) =
        lambdalite_store::docs::DocStore::open(&layout.service_database("s3"), "s3")
            .context("opening the S3 tables")?;
    let s3 = lambdalite_s3::S3::new(
        &args.account_id,
        &args.region,
        s3_store,
        s3_docs,
        lambdalite_store::objects::Blobs::open(&layout).context("opening the object bodies")?,
        deliverer.clone(),
    );
    let _ = state
        .code_objects
        .set(Arc::new(crate::services::S3Code(s3.clone())));
    let services = Arc::new(crate::services::Services {
        auth: state.auth.clone(),
        sqs: sqs.clone(),
        sns,
        events,
        scheduler,
        s3,
        kinesis,
    });
    for path in &args.apis {
        let ids = lambdalite_api::gateway::import_path(&state, path)
            .await
            .map_err(|e| anyhow::anyhow!("importing APIs (--apis): {e}"))?;
        tracing::info!(path = %path.display(), apis = ?ids, "APIs imported");
    }
    // Every service on the one listener: the event services first, then
    // the Lambda API.
    let app = lambdalite_api::app(state.clone()).layer(axum::middleware::from_fn_with_state(
        services.clone(),
        crate::services::dispatch,
    ));
    if let Some(inner) = reach.listener {
        tracing::info!(addr = %inner.local_addr()?, "serving functions' SDK calls");
        // Every request there must be signed, whatever the server's keys.
        let app = app
            .clone()
            .layer(axum::Extension(lambdalite_api::auth::FromFunctions));
        tokio::spawn(async move {
            let inner = inner.tap_io(nodelay);
            if let Err(e) = axum::serve(
                inner,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            {
                tracing::error!(error = %e, "the listener for functions stopped");
            }
        });
    }
    println!("lambdalite listening on http://{addr}");
    tracing::info!(%addr, data_dir = %args.data_dir.display(), region = %args.region, "serving the Lambda API");
    let listener = listener.tap_io(nodelay);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving")?;
    invoker.shutdown();
    tracing::info!("stopped");
    Ok(())
}

/// Small writes (a streamed chunk, an event-stream message) go out at
/// once, not after the client's delayed ACK.
fn nodelay(tcp: &mut tokio::net::TcpStream) {
    let _ = tcp.set_nodelay(true);
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
