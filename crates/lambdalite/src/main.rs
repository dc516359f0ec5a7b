//! The lambdalite binary: AWS Lambda, self-hosted.

mod bench;
mod deploy;
mod runtimes_cmd;
mod serve;
mod services;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "lambdalite", version, about = "AWS Lambda, self-hosted")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Lambda API and run functions.
    Serve(serve::ServeArgs),
    /// Shift an alias to a new version: all at once, canary or linear, with
    /// hooks and automatic rollback.
    Deploy(deploy::DeployArgs),
    /// Measure invoke latency, throughput and cold starts on this machine.
    Bench(bench::BenchArgs),
    /// Install AWS's SDKs into the python and node runtimes.
    Runtimes(runtimes_cmd::RuntimesArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LAMBDALITE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Deploy(args) => deploy::run(args),
        Command::Runtimes(args) => runtimes_cmd::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambdalite: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
