//! The API's routing as a client sees it: unknown paths and wrong methods are named, changes
//! need the token, a bad body says what the call takes, reads answer JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::time::Duration;

const TOKEN: &str = "test-token";

/// An API over one in-process host with an empty store; its base URL.
async fn api(dir: &std::path::Path) -> (weft_api::ApiHandle, String) {
    let control = support::control_plane(dir);
    let api = weft_api::serve(control, "127.0.0.1:0".parse().unwrap(), TOKEN.into())
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

    let missing = client.get(format!("{url}/v1/nope")).send().await.unwrap();
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
    let read: serde_json::Value = client
        .get(format!("{url}/v1/configs/greeting"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["values"]["k"], "v", "{read}");
    api.stop();
}

#[tokio::test]
async fn metrics_are_a_read_and_say_when_they_are_off() {
    let dir = tempfile::tempdir().unwrap();
    let (api, url) = api(dir.path()).await;
    // This API's process was built with metrics off: a plain read, refused with the reason.
    let off = reqwest::get(format!("{url}/metrics")).await.unwrap();
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
