//! A client of the API `weft up` serves: finds it through the state directory, sends the
//! token, turns API errors into one-line errors.

use anyhow::{Context as _, anyhow};
use serde::de::DeserializeOwned;

use crate::commands::state::{ApiFile, Endpoint};

/// A connection to a running `weft up`.
pub struct Client {
    api: ApiFile,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Finds the API `endpoint` names.
    pub fn connect(endpoint: &Endpoint) -> anyhow::Result<Self> {
        let api = endpoint.resolve()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            api,
            http: reqwest::Client::new(),
            runtime,
        })
    }

    /// The same, giving up on any request after `timeout` (for a check that must not hang on
    /// a silent port an old API file names).
    pub fn connect_with_timeout(
        endpoint: &Endpoint,
        timeout: std::time::Duration,
    ) -> anyhow::Result<Self> {
        let mut client = Self::connect(endpoint)?;
        client.http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(client)
    }

    /// GET `path`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(reqwest::Method::GET, path, None)
    }

    /// POST `body` to `path`.
    pub fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<T> {
        self.send(reqwest::Method::POST, path, Some(json_body(&body)))
    }

    /// PUT `body` to `path`.
    pub fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<T> {
        self.send(reqwest::Method::PUT, path, Some(json_body(&body)))
    }

    /// PUT raw `bytes` to `path` (a secret value: sent as is, never logged).
    pub fn put_bytes<T: DeserializeOwned>(&self, path: &str, bytes: Vec<u8>) -> anyhow::Result<T> {
        self.send(
            reqwest::Method::PUT,
            path,
            Some(("application/octet-stream", bytes)),
        )
    }

    /// GETs the server-sent events at `path`, calling `on_open` once the stream is open and
    /// `on_event` with each event's data until the stream ends (`weft up` stopped) or
    /// `on_event` returns false.
    pub fn watch(
        &self,
        path: &str,
        on_open: impl FnOnce(),
        mut on_event: impl FnMut(&str) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        let url = format!("{}{path}", self.api.url);
        self.runtime.block_on(async {
            let request = self.http.get(&url).bearer_auth(&self.api.token);
            let mut response = request.send().await.map_err(|_| {
                anyhow!(
                    "cannot reach weft at {} (is `weft up` still running?)",
                    self.api.url
                )
            })?;
            if !response.status().is_success() {
                let bytes = response.bytes().await.unwrap_or_default();
                return Err(anyhow!("{}", api_error_message(&bytes)));
            }
            on_open();
            let mut pending = String::new();
            while let Some(chunk) = response.chunk().await.ok().flatten() {
                pending.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = pending.find("\n\n") {
                    let event: String = pending.drain(..end + 2).collect();
                    let data: Vec<&str> = event
                        .lines()
                        .filter_map(|line| line.strip_prefix("data: "))
                        .collect();
                    if !data.is_empty() && !on_event(&data.join("\n"))? {
                        return Ok(());
                    }
                }
            }
            Ok(())
        })
    }

    /// DELETE `path`.
    pub fn delete<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(reqwest::Method::DELETE, path, None)
    }

    fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.api.url);
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(&self.api.token)
            .header(weft_api::USER_HEADER, user());
        if let Some((content_type, bytes)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        self.runtime.block_on(async {
            let response = request.send().await.map_err(|_| {
                anyhow!(
                    "cannot reach weft at {} (is `weft up` still running?)",
                    self.api.url
                )
            })?;
            let status = response.status();
            let bytes = response
                .bytes()
                .await
                .context("the API's answer was cut off")?;
            if !status.is_success() {
                return Err(anyhow!("{}", api_error_message(&bytes)));
            }
            serde_json::from_slice(&bytes).context("the API answered something unexpected")
        })
    }
}

/// A JSON request body.
fn json_body(value: &serde_json::Value) -> (&'static str, Vec<u8>) {
    ("application/json", value.to_string().into_bytes())
}

/// Who is calling, for the app history: the login name, or `cli`.
fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "cli".to_owned())
}

/// `text` as one URL path segment: everything but unreserved characters percent-encoded.
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The `error` of an API error body, or the body itself.
fn api_error_message(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|value| value["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}
