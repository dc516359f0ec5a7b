//! The data plane of lambdalite: execution environments, pooled per function
//! version, that run invocations through the Runtime API.
//!
//! Owns: starting environments (through a [`Sandbox`]), handing them events,
//! enforcing timeouts, reusing warm environments and reaping idle ones, and
//! the function logs with their START / END / REPORT lines. Does not parse the
//! Lambda API (lambdalite-api does) nor persist anything.

pub mod admission;
mod env;
pub mod logs;
mod prewarm;
pub mod runtimes;
pub mod sandbox;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use lambdalite_model::{FunctionConfig, Partition};

pub use env::Environment;
pub use lambdalite_runtime_api::StreamPart;
pub use runtimes::Interpreters;
pub use sandbox::{LaunchSpec, PlainProcess, Sandbox};

/// Variables an environment gets besides AWS's own, computed from its
/// function's configuration (lambdalite's API endpoint and the credentials it
/// issues to the function).
pub type ExtraEnv = Arc<dyn Fn(&FunctionConfig) -> Vec<(String, String)> + Send + Sync>;

/// How the invoker is set up.
pub struct InvokerSettings {
    pub partition: Partition,
    /// Where unzipped code lives: `<code_root>/<sha256 hex>`.
    pub code_root: PathBuf,
    /// Where each function's layers are merged: `<opt_root>/<merged key>`.
    pub opt_root: PathBuf,
    /// Where log streams are written.
    pub logs_root: PathBuf,
    /// Where lambdalite's python and node bootstraps are installed.
    pub runtime_dir: PathBuf,
    /// How long an idle environment is kept warm.
    pub keep_warm: Duration,
    /// The host's interpreters.
    pub interpreters: Interpreters,
    /// Starts environments.
    pub sandbox: Arc<dyn Sandbox>,
    /// The account's concurrency limit.
    pub account_concurrency: u32,
    /// Memory (MB) the host keeps free: no environment starts that would
    /// leave less available.
    pub memory_reserve_mb: u64,
    /// Added to every environment's variables, before the function's own.
    pub extra_env: Option<ExtraEnv>,
    /// Python, node and provided environments kept started ahead of need, per kind in
    /// use (0: none); see `prewarm`.
    pub prewarm: usize,
}

/// Runs futures concurrently (on the calling task) and collects their
/// outputs, in the order they finish.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.map(|f| Some(Box::pin(f))).collect();
    let mut out = Vec::with_capacity(pending.len());
    std::future::poll_fn(|cx| {
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                    out.push(v);
                    *slot = None;
                }
            }
        }
        if pending.iter().all(Option::is_none) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}

/// The host's available memory in MB (`MemAvailable`).
pub fn host_available_mb() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// The host's total memory in MB (`MemTotal`).
pub fn host_total_mb() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// One invocation as the API hands it over.
pub struct InvokeRequest {
    /// The invocation's one request id: the caller's answer, the function's
    /// context, its log lines and its error payload all carry it.
    pub request_id: String,
    pub config: Arc<FunctionConfig>,
    /// The ARN the caller used (with its qualifier, if any).
    pub invoked_arn: String,
    pub payload: Bytes,
    /// Client context JSON, decoded.
    pub client_context: Option<String>,
    /// Whether the caller wants the log tail.
    pub tail: bool,
    /// Where a response the function streams goes, part by part; without
    /// it, a streamed response is buffered like any other.
    pub stream: Option<tokio::sync::mpsc::Sender<StreamPart>>,
}

/// How an invocation ended.
#[derive(Debug)]
pub struct InvokeResult {
    pub request_id: String,
    /// The function's response, or AWS's error JSON.
    pub payload: Bytes,
    /// `Unhandled` when the function or its runtime failed.
    pub function_error: Option<&'static str>,
    /// The last 4 KB of this invocation's log, when asked for.
    pub log_tail: Option<Vec<u8>>,
    pub executed_version: String,
}

/// Why lambdalite could not run an invocation at all.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The function's runtime can't run here (unknown, or no interpreter).
    #[error("{0}")]
    InvalidRuntime(String),
    /// Over the function's reserved or the account's concurrency.
    #[error("Rate Exceeded.")]
    Throttled(admission::Throttle),
    /// lambdalite failed to start an environment.
    #[error("{0}")]
    Internal(String),
}

/// The environments of one function version (one revision of it).
struct Pool {
    /// Initialised environments kept for provisioned concurrency (never
    /// reaped), used before any other.
    provisioned: Mutex<Vec<Environment>>,
    /// How many provisioned environments there should be.
    provisioned_target: std::sync::atomic::AtomicU32,
    /// How many there are (idle in `provisioned`, running, or starting).
    provisioned_live: std::sync::atomic::AtomicU32,
    /// How many of those have finished initialising.
    provisioned_ready: std::sync::atomic::AtomicU32,
    revision: String,
    /// MemorySize of this version's environments.
    memory_mb: u32,
    idle: Mutex<Vec<Environment>>,
    retired: std::sync::atomic::AtomicBool,
    stats: Arc<VersionStats>,
}

/// Counters of one function version's invocations (for metrics and for
/// watching a deployment's error rate).
#[derive(Debug, Default)]
pub struct VersionStats {
    pub invocations: std::sync::atomic::AtomicU64,
    pub errors: std::sync::atomic::AtomicU64,
}

impl VersionStats {
    /// (invocations, errors) so far.
    pub fn read(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.invocations.load(Relaxed), self.errors.load(Relaxed))
    }
}

impl Pool {
    fn retire(&self) -> Vec<Environment> {
        self.retired
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.provisioned_target
            .store(0, std::sync::atomic::Ordering::SeqCst);
        let mut all = std::mem::take(&mut *lock(&self.idle));
        all.append(&mut lock(&self.provisioned));
        all
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs invocations.
pub struct Invoker {
    /// Itself, for work it hands to background tasks.
    me: std::sync::Weak<Invoker>,
    settings: InvokerSettings,
    log_writer: logs::LogWriter,
    pools: Mutex<HashMap<(String, String), Arc<Pool>>>,
    stats: Mutex<HashMap<(String, String), Arc<VersionStats>>>,
    admission: Arc<admission::Admission>,
    warned_versions: Mutex<std::collections::HashSet<String>>,
    /// Runtimes started ahead of need.
    prewarmed: prewarm::Stock,
}

impl Invoker {
    /// Creates the invoker and starts its reaper of idle environments.
    pub fn start(settings: InvokerSettings) -> std::io::Result<Arc<Invoker>> {
        runtimes::install_bootstraps(&settings.runtime_dir)?;
        runtimes::compile_python_bootstrap(&settings.runtime_dir, &settings.interpreters);
        std::fs::create_dir_all(&settings.logs_root)?;
        let log_writer = logs::LogWriter::start(settings.logs_root.clone());
        let admission = admission::Admission::new(settings.account_concurrency);
        let invoker = Arc::new_cyclic(|me| Invoker {
            me: me.clone(),
            settings,
            log_writer,
            pools: Mutex::new(HashMap::new()),
            stats: Mutex::new(HashMap::new()),
            admission,
            warned_versions: Mutex::new(Default::default()),
            prewarmed: prewarm::Stock::default(),
        });
        let weak = Arc::downgrade(&invoker);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                let Some(inv) = weak.upgrade() else { break };
                inv.reap_idle();
            }
        });
        Ok(invoker)
    }

    pub fn settings(&self) -> &InvokerSettings {
        &self.settings
    }

    /// Checks that a runtime can run here, returning why not.
    pub fn check_runtime(&self, runtime: Option<&str>) -> Result<(), InvokeError> {
        env::program_for(&self.settings, runtime, None).map(|_| ())
    }

    fn pool_for(&self, config: &FunctionConfig) -> Arc<Pool> {
        let key = (config.name.clone(), config.version.clone());
        let mut pools = lock(&self.pools);
        if let Some(p) = pools.get(&key) {
            if p.revision == config.revision_id {
                return p.clone();
            }
            for env in p.retire() {
                env.kill();
            }
        }
        let pool = Arc::new(Pool {
            provisioned: Mutex::new(Vec::new()),
            provisioned_target: Default::default(),
            provisioned_live: Default::default(),
            provisioned_ready: Default::default(),
            revision: config.revision_id.clone(),
            memory_mb: config.memory_size,
            idle: Mutex::new(Vec::new()),
            retired: Default::default(),
            stats: self.version_stats(&config.name, &config.version),
        });
        pools.insert(key, pool.clone());
        pool
    }

    /// Retires every environment of a function and forgets its counters
    /// (after it is deleted).
    pub fn retire_function(&self, name: &str) {
        lock(&self.stats).retain(|(n, _), _| n != name);
        let mut pools = lock(&self.pools);
        pools.retain(|(n, _), pool| {
            if n == name {
                for env in pool.retire() {
                    env.kill();
                }
                false
            } else {
                true
            }
        });
    }

    /// Waits until every log line written so far is in its file.
    pub async fn logs_flushed(&self) {
        self.log_writer.flushed().await;
    }

    /// The account's concurrency accounting.
    pub fn admission(&self) -> &admission::Admission {
        &self.admission
    }

    /// The invocation counters of one function version.
    pub fn version_stats(&self, name: &str, version: &str) -> Arc<VersionStats> {
        lock(&self.stats)
            .entry((name.to_string(), version.to_string()))
            .or_default()
            .clone()
    }

    /// Retires the environments of one version of a function.
    pub fn retire_version(&self, name: &str, version: &str) {
        let pool = lock(&self.pools).remove(&(name.to_string(), version.to_string()));
        if let Some(pool) = pool {
            for env in pool.retire() {
                env.kill();
            }
        }
    }

    /// Kills environments idle for longer than the keep-warm time.
    fn reap_idle(&self) {
        let keep = self.settings.keep_warm;
        self.prewarmed.reap(keep);
        let pools: Vec<Arc<Pool>> = lock(&self.pools).values().cloned().collect();
        for pool in pools {
            let expired: Vec<Environment> = {
                let mut idle = lock(&pool.idle);
                let (old, warm): (Vec<_>, Vec<_>) = std::mem::take(&mut *idle)
                    .into_iter()
                    .partition(|e| e.idle_for() > keep);
                *idle = warm;
                old
            };
            for env in expired {
                tracing::debug!(stream = env.log_stream(), "reaping idle environment");
                env.kill();
            }
        }
    }

    /// The number of idle environments of a version (for tests and stats).
    pub fn idle_count(&self, name: &str, version: &str) -> usize {
        lock(&self.pools)
            .get(&(name.to_string(), version.to_string()))
            .map_or(0, |p| lock(&p.idle).len())
    }

    /// Runs one invocation to its end: on a warm environment if one is idle,
    /// else on a new one.
    pub async fn invoke(&self, req: InvokeRequest) -> Result<InvokeResult, InvokeError> {
        let _permit = self
            .admission
            .try_acquire(&req.config.name)
            .map_err(InvokeError::Throttled)?;
        let pool = self.pool_for(&req.config);
        let provisioned = lock(&pool.provisioned).pop();
        let from_provisioned = provisioned.is_some();
        let warm = provisioned.or_else(|| lock(&pool.idle).pop());
        let mut restock = None;
        let mut env = match warm {
            Some(env) => env,
            None => {
                self.make_room(req.config.memory_size)?;
                self.warn_nearest_version(&req.config);
                let (env, kind) = self.new_environment(&req.config).await?;
                restock = kind;
                env
            }
        };
        let req_config = req.config.clone();
        let result = env.run(req).await;
        // Replacing a pre-started runtime waits until this cold start is
        // over, not to slow it down.
        if let Some(kind) = restock {
            self.restock(&kind);
        }
        pool.stats
            .invocations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if result.function_error.is_some() {
            pool.stats
                .errors
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        use std::sync::atomic::Ordering::SeqCst;
        let reusable = env.is_reusable() && !pool.retired.load(SeqCst);
        if from_provisioned {
            let keep = pool.provisioned_live.load(SeqCst) <= pool.provisioned_target.load(SeqCst);
            if reusable && keep {
                lock(&pool.provisioned).push(env);
                return Ok(result);
            }
            // One provisioned environment fewer; start a replacement if
            // the target still wants it.
            pool.provisioned_live.fetch_sub(1, SeqCst);
            pool.provisioned_ready.fetch_sub(1, SeqCst);
            if !reusable && !pool.retired.load(SeqCst) {
                if let Some(me) = self.me.upgrade() {
                    let config = req_config.clone();
                    let pool = pool.clone();
                    tokio::spawn(async move { me.fill_provisioned(&pool, &config).await });
                }
            }
        }
        if reusable {
            env.touch();
            lock(&pool.idle).push(env);
        } else {
            env.kill();
        }
        Ok(result)
    }

    /// Keeps `count` initialised environments of a published version
    /// (provisioned concurrency), starting or stopping some as needed.
    /// Returns once the target is reached (or what could be started is).
    pub async fn provision(&self, config: Arc<FunctionConfig>, count: u32) {
        let pool = self.pool_for(&config);
        pool.provisioned_target
            .store(count, std::sync::atomic::Ordering::SeqCst);
        // Stop what is above the target.
        loop {
            use std::sync::atomic::Ordering::SeqCst;
            if pool.provisioned_live.load(SeqCst) <= count {
                break;
            }
            let Some(env) = lock(&pool.provisioned).pop() else {
                break;
            };
            pool.provisioned_live.fetch_sub(1, SeqCst);
            pool.provisioned_ready.fetch_sub(1, SeqCst);
            env.kill();
        }
        self.fill_provisioned(&pool, &config).await;
    }

    /// Starts provisioned environments until the pool has its target.
    async fn fill_provisioned(&self, pool: &Arc<Pool>, config: &Arc<FunctionConfig>) {
        use std::sync::atomic::Ordering::SeqCst;
        loop {
            let live = pool.provisioned_live.load(SeqCst);
            let target = pool.provisioned_target.load(SeqCst);
            if live >= target || pool.retired.load(SeqCst) {
                return;
            }
            let missing = target - live;
            pool.provisioned_live.fetch_add(missing, SeqCst);
            let starts = (0..missing).map(|_| async {
                if self.make_room(config.memory_size).is_err() {
                    return None;
                }
                let mut env = Environment::start(
                    &self.settings,
                    config,
                    self.log_writer.clone(),
                    "provisioned-concurrency",
                )
                .await
                .ok()?;
                if env.initialize().await {
                    Some(env)
                } else {
                    env.kill();
                    None
                }
            });
            let started = futures_join_all(starts).await;
            let mut failed = 0;
            for env in started {
                match env {
                    Some(env) => {
                        lock(&pool.provisioned).push(env);
                        pool.provisioned_ready.fetch_add(1, SeqCst);
                    }
                    None => failed += 1,
                }
            }
            if failed > 0 {
                pool.provisioned_live.fetch_sub(failed, SeqCst);
                tracing::warn!(function = %config.name, version = %config.version, failed, "provisioned environments failed to start");
                return;
            }
        }
    }

    /// Provisioned environments of a version that are initialised and
    /// available.
    pub fn provisioned_ready(&self, name: &str, version: &str) -> u32 {
        lock(&self.pools)
            .get(&(name.to_string(), version.to_string()))
            .map_or(0, |p| {
                p.provisioned_ready
                    .load(std::sync::atomic::Ordering::SeqCst)
                    .min(
                        p.provisioned_target
                            .load(std::sync::atomic::Ordering::SeqCst),
                    )
            })
    }

    /// Makes sure the host can take a new environment of `memory_mb`
    /// without being pushed into swap or the OOM killer: when free memory
    /// would fall below the reserve, the longest-idle environments are
    /// stopped first; when that is not enough, the invocation is throttled.
    fn make_room(&self, memory_mb: u32) -> Result<(), InvokeError> {
        let reserve = self.settings.memory_reserve_mb;
        let fits = |available: u64| available >= u64::from(memory_mb) + reserve;
        let Some(available) = host_available_mb() else {
            return Ok(());
        };
        if fits(available) {
            return Ok(());
        }
        // Longest idle first, until the memory they hold covers the gap.
        let mut candidates: Vec<(Duration, Arc<Pool>)> = Vec::new();
        for pool in lock(&self.pools).values() {
            for env in lock(&pool.idle).iter() {
                candidates.push((env.idle_for(), pool.clone()));
            }
        }
        candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        let mut freed = 0u64;
        let needed = u64::from(memory_mb) + reserve - available;
        for (_, pool) in candidates {
            if freed >= needed {
                break;
            }
            let oldest = {
                let mut idle = lock(&pool.idle);
                let at = idle
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, e)| e.idle_for())
                    .map(|(i, _)| i);
                at.map(|i| idle.remove(i))
            };
            if let Some(env) = oldest {
                env.kill();
                freed += u64::from(pool.memory_mb);
            }
        }
        if freed >= needed {
            tracing::info!(freed_mb = freed, "stopped idle environments to make room");
            return Ok(());
        }
        tracing::warn!(
            available_mb = available,
            wanted_mb = memory_mb,
            reserve_mb = reserve,
            "not enough memory on the host for another environment"
        );
        Err(InvokeError::Throttled(admission::Throttle::Account))
    }

    /// Logs once per runtime when it runs on another interpreter version.
    pub fn warn_nearest_version(&self, config: &FunctionConfig) {
        let Some(runtime) = config.runtime.as_deref() else {
            return;
        };
        if let Ok((program, exact)) = env::program_for(&self.settings, Some(runtime), None) {
            if !exact && lock(&self.warned_versions).insert(runtime.to_string()) {
                tracing::warn!(
                    runtime,
                    interpreter = %program.display(),
                    "this runtime's exact version is not installed; running it with the nearest installed version"
                );
            }
        }
    }

    /// A new on-demand environment: a pre-started runtime of the
    /// function's kind if one is ready, else one started now; and the kind
    /// whose stock to top up once the environment's first invocation ends.
    async fn new_environment(
        &self,
        config: &FunctionConfig,
    ) -> Result<(Environment, Option<prewarm::Kind>), InvokeError> {
        let kind = prewarm::Kind::of(&self.settings, config);
        if let Some(p) = kind.as_ref().and_then(|k| self.prewarmed.take(k)) {
            match Environment::assign(
                &self.settings,
                config,
                self.log_writer.clone(),
                "on-demand",
                p,
            ) {
                Ok(env) => return Ok((env, kind)),
                Err(e) => tracing::warn!(error = %e, "starting the environment afresh"),
            }
        }
        let env = Environment::start(&self.settings, config, self.log_writer.clone(), "on-demand")
            .await?;
        Ok((env, kind))
    }

    /// Starts pre-started runtimes of a kind until the target is ready.
    fn restock(&self, kind: &prewarm::Kind) {
        let missing = self.prewarmed.claim(kind, self.settings.prewarm);
        for _ in 0..missing {
            let Some(me) = self.me.upgrade() else { return };
            let kind = kind.clone();
            tokio::spawn(async move {
                let started = match prewarm::start(&me.settings, &kind).await {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!(error = %e, "starting a runtime ahead of need");
                        None
                    }
                };
                me.prewarmed.started(&kind, started);
            });
        }
    }

    /// Kills every environment (at shutdown).
    pub fn shutdown(&self) {
        self.prewarmed.clear();
        let pools: Vec<Arc<Pool>> = lock(&self.pools).drain().map(|(_, p)| p).collect();
        for pool in pools {
            for env in pool.retire() {
                env.kill();
            }
        }
    }
}

/// Milliseconds since `t`, as a float.
pub(crate) fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
