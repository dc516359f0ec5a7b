//! How long an environment takes to start: `/bin/true` from prepare to
//! exit, through each sandbox. Needs root for the namespace rows.
//!
//! cargo run --release -p lambdalite-sandbox --example spawn_cost [N]

use std::time::{Duration, Instant};

use lambdalite_sandbox::{
    LaunchSpec, Namespaces, NamespacesConfig, NetworkMode, PlainProcess, Sandbox,
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("a temporary folder");
    // PROGRAM="/usr/bin/python3.11 -c pass" times another program.
    let program = std::env::var("PROGRAM").unwrap_or_else(|_| "/bin/true".into());
    let mut words = program.split(' ');
    let spec = LaunchSpec {
        program: words.next().unwrap_or("/bin/true").into(),
        args: words.map(Into::into).collect(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        code: dir.path().to_path_buf(),
        runtime: None,
        layers: Vec::new(),
        memory_mb: std::env::var("MEMORY_MB")
            .ok()
            .and_then(|m| m.parse().ok())
            .unwrap_or(128),
        ephemeral_storage_mb: 512,
        ..LaunchSpec::default()
    };
    let config = NamespacesConfig {
        state_dir: dir.path().join("sandbox"),
        cpu_scale: 0.0,
        network: NetworkMode::Default,
    };
    let mut rows: Vec<(&str, Box<dyn Sandbox>, NetworkMode)> = vec![(
        "plain process",
        Box::new(PlainProcess),
        NetworkMode::Default,
    )];
    match Namespaces::new(config) {
        Ok(ns) => {
            let ns: std::sync::Arc<Namespaces> = std::sync::Arc::new(ns);
            rows.push((
                "namespaces, network none",
                Box::new(Shared(ns.clone())),
                NetworkMode::None,
            ));
            rows.push((
                "namespaces, default network",
                Box::new(Shared(ns)),
                NetworkMode::Default,
            ));
        }
        Err(e) => eprintln!("no namespace rows: {e}"),
    }
    for (name, sandbox, network) in rows {
        let mut samples: Vec<Duration> = Vec::with_capacity(n);
        let mut phases = [Duration::ZERO; 4];
        for _ in 0..n {
            let t = Instant::now();
            let mut prepared = sandbox.prepare(network).expect("prepare");
            let _listener = prepared.runtime_api_listener().expect("listener");
            let t1 = Instant::now();
            let (_r, w) = std::io::pipe().expect("pipe");
            let mut p = prepared.spawn(&spec, w).expect("spawn");
            let t2 = Instant::now();
            p.started().await.expect("started");
            let t3 = Instant::now();
            let status = p.wait().await.expect("wait");
            assert!(status.success());
            let t4 = Instant::now();
            phases[0] += t1 - t;
            phases[1] += t2 - t1;
            phases[2] += t3 - t2;
            phases[3] += t4 - t3;
            samples.push(t.elapsed());
        }
        if std::env::var_os("PHASES").is_some() {
            let ms = |d: Duration| d.as_secs_f64() * 1e3 / n as f64;
            println!(
                "  mean: prepare {:.2} ms, spawn {:.2} ms, to exec {:.2} ms, to exit and cleanup {:.2} ms",
                ms(phases[0]), ms(phases[1]), ms(phases[2]), ms(phases[3])
            );
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        println!("{name:30} p50 {:6.2} ms  p99 {:6.2} ms", at(0.5), at(0.99));
    }
}

struct Shared(std::sync::Arc<Namespaces>);

impl Sandbox for Shared {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn view(
        &self,
        code: &std::path::Path,
        runtime: Option<&std::path::Path>,
        layers: Option<&std::path::Path>,
    ) -> lambdalite_sandbox::View {
        self.0.view(code, runtime, layers)
    }
    fn default_network(&self) -> NetworkMode {
        self.0.default_network()
    }
    fn prepare(
        &self,
        network: NetworkMode,
    ) -> Result<Box<dyn lambdalite_sandbox::Prepared>, lambdalite_sandbox::SandboxError> {
        self.0.prepare(network)
    }
}
