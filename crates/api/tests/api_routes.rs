//! The API's routing as a client sees it: unknown paths and wrong methods are named, every
//! call needs a token and changes need the full one, a bad body says what the call takes,
//! reads answer JSON, changes are audited.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::time::Duration;

const TOKEN: &str = "test-token";
const READ_TOKEN: &str = "test-read-token";

/// An API over one in-process host with an empty store; its base URL.
async fn api(dir: &std::path::Path) -> (weft_api::ApiHandle, String) {
    let control = support::control_plane(dir);
    let tokens = weft_api::ApiTokens {
        admin: TOKEN.into(),
        read: READ_TOKEN.into(),
    };
    let api = weft_api::serve(control, "127.0.0.1:0".parse().unwrap(), tokens)
        .await
        .unwrap();
    let url = format!("http://{}", api.addr);
    (api, url)
}

#[tokio::test]
async fn routes_answer_like_a_well_kept_api() {
    let dir = tempfile::tempdir().unwrap();
    let (api, url) = api(dir.path()).await;
    let client = reqwest::Client::new();

    let missing = client
        .get(format!("{url}/v1/nope"))
        .bearer_auth(READ_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "no API call GET /v1/nope");

    let wrong = client
        .delete(format!("{url}/v1/hosts"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    let allow = wrong.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("does not take DELETE"),
        "{body}"
    );

    let anonymous = client
        .put(format!("{url}/v1/configs/greeting"))
        .body(r#"{"values": {"k": "v"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let bad = client
        .put(format!("{url}/v1/configs/greeting"))
        .bearer_auth(TOKEN)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("expected {\"values\""),
        "{body}"
    );

    let put = client
        .put(format!("{url}/v1/configs/a%20b"))
        .bearer_auth(TOKEN)
        .body(r#"{"values": {"k": "v"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 400, "a decoded name is checked");
    let body: serde_json::Value = put.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("`a b` is not a config name"),
        "{body}"
    );

    let put = client
        .put(format!("{url}/v1/configs/greeting"))
        .bearer_auth(TOKEN)
        .body(r#"{"values": {"k": "v"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let read: serde_json::Value =
        read_json(&client, &format!("{url}/v1/configs/greeting"), READ_TOKEN).await;
    assert_eq!(read["values"]["k"], "v", "{read}");
    api.stop();
}

#[tokio::test]
async fn metrics_are_a_read_and_say_when_they_are_off() {
    let dir = tempfile::tempdir().unwrap();
    let (api, url) = api(dir.path()).await;
    // This API's process was built with metrics off: a plain read, refused with the reason.
    let off = reqwest::Client::new()
        .get(format!("{url}/metrics"))
        .bearer_auth(READ_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 503);
    let body: serde_json::Value = off.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("OTEL_SDK_DISABLED"),
        "{body}"
    );
    api.stop();

    // A `weft host`'s endpoint: Prometheus text on /metrics, and only that.
    let metrics = weft_telemetry::Telemetry::new(&weft_telemetry::Identity::default());
    metrics.reconciler().hosts(1);
    let endpoint = weft_api::serve_metrics(metrics, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let served = reqwest::get(format!("http://{}/metrics", endpoint.addr))
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(
        served
            .text()
            .await
            .unwrap()
            .contains("weft_lattice_hosts 1")
    );
    let elsewhere = reqwest::get(format!("http://{}/v1/apps", endpoint.addr))
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    let body: serde_json::Value = elsewhere.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("only GET /metrics"),
        "{body}"
    );
    let addr = endpoint.addr;
    drop(endpoint);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        reqwest::get(format!("http://{addr}/metrics"))
            .await
            .is_err(),
        "stopped when dropped"
    );
}

/// The JSON a GET of `url` with `token` answers.
async fn read_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> T {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    response.json().await.unwrap()
}

/// The `error` of a refused call.
async fn refusal(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let body: serde_json::Value = response.json().await.unwrap();
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_call_needs_a_token_the_read_token_only_reads_and_changes_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (api, url) = api(dir.path()).await;
    let client = reqwest::Client::new();
    let apps = format!("{url}/v1/apps");
    let config = format!("{url}/v1/configs/db");

    let anonymous = client.get(&apps).send().await.unwrap();
    assert!(refusal(anonymous, 401).await.contains("read_token"));
    let wrong = client.get(&apps).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let read = client.get(&apps).bearer_auth(READ_TOKEN).send().await;
    assert_eq!(read.unwrap().status(), 200);

    let change = |token: &'static str| {
        client
            .put(&config)
            .bearer_auth(token)
            .header("x-weft-user", "ann")
            .body(r#"{"values": {"password": "s3cret-value"}}"#)
            .send()
    };
    let reader = change(READ_TOKEN).await.unwrap();
    assert!(refusal(reader, 403).await.contains("only reads"));
    let call = client
        .post(format!("{url}/v1/components/any/call"))
        .bearer_auth(READ_TOKEN)
        .body(r#"{"function": "run", "args": []}"#)
        .send()
        .await
        .unwrap();
    assert!(
        refusal(call, 403).await.contains("only reads"),
        "calling a component is not a read"
    );
    assert_eq!(change(TOKEN).await.unwrap().status(), 200);
    let missing = client
        .delete(format!("{url}/v1/configs/nothing"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let manifest = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: shop\n  annotations:\n    version: v1\nspec:\n  components: []\n";
    let put = client
        .post(&apps)
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "file": "shop.yaml", "source": manifest }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201, "{}", put.text().await.unwrap());

    let audit = client
        .get(format!("{url}/v1/audit"))
        .bearer_auth(READ_TOKEN)
        .send()
        .await
        .unwrap();
    let text = audit.text().await.unwrap();
    assert!(
        !text.contains("s3cret-value"),
        "values never reach the log: {text}"
    );
    let entries: Vec<weft_lattice::AuditEntry> = serde_json::from_str(&text).unwrap();
    let seen: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|entry| {
            (
                entry.who.as_str(),
                entry.action.as_str(),
                entry.outcome.as_str(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0].0, "ann");
    assert_eq!(seen[0].1, "PUT /v1/configs/db");
    assert!(seen[0].2.starts_with("refused (403)"), "{seen:?}");
    assert_eq!(seen[1], ("ann", "PUT /v1/configs/db", "ok"));
    assert!(seen[2].2.starts_with("refused (404): "), "{seen:?}");
    assert!(
        seen[2].2.contains("nothing"),
        "the reason is kept: {seen:?}"
    );
    assert_eq!(seen[3].2, "ok: app shop version v1");
    assert!(entries.iter().all(|entry| entry.from == "127.0.0.1"
        && entry.answered_by == "test"
        && entry.via == weft_lattice::AuditChannel::Api));

    let last: Vec<weft_lattice::AuditEntry> =
        read_json(&client, &format!("{url}/v1/audit?limit=1"), TOKEN).await;
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].action, "POST /v1/apps");
    api.stop();
}
