//! A client of the API `weft up` serves: finds it through the state directory, sends the
//! token, turns API errors into one-line errors.

use std::path::Path;

use anyhow::{Context as _, anyhow};
use serde::de::DeserializeOwned;

use crate::commands::state::{ApiFile, read_api_file};

/// A connection to a running `weft up`.
pub struct Client {
    api: ApiFile,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Finds the `weft up` that owns `state_dir`.
    pub fn connect(state_dir: &Path) -> anyhow::Result<Self> {
        let api = read_api_file(state_dir)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            api,
            http: reqwest::Client::new(),
            runtime,
        })
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
        self.send(reqwest::Method::POST, path, Some(body))
    }

    /// DELETE `path`.
    pub fn delete<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(reqwest::Method::DELETE, path, None)
    }

    fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.api.url);
        let mut request = self.http.request(method, &url).bearer_auth(&self.api.token);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
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
                let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|value| value["error"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
                return Err(anyhow!("{message}"));
            }
            serde_json::from_slice(&bytes).context("the API answered something unexpected")
        })
    }
}
