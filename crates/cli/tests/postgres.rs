//! The Postgres capability end to end: `weft up`, a real PostgreSQL started here, the
//! `examples/postgres` app over HTTP with its password as a link secret, every `pg-value`
//! through a real server and back (each call a CLIENT span at an OTLP receiver), and what a
//! user sees when the database is down or refuses the login.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{Weft, client, client_with_input, example_app, free_port, get, send, weft};
use weft_test_servers::{OtlpReceiver, PostgresServer};

const PASSWORD: &str = "items-secret-5t8q";

/// `weft up` on `state` without the bundled example.
fn up(state: &Path) -> Weft {
    up_with(state, &[])
}

/// The same with the environment variables `env`.
fn up_with(state: &Path, env: &[(&str, &str)]) -> Weft {
    let mut command = weft();
    command
        .args(["up", "--api-addr", "127.0.0.1:0", "--no-example"])
        .envs(env.iter().copied());
    support::spawn_on(command, state)
}

/// The Postgres example in `dir`, served on `http_port`, its database on `db_port`.
fn items_app(dir: &Path, http_port: u16, db_port: u16) -> String {
    let example = weft_examples::POSTGRES;
    example_app(
        dir,
        "wadm",
        example.manifest,
        &[&example],
        &[
            ("127.0.0.1:8008", &format!("127.0.0.1:{http_port}")),
            (
                "POSTGRES_PORT: \"5432\"",
                &format!("POSTGRES_PORT: \"{db_port}\""),
            ),
        ],
    )
}

fn put_password(state: &Path, password: &str) {
    let (code, _, stderr) = client_with_input(
        state,
        &["secret", "put", "items-postgres-password"],
        password,
    );
    assert_eq!(code, 0, "{stderr}");
}

/// `app status NAME` once it starts with `NAME v0.1.0: deployed` (30 s at most).
fn deployed(state: &Path, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, stdout, _) = client(state, &["app", "status", name]);
        if stdout.starts_with(&format!("{name} v0.1.0: deployed")) {
            return stdout;
        }
        assert!(Instant::now() < deadline, "never deployed: {stdout}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_example_creates_inserts_and_lists_items_over_http() {
    let db = PostgresServer::start();
    db.create_database("items", "items", PASSWORD);
    let (state, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let port = free_port();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(OtlpReceiver::start());
    let endpoint = receiver.endpoint();
    let _weft = up_with(
        state.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let file = items_app(dir.path(), port, db.port);

    // The link waits for its secret and says how to provide it.
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("secret `items-postgres-password`")
            && stderr.contains("items → sqldb-postgres")
            && stderr.contains("weft secret put items-postgres-password"),
        "{stderr}"
    );
    put_password(state.path(), PASSWORD);
    deployed(state.path(), "postgres-items");

    let url = format!("http://127.0.0.1:{port}");
    let (status, first) = send("POST", &format!("{url}/items"), "first item");
    assert_eq!(status, 201, "{first}");
    assert!(
        first.starts_with(r#"{"id":1,"name":"first item","created_at":""#),
        "{first}"
    );
    assert_eq!(send("POST", &format!("{url}/items"), "second").0, 201);
    let (status, list) = get(&format!("{url}/items"));
    assert_eq!(status, 200, "{list}");
    assert!(
        list.contains(r#""name":"first item""#) && list.contains(r#"{"id":2,"name":"second""#),
        "{list}"
    );
    let (status, now) = get(&format!("{url}/now"));
    assert!(status == 200 && now.starts_with("\"20"), "{status} {now}");
    // The rows are in the database for every other client too.
    assert_eq!(
        db.psql_in(
            "items",
            "SELECT string_agg(name, ',' ORDER BY id) FROM items"
        ),
        "first item,second"
    );
    assert!(
        !db.log().contains(PASSWORD),
        "the password never reaches the server's log"
    );

    // Each call is a CLIENT span naming the database, never the statement or its values.
    let spans = runtime.block_on(receiver.wait_for_spans(Duration::from_secs(20), |spans| {
        spans.iter().any(|span| {
            span.attributes.get("db.system.name").map(String::as_str) == Some("postgresql")
        })
    }));
    let call = spans
        .iter()
        .find(|span| {
            span.attributes.get("db.system.name").map(String::as_str) == Some("postgresql")
        })
        .unwrap();
    assert_eq!(call.kind, 3, "{call:#?}");
    assert_eq!(call.attributes["db.namespace"], "items", "{call:#?}");
    assert!(call.name.ends_with(" items"), "{call:#?}");
    assert!(
        !spans
            .iter()
            .flat_map(|span| span.attributes.values().chain([&span.name]))
            .any(|value| value.contains("first item") || value.contains("INSERT")),
        "statements and values stay out of spans: {spans:#?}"
    );
}

#[test]
fn every_pg_value_goes_to_postgres_and_back() {
    let db = PostgresServer::start();
    db.create_database("types", "typer", PASSWORD);
    db.psql_in("types", "CREATE EXTENSION hstore");
    let (state, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let port = free_port();
    let _weft = up(state.path());
    let example = weft_examples::POSTGRES;
    let types = format!("file://{}", weft_test_components::POSTGRES_TYPES);
    let manifest = example_app(
        dir.path(),
        "types",
        example.manifest,
        &[],
        &[
            ("file://./build/postgres_items.wasm", &types),
            ("127.0.0.1:8008", &format!("127.0.0.1:{port}")),
            (
                "POSTGRES_PORT: \"5432\"",
                &format!("POSTGRES_PORT: \"{}\"", db.port),
            ),
            ("POSTGRES_USERNAME: items", "POSTGRES_USERNAME: typer"),
            ("POSTGRES_DATABASE: items", "POSTGRES_DATABASE: types"),
        ],
    );
    put_password(state.path(), PASSWORD);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &manifest]);
    assert_eq!(code, 0, "{stderr}");

    let (status, report) = get(&format!("http://127.0.0.1:{port}/"));
    assert_eq!(status, 200, "{report}");
    let failures: Vec<&str> = report
        .lines()
        .filter(|line| line.starts_with("FAIL"))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let checks: usize = report
        .lines()
        .find_map(|line| line.strip_prefix("checks: "))
        .expect("the report ends with its count")
        .parse()
        .unwrap();
    assert!(checks > 100, "{report}");
}

#[test]
fn a_database_that_is_down_is_named_and_the_app_deploys_when_it_answers() {
    let db_port = free_port();
    let (state, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let port = free_port();
    let _weft = up(state.path());
    put_password(state.path(), "wrong-password");
    let file = items_app(dir.path(), port, db_port);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "cannot reach Postgres at 127.0.0.1:{db_port}/items as items"
        )),
        "{stderr}"
    );

    // It answers, but refuses the password: Postgres's own words.
    let db = PostgresServer::start_on(db_port);
    db.create_database("items", "items", PASSWORD);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, stdout, _) = client(state.path(), &["app", "status", "postgres-items"]);
        if stdout.contains("password authentication failed for user \"items\"") {
            break;
        }
        assert!(Instant::now() < deadline, "never said why: {stdout}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // The right password: the app deploys by itself and serves.
    put_password(state.path(), PASSWORD);
    deployed(state.path(), "postgres-items");
    let (status, body) = send("POST", &format!("http://127.0.0.1:{port}/items"), "late");
    assert_eq!(status, 201, "{body}");
}
