//! What `kiln key` and `kiln job` share: the server's address and API key, and requests that
//! turn the server's `{"error": ...}` answers into messages.

use std::path::Path;

use anyhow::Context;
use clap::Args;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

/// Where the node is and how to authenticate.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The node's address (default: $KILN_SERVER, else http://127.0.0.1:8457).
    #[arg(long)]
    pub server: Option<String>,
    /// An API key (`kiln apikey create`; a new node writes its first admin key to
    /// DATA/admin.key).
    #[arg(long)]
    pub api_key: Option<String>,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    api_key: Option<String>,
    pub runtime: tokio::runtime::Runtime,
}

impl Client {
    pub fn new(args: &ServerArgs) -> anyhow::Result<Client> {
        Ok(Client {
            http: reqwest::Client::new(),
            base: args
                .server
                .clone()
                .or_else(|| std::env::var("KILN_SERVER").ok())
                .unwrap_or_else(|| "http://127.0.0.1:8457".to_string())
                .trim_end_matches('/')
                .to_string(),
            api_key: args
                .api_key
                .clone()
                .or_else(|| std::env::var("KILN_API_KEY").ok()),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        })
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.api_key {
            Some(key) => r.bearer_auth(key),
            None => r,
        }
    }

    /// Sends, and returns the JSON answer (or `null` for an empty one) with its status; an
    /// error status becomes an error with the server's message.
    pub async fn send(&self, request: RequestBuilder) -> anyhow::Result<(StatusCode, Value)> {
        let response = request
            .send()
            .await
            .with_context(|| format!("connecting to {}", self.base))?;
        let status = response.status();
        let text = response.text().await.context("reading the answer")?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if !status.is_success() {
            let message = value
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            anyhow::bail!("{} ({status})", message);
        }
        Ok((status, value))
    }

    pub fn call(&self, request: RequestBuilder) -> anyhow::Result<(StatusCode, Value)> {
        self.runtime.block_on(self.send(request))
    }
}

pub fn print_json(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON values serialise")
    );
}

/// Writes a finished job's proof.json and public.json.
pub fn write_result(result: &Value, proof: &Path, public: &Path) -> anyhow::Result<()> {
    super::snarkjs::write_json_files_atomically(&[
        (proof, result["proof"].clone()),
        (public, result["public"].clone()),
    ])
}
