//! The desktop app on a team's server: the War Room in the app can work on a team's
//! `miteos serve` instead of this computer's store, and switch back. The server's address (and
//! whom its token names) is kept in this store's settings and the token in the key store (the
//! keyring, or the 0600 file) — never in the window: the window's requests to the server go
//! through [`Miteos::team_request`], which adds the token. The local store keeps running all the
//! while (its own tasks, its local API), whichever the window shows.

use std::path::Path;

use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use ts_rs::TS;

use super::Miteos;
use crate::domain::Me;
use crate::error::{Error, Result};

const SETTING_KEY: &str = "team_server";
/// The key store's name for the token (not one of the providers' keys).
const TOKEN_KEY: &str = "team_server_token";

/// The team server this app connects to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TeamServer {
    /// Its address, e.g. `http://miteos.internal:7411` (no trailing slash).
    pub url: String,
    /// The account its token names (`None`: the server's own token).
    pub account: Option<String>,
    pub admin: bool,
    /// `true`: the War Room works on this server; `false`: on this computer (the server is
    /// remembered, a switch away).
    pub active: bool,
}

/// A request of the window, for the team server (`path` after its address).
#[derive(Debug, Clone, Default)]
pub struct TeamRequest {
    pub method: String,
    /// `/tasks?limit=20`: absolute, with its query.
    pub path: String,
    /// Only `Content-Type`, `Accept` and `Last-Event-ID` are passed on.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// The server's answer: its status, the headers a window reads, and the body as it arrives (an
/// event stream stays open).
pub struct TeamResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: BoxStream<'static, Result<Vec<u8>>>,
}

/// Request headers the window may set; the rest (its `Authorization` above all) are not sent.
const REQUEST_HEADERS: [&str; 3] = ["content-type", "accept", "last-event-id"];
/// Answer headers the window gets back.
const RESPONSE_HEADERS: [&str; 3] = ["content-type", "content-disposition", "content-length"];

impl Miteos {
    /// The team server this app remembers, if any (no network).
    pub async fn team_server(&self) -> Result<Option<TeamServer>> {
        // Forgetting one leaves `null` under the key.
        let saved = self
            .inner
            .shared
            .store
            .setting::<Option<TeamServer>>(SETTING_KEY);
        Ok(saved.await?.flatten())
    }

    /// Connects to a team server with a person's token: checks both with the server (`GET
    /// /me`), remembers them, and makes the server the one the War Room works on.
    pub async fn connect_team_server(&self, url: &str, token: &str) -> Result<TeamServer> {
        let url = team_server_url(url)?;
        let token = token.trim();
        if token.is_empty() || token.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::InvalidInput(
                "paste the access token the server's admin gave you".into(),
            ));
        }
        let me = self.who_am_i(&url, token).await?;
        self.keep_team_token(Some(token.to_owned())).await?;
        let server = TeamServer {
            url,
            account: me.account.map(|a| a.name),
            admin: me.admin,
            active: true,
        };
        self.inner
            .shared
            .store
            .put_setting(SETTING_KEY, &server)
            .await?;
        Ok(server)
    }

    /// Switches the War Room between the remembered team server (`true`) and this computer.
    pub async fn use_team_server(&self, active: bool) -> Result<Option<TeamServer>> {
        let Some(mut server) = self.team_server().await? else {
            return if active {
                Err(Error::NotFound(
                    "no team server is set up; connect to one with its address and your token"
                        .into(),
                ))
            } else {
                Ok(None)
            };
        };
        server.active = active;
        self.inner
            .shared
            .store
            .put_setting(SETTING_KEY, &server)
            .await?;
        Ok(Some(server))
    }

    /// Forgets the team server and its token; the War Room works on this computer.
    pub async fn forget_team_server(&self) -> Result<()> {
        self.keep_team_token(None).await?;
        self.inner
            .shared
            .store
            .put_setting(SETTING_KEY, &None::<TeamServer>)
            .await
    }

    /// Sends the window's request to the team server in use, with its token.
    pub async fn team_request(&self, request: TeamRequest) -> Result<TeamResponse> {
        let (server, token) = self.active_team_server().await?;
        let method = match request.method.to_ascii_uppercase().as_str() {
            "GET" => reqwest::Method::GET,
            "POST" => reqwest::Method::POST,
            "PUT" => reqwest::Method::PUT,
            "PATCH" => reqwest::Method::PATCH,
            "DELETE" => reqwest::Method::DELETE,
            other => {
                return Err(Error::InvalidInput(format!(
                    "{other:?} is not a method of Miteos's API"
                )));
            }
        };
        if !request.path.starts_with('/') || request.path.starts_with("//") {
            return Err(Error::InvalidInput(format!(
                "{:?} is not a path of the team server's API",
                request.path
            )));
        }
        let mut outgoing = self
            .http()
            .request(method, format!("{}{}", server.url, request.path))
            .bearer_auth(token);
        for (name, value) in &request.headers {
            if REQUEST_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                outgoing = outgoing.header(name, value);
            }
        }
        if let Some(body) = request.body {
            outgoing = outgoing.body(body);
        }
        let response = outgoing
            .send()
            .await
            .map_err(|e| unreachable_server(&server.url, &e))?;
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| RESPONSE_HEADERS.contains(&name.as_str()))
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
            .collect();
        let url = server.url.clone();
        Ok(TeamResponse {
            status: response.status().as_u16(),
            headers,
            body: response
                .bytes_stream()
                .map(move |chunk| {
                    chunk
                        .map(|bytes| bytes.to_vec())
                        .map_err(|e| unreachable_server(&url, &e))
                })
                .boxed(),
        })
    }

    /// Saves a file the team server serves at `path` (a deliverable, a task's zip, a skill's
    /// archive) to `destination`; answers its size. A failed transfer leaves no partial file.
    pub async fn team_download(&self, path: &str, destination: &Path) -> Result<u64> {
        let response = self
            .team_request(TeamRequest {
                method: "GET".into(),
                path: path.to_owned(),
                ..Default::default()
            })
            .await?;
        let mut body = response.body;
        if response.status >= 400 {
            let mut text = Vec::new();
            while let Some(chunk) = body.next().await {
                text.extend(chunk?);
            }
            return Err(server_error(response.status, &text));
        }
        let io = |e| Error::Io {
            context: format!("saving {}", destination.display()),
            source: e,
        };
        let partial = {
            let mut name = destination.as_os_str().to_owned();
            name.push(".part");
            std::path::PathBuf::from(name)
        };
        let written = async {
            let mut file = tokio::fs::File::create(&partial).await.map_err(io)?;
            let mut size = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk?;
                size += chunk.len() as u64;
                file.write_all(&chunk).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            Ok::<_, Error>(size)
        }
        .await;
        match written {
            Ok(size) => {
                tokio::fs::rename(&partial, destination).await.map_err(io)?;
                Ok(size)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(e)
            }
        }
    }

    /// The server in use and its token, or why there is none.
    async fn active_team_server(&self) -> Result<(TeamServer, String)> {
        let server = self
            .team_server()
            .await?
            .filter(|s| s.active)
            .ok_or_else(|| {
                Error::Conflict("the War Room works on this computer, not a team server".into())
            })?;
        let secrets = self.inner.secrets.clone();
        let token = tokio::task::spawn_blocking(move || secrets.get(TOKEN_KEY))
            .await
            .map_err(|e| Error::Internal(format!("reading the team server's token: {e}")))??
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "the token for {} is gone from the key store; connect again",
                    server.url
                ))
            })?;
        Ok((server, token))
    }

    async fn keep_team_token(&self, token: Option<String>) -> Result<()> {
        let secrets = self.inner.secrets.clone();
        tokio::task::spawn_blocking(move || secrets.set(TOKEN_KEY, token.as_deref()))
            .await
            .map_err(|e| Error::Internal(format!("keeping the team server's token: {e}")))?
    }

    /// Who `token` is on the server at `url`, or what is wrong with either, in words that say
    /// what to do.
    async fn who_am_i(&self, url: &str, token: &str) -> Result<Me> {
        let response = self
            .http()
            .get(format!("{url}/me"))
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| unreachable_server(url, &e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| unreachable_server(url, &e))?;
        match status {
            200 => serde_json::from_slice(&body).map_err(|_| {
                Error::InvalidInput(format!(
                    "{url} answered, but not as a Miteos server; check the address"
                ))
            }),
            401 => Err(Error::InvalidInput(format!(
                "{url} does not know this token; ask the server's admin for yours"
            ))),
            404 => Err(Error::InvalidInput(format!(
                "{url} is not a Miteos server (it has no /me); check the address"
            ))),
            _ => Err(match server_error(status, &body) {
                Error::Internal(_) => {
                    Error::InvalidInput(format!("{url} answered HTTP {status}; check the address"))
                }
                // Miteos answers only to the names it is given (`--allow-host`).
                e if e.to_string().contains("is not this machine") => Error::InvalidInput(format!(
                    "{url} does not answer to that name; its admin adds it with \
                     `miteos serve --allow-host NAME`, or use the address it prints"
                )),
                e => Error::InvalidInput(format!("{url} refused: {e}")),
            }),
        }
    }
}

/// A team server's address as typed (`miteos.internal:7411`, `https://…/miteos/`): http or
/// https, no credentials, query or fragment; kept without its trailing slash.
pub fn team_server_url(typed: &str) -> Result<String> {
    let typed = typed.trim();
    let with_scheme = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("http://{typed}")
    };
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "{typed:?} is not a server's address ({why}); e.g. http://miteos.internal:7411"
        ))
    };
    let url = reqwest::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http and https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("the token goes in its own field, not in the address"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("no ?query or #fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn unreachable_server(url: &str, e: &reqwest::Error) -> Error {
    // The innermost cause says it best ("Connection refused (os error 111)").
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let why = cause.to_string();
    Error::InvalidInput(format!(
        "could not reach {url} ({why}); check the address, and that `miteos serve` runs there"
    ))
}

/// The error a Miteos server's `{error: {code, message}}` answer carries.
fn server_error(status: u16, body: &[u8]) -> Error {
    #[derive(Deserialize)]
    struct Body {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        code: String,
        message: String,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => Error::with_code(&b.error.code, b.error.message),
        Err(_) => Error::Internal(format!("the team server answered HTTP {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_people_type_them() {
        assert_eq!(
            team_server_url(" miteos.internal:7411 ").unwrap(),
            "http://miteos.internal:7411"
        );
        assert_eq!(
            team_server_url("https://example.com/miteos/").unwrap(),
            "https://example.com/miteos"
        );
        assert_eq!(
            team_server_url("http://127.0.0.1:7411/").unwrap(),
            "http://127.0.0.1:7411"
        );
        for bad in [
            "",
            "ftp://example.com",
            "http://ada:secret@example.com",
            "http://example.com/?token=x",
            "http://example.com/#token=x",
            "http://",
        ] {
            let e = team_server_url(bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidInput, "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_servers_error_answer_keeps_its_code_and_words() {
        let e = server_error(
            403,
            br#"{"error":{"code":"forbidden","message":"admins only"}}"#,
        );
        assert_eq!(e.code(), crate::ErrorCode::Forbidden);
        assert_eq!(e.to_string(), "admins only");
        let e = server_error(502, b"<html>bad gateway</html>");
        assert_eq!(e.code(), crate::ErrorCode::Internal);
    }
}
