//! `weft build [DIR]`: builds the component project in DIR with its own toolchain and says
//! where the component went.

use std::path::PathBuf;
use std::time::Instant;

use weft_project::{Project, ToolOutput, build};

use crate::args::BuildArgs;
use crate::output::Output;

/// Runs `weft build`.
pub fn execute(args: &BuildArgs, output: &Output) -> anyhow::Result<()> {
    let dir = project_dir(args);
    let project = Project::detect(&dir)?;
    let started = Instant::now();
    let tool_output = if output.is_text() {
        eprintln!("Building {} ({})", dir.display(), project.language());
        ToolOutput::Show
    } else {
        ToolOutput::Capture
    };
    let mut announce = |what: &str| {
        if output.is_text() {
            eprintln!("  {what}");
        }
    };
    let built = build(&project, tool_output, &mut announce)?;
    let seconds = started.elapsed().as_secs_f64();
    let also = built
        .copies
        .iter()
        .map(|copy| format!(" (also {})", copy.display()))
        .collect::<String>();
    let text = format!(
        "Built {} component in {seconds:.1} s: {}{also}",
        built.language,
        built.component_path.display()
    );
    let mut json = serde_json::to_value(&built)?;
    if let Some(object) = json.as_object_mut() {
        object.insert("seconds".into(), seconds.into());
    }
    output.result(&text, &json);
    Ok(())
}

/// The directory to build: DIR, or `-p`'s file's directory, or the current directory.
fn project_dir(args: &BuildArgs) -> PathBuf {
    match (&args.dir, &args.config_path) {
        (Some(dir), _) => dir.clone(),
        (None, Some(path)) if path.is_file() => path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), ToOwned::to_owned),
        (None, Some(path)) => path.clone(),
        (None, None) => PathBuf::from("."),
    }
}
