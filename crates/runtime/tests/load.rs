//! Loading components: compile once, then load from the on-disk cache; and every kind of bad
//! input gets its own error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::path::PathBuf;
use std::sync::Arc;

use weft_runtime::{ComponentSource, Runtime, RuntimeError, RuntimeSettings};

fn runtime_with_cache(dir: &std::path::Path) -> Runtime {
    Runtime::new(&RuntimeSettings {
        cache_dir: Some(dir.to_path_buf()),
        max_instances: 16,
        ..RuntimeSettings::default()
    })
    .unwrap()
}

#[test]
fn second_load_of_the_same_component_skips_compilation() {
    let cache = tempfile::tempdir().unwrap();
    let source = ComponentSource::File(PathBuf::from(weft_test_components::ECHO));

    let first = runtime_with_cache(cache.path()).load(&source).unwrap();
    assert!(!first.from_cache, "a cold cache must compile");

    // A new runtime (as after a restart) with the same settings finds the artifact.
    let second = runtime_with_cache(cache.path()).load(&source).unwrap();
    assert!(second.from_cache, "a warm cache must not compile");
    assert_eq!(first.digest, second.digest);
    println!(
        "compile: {:?}, load from cache: {:?}",
        first.load_time, second.load_time
    );
}

#[test]
fn different_engine_settings_do_not_share_artifacts() {
    let cache = tempfile::tempdir().unwrap();
    let source = ComponentSource::File(PathBuf::from(weft_test_components::ECHO));
    runtime_with_cache(cache.path()).load(&source).unwrap();

    let other = Runtime::new(&RuntimeSettings {
        cache_dir: Some(cache.path().to_path_buf()),
        max_instances: 16,
        memory_init_cow: true,
        ..RuntimeSettings::default()
    })
    .unwrap();
    // Copy-on-write changes how artifacts are laid out, so the engine hash differs.
    let loaded = other.load(&source).unwrap();
    let artifacts = std::fs::read_dir(cache.path()).unwrap().count();
    assert!(!loaded.from_cache);
    assert_eq!(artifacts, 2);
}

#[test]
fn a_damaged_artifact_is_discarded_and_recompiled() {
    let cache = tempfile::tempdir().unwrap();
    let source = ComponentSource::File(PathBuf::from(weft_test_components::ECHO));
    runtime_with_cache(cache.path()).load(&source).unwrap();
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"not an artifact").unwrap();
    }
    let reloaded = runtime_with_cache(cache.path()).load(&source).unwrap();
    assert!(!reloaded.from_cache);
}

#[test]
fn bad_inputs_name_the_file_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(&RuntimeSettings {
        max_instances: 16,
        ..RuntimeSettings::default()
    })
    .unwrap();

    let missing = dir.path().join("missing.wasm");
    let error = runtime
        .load(&ComponentSource::File(missing.clone()))
        .unwrap_err();
    assert!(matches!(error, RuntimeError::Read { .. }));
    assert!(error.to_string().contains("missing.wasm"), "{error}");

    let module = dir.path().join("module.wasm");
    std::fs::write(&module, wat::parse_str("(module)").unwrap()).unwrap();
    let error = runtime.load(&ComponentSource::File(module)).unwrap_err();
    assert!(matches!(error, RuntimeError::CoreModule { .. }), "{error}");
    assert!(error.to_string().contains("module.wasm"), "{error}");

    let garbage = ComponentSource::Bytes {
        name: "garbage.wasm".into(),
        bytes: Arc::from(&b"hello, I am text"[..]),
    };
    let error = runtime.load(&garbage).unwrap_err();
    assert!(matches!(error, RuntimeError::NotWasm { .. }), "{error}");

    let echo = std::fs::read(weft_test_components::ECHO).unwrap();
    let truncated = ComponentSource::Bytes {
        name: "truncated.wasm".into(),
        bytes: Arc::from(&echo[..echo.len() / 2]),
    };
    let error = runtime.load(&truncated).unwrap_err();
    assert!(matches!(error, RuntimeError::Invalid { .. }), "{error}");
    assert!(error.to_string().contains("truncated.wasm"), "{error}");
}

#[test]
fn on_demand_allocation_works_too() {
    let runtime = Runtime::new(&RuntimeSettings {
        allocator: weft_runtime::Allocator::OnDemand,
        ..RuntimeSettings::default()
    })
    .unwrap();
    assert!(!runtime.is_pooling());
    runtime
        .load(&ComponentSource::File(PathBuf::from(
            weft_test_components::ECHO,
        )))
        .unwrap();
}

#[test]
fn a_pool_too_big_to_reserve_falls_back_to_on_demand() {
    // A million instances' memories cannot be reserved in a 47-bit address space.
    let runtime = Runtime::new(&RuntimeSettings {
        max_instances: 1_000_000,
        ..RuntimeSettings::default()
    })
    .unwrap();
    assert!(!runtime.is_pooling());
    runtime
        .load(&ComponentSource::File(PathBuf::from(
            weft_test_components::ECHO,
        )))
        .unwrap();
}
