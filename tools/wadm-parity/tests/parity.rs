//! weft's manifest validator and wadm's (`wadm-types` 0.8.3, as `wash app validate` runs it:
//! `validate_manifest_bytes`) give the same verdict on every manifest in the repository.

use std::task::{Context, Poll, Waker};

use wadm_parity::{manifest_files, repository_root, weft_verdict};
use wadm_types::validation::{ValidationOutput as _, validate_manifest_bytes};

/// wadm's verdict: `Ok` with its warnings, or `Err` with why it refuses (a parse error, an
/// error-level failure, or a panic inside wadm, which its server would answer with nothing).
fn wadm_verdict(text: &str) -> Result<Vec<String>, String> {
    let judged = std::panic::catch_unwind(|| {
        let mut future = std::pin::pin!(validate_manifest_bytes(text.as_bytes()));
        // It never awaits anything: one poll finishes it.
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(result) => result,
            Poll::Pending => Err(anyhow::anyhow!(
                "validate_manifest_bytes did not finish at once"
            )),
        }
    });
    match judged {
        Err(_) => Err("wadm panicked on it".to_owned()),
        Ok(Err(error)) => Err(format!("{error:#}")),
        Ok(Ok((_, failures))) if failures.valid() => Ok(failures
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect()),
        Ok(Ok((_, failures))) => Err(failures
            .errors()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

#[test]
fn weft_gives_wadms_verdict_on_every_manifest_in_the_repository() {
    let root = repository_root();
    let files = manifest_files(&root);
    assert!(files.len() >= 40, "found only {} manifests", files.len());
    let mut disagreements = Vec::new();
    let mut refused_by_wadm = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let wadm = wadm_verdict(&text);
        let weft = weft_verdict(&shown, &text);
        let verdict = if wadm.is_ok() { "accepted" } else { "refused" };
        println!("{verdict:>8} by wadm: {shown}");
        refused_by_wadm += usize::from(wadm.is_err());
        match (&wadm, &weft) {
            (Ok(_), Ok(_)) | (Err(_), Err(_)) => {}
            (Ok(_), Err(errors)) => disagreements.push(format!(
                "{shown}: wadm accepts it, weft refuses it:\n    {}",
                errors.join("\n    ")
            )),
            (Err(why), Ok(_)) => {
                disagreements.push(format!("{shown}: wadm refuses it ({why}), weft accepts it"))
            }
        }
    }
    // The fixtures hold both kinds, so agreement means something.
    assert!(
        (15..files.len() - 15).contains(&refused_by_wadm),
        "wadm refused {refused_by_wadm} of {} manifests",
        files.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} manifests get another verdict from weft than from wadm:\n{}",
        disagreements.len(),
        files.len(),
        disagreements.join("\n")
    );
}
