//! `weft new NAME [--template T]`: a component project from a bundled template (or a
//! directory of the user's), and `weft new --list`.

use anyhow::Context as _;
use weft_project::{ProjectName, Template, TemplateInfo, Templates, create};

use crate::args::NewArgs;
use crate::output::Output;

/// Runs `weft new`.
pub fn execute(args: &NewArgs, output: &Output) -> anyhow::Result<()> {
    let templates = Templates::bundled();
    if args.list {
        let list = templates.list();
        output.result(&list_text(&list), &serde_json::json!({ "templates": list }));
        return Ok(());
    }
    let name = ProjectName::new(args.name.as_deref().unwrap_or_default())?;
    let own;
    let template = match &args.template_dir {
        Some(dir) => {
            own = Template::from_dir(dir)?;
            &own
        }
        None => templates.find(&args.template)?,
    };
    let dir = args
        .path
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(name.as_str()));
    let created =
        create(template, &name, &dir).with_context(|| format!("cannot make project {name}"))?;
    let text = format!(
        "Made {name} in {} from template {} ({} files). Next:\n  cd {}\n  weft build\n  \
         weft up -d                    # if no weft runs yet\n  weft app deploy wadm.yaml",
        dir.display(),
        created.template,
        created.files.len(),
        dir.display()
    );
    output.result(&text, &created);
    Ok(())
}

fn list_text(list: &[TemplateInfo]) -> String {
    let width = list.iter().map(|info| info.name.len()).max().unwrap_or(0);
    list.iter()
        .map(|info| {
            format!(
                "{:width$}  {:10}  {}",
                info.name, info.language, info.description
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
