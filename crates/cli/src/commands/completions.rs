//! `weft completions SHELL`: a completion script on stdout.

use clap::CommandFactory as _;

use crate::args::Cli;

/// Prints the completion script for `shell`.
pub fn print(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "weft", &mut std::io::stdout());
}
