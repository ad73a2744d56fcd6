//! `web_search`: a query to the search provider the user configured — a SearXNG instance (its JSON
//! API), Brave Search, or Tavily — answered as a numbered list of results, each with its title,
//! source URL and snippet, so findings keep their sources.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};

/// Most results a query may ask for.
const MAX_RESULTS: usize = 10;
const DEFAULT_RESULTS: usize = 5;
/// Longest snippet kept per result.
const SNIPPET_CHARS: usize = 400;

/// Which search service answers `web_search`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    /// No search: researchers fetch pages they know.
    #[default]
    None,
    /// A SearXNG instance with the JSON format enabled (self-hosted, no key).
    Searxng,
    /// Brave Search API (key `brave_api_key`).
    Brave,
    /// Tavily (key `tavily_api_key`).
    Tavily,
}

impl SearchKind {
    pub fn parse(s: &str) -> Option<SearchKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Some(SearchKind::None),
            "searxng" => Some(SearchKind::Searxng),
            "brave" => Some(SearchKind::Brave),
            "tavily" => Some(SearchKind::Tavily),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::None => "none",
            SearchKind::Searxng => "searxng",
            SearchKind::Brave => "brave",
            SearchKind::Tavily => "tavily",
        }
    }

    /// Where the provider answers when no URL is set (SearXNG has no public default).
    pub fn default_url(self) -> Option<&'static str> {
        match self {
            SearchKind::Brave => Some("https://api.search.brave.com/res/v1/web/search"),
            SearchKind::Tavily => Some("https://api.tavily.com/search"),
            SearchKind::None | SearchKind::Searxng => None,
        }
    }

    /// The secret this provider needs, if any.
    pub fn key_name(self) -> Option<&'static str> {
        match self {
            SearchKind::Brave => Some("brave_api_key"),
            SearchKind::Tavily => Some("tavily_api_key"),
            SearchKind::None | SearchKind::Searxng => None,
        }
    }
}

/// Search as the environment configures it: `MITEOS_SEARCH` (`searxng`, `brave`, `tavily`),
/// `MITEOS_SEARCH_URL`, `BRAVE_API_KEY`, `TAVILY_API_KEY`. Saved settings overlay it.
#[derive(Clone, Default, PartialEq)]
pub struct SearchConfig {
    pub kind: SearchKind,
    pub url: Option<String>,
    pub brave_api_key: Option<String>,
    pub tavily_api_key: Option<String>,
}

impl fmt::Debug for SearchConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = |k: &Option<String>| if k.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("SearchConfig")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("brave_api_key", &key(&self.brave_api_key))
            .field("tavily_api_key", &key(&self.tavily_api_key))
            .finish()
    }
}

impl SearchConfig {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let kind = var("MITEOS_SEARCH").map_or(SearchKind::None, |v| {
            SearchKind::parse(&v).unwrap_or_else(|| {
                tracing::warn!(value = %v, "MITEOS_SEARCH is not searxng, brave or tavily; search is off");
                SearchKind::None
            })
        });
        SearchConfig {
            kind,
            url: var("MITEOS_SEARCH_URL"),
            brave_api_key: var("BRAVE_API_KEY"),
            tavily_api_key: var("TAVILY_API_KEY"),
        }
    }

    /// The key field named `name` (`brave_api_key`, `tavily_api_key`).
    pub fn key_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name {
            "brave_api_key" => Some(&mut self.brave_api_key),
            "tavily_api_key" => Some(&mut self.tavily_api_key),
            _ => None,
        }
    }

    pub fn key(&self, name: &str) -> Option<&Option<String>> {
        match name {
            "brave_api_key" => Some(&self.brave_api_key),
            "tavily_api_key" => Some(&self.tavily_api_key),
            _ => None,
        }
    }

    /// The engine this configuration describes; `Ok(None)` when search is off.
    pub fn engine(&self) -> Result<Option<SearchEngine>, String> {
        let key = self
            .kind
            .key_name()
            .and_then(|name| self.key(name).cloned().flatten());
        SearchEngine::new(self.kind, self.url.as_deref(), key)
    }
}

/// The search provider tasks use: what it is, where, and its key.
#[derive(Clone)]
pub struct SearchEngine {
    pub kind: SearchKind,
    /// The endpoint: a SearXNG base URL (`http://host:8888`), or the provider's search URL.
    pub url: reqwest::Url,
    api_key: Option<String>,
    pub timeout: Duration,
}

impl fmt::Debug for SearchEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchEngine")
            .field("kind", &self.kind)
            .field("url", &self.url.as_str())
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl SearchEngine {
    /// Checks that the provider can be used as configured; `Ok(None)` when search is off.
    pub fn new(
        kind: SearchKind,
        url: Option<&str>,
        api_key: Option<String>,
    ) -> Result<Option<SearchEngine>, String> {
        if kind == SearchKind::None {
            return Ok(None);
        }
        let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => u,
            None => kind.default_url().ok_or_else(|| {
                format!(
                    "{} needs the address of its instance, e.g. http://127.0.0.1:8888",
                    kind.as_str()
                )
            })?,
        };
        let url = reqwest::Url::parse(url)
            .map_err(|e| format!("the search URL {url:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("the search URL must be an http or https URL".into());
        }
        let api_key = api_key.filter(|k| !k.trim().is_empty());
        if let Some(name) = kind.key_name()
            && api_key.is_none()
        {
            return Err(format!(
                "{} search needs an API key ({name})",
                kind.as_str()
            ));
        }
        Ok(Some(SearchEngine {
            kind,
            url,
            api_key,
            timeout: Duration::from_secs(20),
        }))
    }

    /// Runs a query and returns its results, best first.
    pub async fn search(
        &self,
        http: &reqwest::Client,
        query: &str,
        count: usize,
    ) -> Result<Vec<SearchHit>, ToolError> {
        let request = match self.kind {
            SearchKind::Searxng => {
                let mut url = self.url.clone();
                let path = format!("{}/search", url.path().trim_end_matches('/'));
                url.set_path(&path);
                url.query_pairs_mut()
                    .append_pair("q", query)
                    .append_pair("format", "json");
                http.get(url)
                    .header(reqwest::header::ACCEPT, "application/json")
            }
            SearchKind::Brave => {
                let mut url = self.url.clone();
                url.query_pairs_mut()
                    .append_pair("q", query)
                    .append_pair("count", &count.to_string());
                http.get(url)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header(
                        "X-Subscription-Token",
                        self.api_key.as_deref().unwrap_or(""),
                    )
            }
            SearchKind::Tavily => http
                .post(self.url.clone())
                .bearer_auth(self.api_key.as_deref().unwrap_or(""))
                .json(&json!({"query": query, "max_results": count, "search_depth": "basic"})),
            SearchKind::None => {
                return Err(ToolError::Failed("web search is turned off".into()));
            }
        };
        let name = self.kind.as_str();
        let response = tokio::time::timeout(self.timeout, request.send())
            .await
            .map_err(|_| {
                ToolError::Failed(format!(
                    "{name} did not answer within {} s",
                    self.timeout.as_secs()
                ))
            })?
            .map_err(|e| ToolError::Failed(format!("cannot reach {name}: {}", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            let why = match status.as_u16() {
                401 | 403 => " (check the search API key in Settings)",
                429 => " (rate limited: try again later)",
                _ => "",
            };
            return Err(ToolError::Failed(format!(
                "{name} answered HTTP {status}{why}"
            )));
        }
        let body: Value = response.json().await.map_err(|e| {
            ToolError::Failed(format!("{name} sent a response that is not JSON: {e}"))
        })?;
        let mut hits = parse_hits(self.kind, &body);
        hits.truncate(count);
        Ok(hits)
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub title: String,
    pub url: String,
    pub snippet: String,
}

/// Reads the results out of each provider's documented response shape, skipping entries without
/// a URL.
fn parse_hits(kind: SearchKind, body: &Value) -> Vec<SearchHit> {
    let (list, snippet_field) = match kind {
        SearchKind::Searxng => (body.get("results"), "content"),
        SearchKind::Brave => (body.pointer("/web/results"), "description"),
        SearchKind::Tavily => (body.get("results"), "content"),
        SearchKind::None => (None, ""),
    };
    let text = |v: &Value, field: &str| {
        v.get(field)
            .and_then(Value::as_str)
            .map(|s| strip_tags(s).trim().to_owned())
            .unwrap_or_default()
    };
    let mut hits: Vec<SearchHit> = Vec::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        let url = text(item, "url");
        if url.is_empty() || hits.iter().any(|h| h.url == url) {
            continue;
        }
        hits.push(SearchHit {
            title: text(item, "title"),
            snippet: super::truncate_chars(&text(item, snippet_field), SNIPPET_CHARS),
            url,
        });
    }
    hits
}

/// Brave marks matches with `<strong>`; the model needs plain text.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

pub struct WebSearch;

#[derive(Deserialize)]
struct Args {
    query: String,
    #[serde(default)]
    count: Option<usize>,
}

#[async_trait]
impl Tool for WebSearch {
    fn name(&self) -> &'static str {
        "web_search"
    }
    fn description(&self) -> &'static str {
        "Search the web. Returns the best results with title, source URL and a snippet; read a result in full with fetch_url. Cite the source URL of every finding."
    }
    fn parameters(&self) -> Value {
        json!({"type":"object","properties":{
            "query":{"type":"string","description":"what to search for"},
            "count":{"type":"integer","minimum":1,"maximum":MAX_RESULTS,"description":"how many results (default 5)"}},
            "required":["query"],"additionalProperties":false})
    }
    async fn call(&self, args: Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::InvalidArguments("the query is empty".into()));
        }
        if query.chars().count() > 400 {
            return Err(ToolError::InvalidArguments(
                "the query is longer than 400 characters".into(),
            ));
        }
        let engine: Arc<SearchEngine> = ctx.search.clone().ok_or_else(|| {
            ToolError::Failed(
                "no web search provider is configured (Settings → Web search); use fetch_url on pages you know"
                    .into(),
            )
        })?;
        let count = args.count.unwrap_or(DEFAULT_RESULTS).clamp(1, MAX_RESULTS);
        let hits = tokio::select! {
            _ = ctx.cancel.cancelled() => return Err(ToolError::Cancelled),
            r = engine.search(&ctx.http, query, count) => r?,
        };
        Ok(ToolOutput::text(format_hits(query, &hits)))
    }
}

fn format_hits(query: &str, hits: &[SearchHit]) -> String {
    if hits.is_empty() {
        return format!("No results for {query:?}. Try other words.");
    }
    let mut out = format!("Results for {query:?}:\n");
    for (i, h) in hits.iter().enumerate() {
        let title = if h.title.is_empty() { &h.url } else { &h.title };
        out.push_str(&format!("\n{}. {title}\n   Source: {}\n", i + 1, h.url));
        if !h.snippet.is_empty() {
            out.push_str(&format!("   {}\n", h.snippet.replace('\n', " ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_providers_shape_is_read() {
        let searx = json!({"query":"q","results":[
            {"url":"https://coda.io/","title":"Coda","content":"All-in-one doc","engine":"duckduckgo"},
            {"url":"https://coda.io/","title":"Coda again","content":"dup"},
            {"title":"no url"}]});
        let hits = parse_hits(SearchKind::Searxng, &searx);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].url, "https://coda.io/");
        assert_eq!(hits[0].snippet, "All-in-one doc");

        let brave = json!({"type":"search","web":{"type":"search","results":[
            {"title":"Confluence","url":"https://www.atlassian.com/software/confluence","description":"The <strong>wiki</strong> &amp; more"}]}});
        let hits = parse_hits(SearchKind::Brave, &brave);
        assert_eq!(hits[0].snippet, "The wiki & more");

        let tavily = json!({"query":"q","answer":null,"results":[
            {"title":"Obsidian","url":"https://obsidian.md","content":"Notes","score":0.9}]});
        assert_eq!(parse_hits(SearchKind::Tavily, &tavily)[0].title, "Obsidian");
        assert!(parse_hits(SearchKind::Tavily, &json!({"error":"x"})).is_empty());
    }

    #[test]
    fn configuration_is_checked() {
        assert!(
            SearchEngine::new(SearchKind::None, None, None)
                .unwrap()
                .is_none()
        );
        assert!(SearchEngine::new(SearchKind::Searxng, None, None).is_err());
        assert!(SearchEngine::new(SearchKind::Brave, None, None).is_err());
        assert!(SearchEngine::new(SearchKind::Searxng, Some("file:///etc"), None).is_err());
        let brave = SearchEngine::new(SearchKind::Brave, None, Some("secret-key".into()))
            .unwrap()
            .unwrap();
        assert!(!format!("{brave:?}").contains("secret-key"));
        assert_eq!(SearchKind::parse("Tavily"), Some(SearchKind::Tavily));
        assert_eq!(SearchKind::parse("google"), None);
    }
}
