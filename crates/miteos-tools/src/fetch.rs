//! `fetch_url`: HTTP GET of a page, returned as readable Markdown with its title, byline and source.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::truncate_chars;
use super::{Tool, ToolCtx, ToolError, ToolOutput, parse_args};

pub struct FetchUrl {
    /// Largest body read; the rest is dropped.
    pub max_bytes: usize,
    pub timeout: Duration,
    /// Largest Markdown returned to the model.
    pub max_chars: usize,
}

impl Default for FetchUrl {
    fn default() -> Self {
        FetchUrl {
            max_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(20),
            max_chars: 40_000,
        }
    }
}

#[derive(Deserialize)]
struct Args {
    url: String,
}

#[async_trait]
impl Tool for FetchUrl {
    fn name(&self) -> &'static str {
        "fetch_url"
    }
    fn description(&self) -> &'static str {
        "Fetch a web page (http or https) and return its main content as Markdown, with its title and source URL. Cite the source URL in what you report."
    }
    fn parameters(&self) -> serde_json::Value {
        json!({"type":"object","properties":{"url":{"type":"string","description":"absolute http(s) URL"}},"required":["url"],"additionalProperties":false})
    }
    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let url = reqwest::Url::parse(args.url.trim()).map_err(|e| {
            ToolError::InvalidArguments(format!("{:?} is not a URL: {e}", args.url))
        })?;
        let request = ctx.web.get(&url)?;
        tokio::select! {
            _ = ctx.cancel.cancelled() => Err(ToolError::Cancelled),
            result = tokio::time::timeout(self.timeout, self.fetch(request, url)) => match result {
                Ok(r) => r,
                Err(_) => Err(ToolError::Failed(format!("the page did not load within {} s", self.timeout.as_secs()))),
            },
        }
    }
}

impl FetchUrl {
    async fn fetch(
        &self,
        request: reqwest::RequestBuilder,
        url: reqwest::Url,
    ) -> Result<ToolOutput, ToolError> {
        let response = request
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
            )
            .send()
            .await
            .map_err(|e| ToolError::Failed(format!("cannot fetch {url}: {}", innermost(&e))))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ToolError::Failed(format!("{url} answered HTTP {status}")));
        }
        let final_url = response.url().to_string();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut body = Vec::new();
        let mut truncated = false;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ToolError::Failed(format!("reading {url}: {e}")))?;
            let room = self.max_bytes.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                truncated = true;
                break;
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let is_html = content_type.contains("html")
            || (content_type.is_empty() && text.trim_start().starts_with('<'));
        let page = if is_html {
            html_to_markdown(&text, &final_url)
        } else if content_type.starts_with("text/")
            || content_type.contains("json")
            || content_type.contains("xml")
            || content_type.contains("csv")
        {
            format!("Source: {final_url}\n\n{text}")
        } else {
            return Err(ToolError::Failed(format!(
                "{url} is {content_type}, not a page that can be read as text"
            )));
        };
        let mut out = truncate_chars(&page, self.max_chars);
        if truncated {
            out.push_str(&format!(
                "\n\n[the page was larger than {} bytes; the rest was not read]",
                self.max_bytes
            ));
        }
        Ok(ToolOutput::text(out))
    }
}

/// The deepest cause of a request's failure: what the agent can act on ("resolves to 10.0.0.5
/// (not the public web)"), not reqwest's wrapper.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The readable part of a page as Markdown, headed by its title, byline and source (a URL, or a
/// file's path in the task folder).
pub(super) fn html_to_markdown(html: &str, url: &str) -> String {
    // `url` may be a path in the task folder, which is no base for links.
    let base = reqwest::Url::parse(url).ok().map(|_| url);
    let article = dom_smoothie::Readability::new(html, base, None)
        .ok()
        .and_then(|mut r| r.parse().ok());
    let (title, byline, content) = match article {
        Some(a) => (a.title, a.byline, a.content.to_string()),
        None => (String::new(), None, html.to_owned()),
    };
    let markdown = htmd::convert(&content).unwrap_or_else(|_| content.clone());
    let mut out = String::new();
    if !title.trim().is_empty() {
        out.push_str(&format!("# {}\n", title.trim()));
    }
    out.push_str(&format!("Source: {url}\n"));
    if let Some(by) = byline.filter(|b| !b.trim().is_empty()) {
        out.push_str(&format!("By: {}\n", by.trim()));
    }
    out.push('\n');
    out.push_str(markdown.trim());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_becomes_markdown_with_title_and_source() {
        let html = r#"<html><head><title>Notion alternatives</title></head><body><nav>menu menu</nav>
            <article><h1>Notion alternatives</h1><p class="byline">By Ada Lovelace</p>
            <p>Coda is a document that works like an app. It costs <b>$10</b> per doc maker per month, and teams use it for planning.</p>
            <p>Confluence is Atlassian's wiki. Standard costs $5.16 per user per month and it integrates with Jira deeply.</p>
            </article></body></html>"#;
        let md = html_to_markdown(html, "http://127.0.0.1/alts");
        assert!(md.starts_with("# Notion alternatives"), "{md}");
        assert!(md.contains("Source: http://127.0.0.1/alts"));
        assert!(md.contains("**$10**"), "inline markup must survive: {md}");
        assert!(!md.contains("<p>"), "no raw HTML: {md}");
    }
}
