//! `weft`: run WebAssembly components and applications.

mod args;
mod commands;
mod logging;
mod output;
mod progress;
mod units;

use std::process::ExitCode;

use clap::Parser as _;

use crate::args::{Cli, Command};
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        commands::completions::print(shell);
        return ExitCode::SUCCESS;
    }
    let output = Output::new(cli.output);
    let state_dir = cli
        .state_dir
        .clone()
        .unwrap_or_else(commands::state::default_state_dir);
    let endpoint = commands::state::Endpoint {
        state_dir: state_dir.clone(),
        api: cli.api.clone(),
        token: cli.token.clone(),
    };
    let logs = weft_telemetry::LogBridge::new();
    logging::init(cli.log_format.unwrap_or(cli.output.into()), &logs);
    let result = match cli.command {
        Command::Run(run) => commands::run::execute(run, &output),
        Command::Up(up) => commands::up::execute(up, &state_dir, &output, &logs),
        Command::Host(host) => commands::host::execute(host, &state_dir, &output, &logs),
        Command::Manager(manager) => {
            commands::up::execute_manager(manager, &state_dir, &output, &logs)
        }
        Command::Down => commands::down::execute(&endpoint, &output),
        Command::New(new) => commands::new::execute(&new, &output),
        Command::Build(build) => commands::build::execute(&build, &output),
        Command::Dev(dev) => commands::dev::execute(&dev, &state_dir, &output),
        Command::Doctor(doctor) => commands::doctor::execute(&doctor, &state_dir, &output),
        Command::App(app) => commands::app::execute(app, &endpoint, &output),
        Command::Config(config) => commands::config::execute(config, &endpoint, &output),
        Command::Secret(secret) => commands::secret::execute(secret, &endpoint, &output),
        Command::Link(link) => commands::link::execute(link, &endpoint, &output),
        Command::Label(label) => commands::label::execute(label, &endpoint, &output),
        Command::Get(get) => commands::get::execute(get, &endpoint, &output),
        Command::Call(call) => commands::call::execute(call, &endpoint, &output),
        Command::Events(events) => commands::events::execute(&events, &endpoint, &output),
        Command::Audit(audit) => commands::audit::execute(&audit, &endpoint, &output),
        Command::Push(push) => commands::oci::push(push, &output),
        Command::Pull(pull) => commands::oci::pull(pull, &state_dir, &output),
        Command::Inspect(inspect) => commands::oci::inspect(inspect, &state_dir, &output),
        Command::Completions { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output.error(&error);
            ExitCode::FAILURE
        }
    }
}
