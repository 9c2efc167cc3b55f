//! The embedded store: compare-and-swap, prefixes, reopening, and durability under `kill -9`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

use weft_lattice::{EmbeddedStore, Expect, Store, StoreError};

const CHILD_ENV: &str = "WEFT_TEST_STORE_CHILD";

#[tokio::test]
async fn compare_and_swap_guards_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("state.redb")).unwrap();

    let first = store
        .put("apps/shop", b"v1".to_vec(), Expect::Absent)
        .await
        .unwrap();
    let conflict = store
        .put("apps/shop", b"again".to_vec(), Expect::Absent)
        .await
        .unwrap_err();
    assert!(matches!(conflict, StoreError::Conflict { found: Some(r), .. } if r == first));
    assert!(conflict.to_string().contains("apps/shop"));

    let second = store
        .put("apps/shop", b"v2".to_vec(), Expect::Revision(first))
        .await
        .unwrap();
    assert!(second > first);
    // A writer holding the old revision loses instead of overwriting.
    assert!(
        store
            .put("apps/shop", b"stale".to_vec(), Expect::Revision(first))
            .await
            .is_err()
    );
    assert_eq!(store.get("apps/shop").await.unwrap().unwrap().value, b"v2");

    assert!(
        store
            .delete("apps/shop", Expect::Revision(first))
            .await
            .is_err()
    );
    assert!(
        store
            .delete("apps/shop", Expect::Revision(second))
            .await
            .unwrap()
    );
    assert!(!store.delete("apps/shop", Expect::Any).await.unwrap());
    assert!(store.get("apps/shop").await.unwrap().is_none());
    // Deleting what is not there writes nothing: the next revision follows the last write.
    let next = store.put("apps/other", vec![], Expect::Any).await.unwrap();
    assert_eq!(
        next,
        second + 2,
        "one revision for the delete of apps/shop, none for the no-op"
    );
}

#[tokio::test]
async fn list_returns_a_prefix_in_key_order_and_reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("state.redb");
    {
        let store = EmbeddedStore::open(&path).unwrap();
        for key in ["config/b", "apps/z", "config/a", "configs-not-this"] {
            store
                .put(key, key.as_bytes().to_vec(), Expect::Any)
                .await
                .unwrap();
        }
    }
    let store = EmbeddedStore::open(&path).unwrap();
    let keys: Vec<String> = store
        .list("config/")
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(keys, vec!["config/a", "config/b"]);
    // Revisions keep increasing across restarts.
    let before = store.get("config/b").await.unwrap().unwrap().revision;
    let after = store.put("config/b", vec![], Expect::Any).await.unwrap();
    assert!(after > before);
}

#[test]
fn opening_a_file_already_in_use_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let _first = EmbeddedStore::open(&path).unwrap();
    let error = EmbeddedStore::open(&path).unwrap_err();
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

/// Kills the writer process however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_writes_until_killed",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (acks, acked) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(index) = line
                .strip_prefix("acked ")
                .and_then(|i| i.parse::<u32>().ok())
                && acks.send(index).is_err()
            {
                break;
            }
        }
    });
    let mut acknowledged = 0u32;
    while acknowledged < 40 {
        let index = acked
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the writer process stopped acknowledging writes");
        acknowledged = index + 1;
    }
    child.0.kill().unwrap(); // SIGKILL: no destructors, no flush.
    child.0.wait().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = EmbeddedStore::open(&path).unwrap();
    for index in 0..acknowledged {
        let entry = runtime
            .block_on(store.get(&format!("key/{index:05}")))
            .unwrap();
        assert_eq!(
            entry.map(|entry| entry.value),
            Some(index.to_le_bytes().to_vec()),
            "key {index}"
        );
    }
}

/// The writer process of `acknowledged_writes_survive_kill_9`; not a test on its own.
#[test]
#[ignore = "helper process, started by acknowledged_writes_survive_kill_9"]
fn child_writes_until_killed() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = EmbeddedStore::open(path).unwrap();
    let mut stdout = std::io::stdout();
    for index in 0u32.. {
        runtime
            .block_on(store.put(
                &format!("key/{index:05}"),
                index.to_le_bytes().to_vec(),
                Expect::Any,
            ))
            .unwrap();
        writeln!(stdout, "acked {index}").unwrap();
        stdout.flush().unwrap();
    }
}
