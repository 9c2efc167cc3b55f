//! `weft`: run WebAssembly components and applications.

mod args;
mod commands;
mod logging;
mod output;
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
    logging::init(cli.log_format.unwrap_or(cli.output.into()));
    let result = match cli.command {
        Command::Run(run) => commands::run::execute(run, &output),
        Command::Up(up) => commands::up::execute(up, &state_dir, &output),
        Command::Down => commands::down::execute(&state_dir, &output),
        Command::App(app) => commands::app::execute(app, &state_dir, &output),
        Command::Config(config) => commands::config::execute(config, &state_dir, &output),
        Command::Link(link) => commands::link::execute(link, &state_dir, &output),
        Command::Get(get) => commands::get::execute(get, &state_dir, &output),
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
