//! The HTML pages visitors see: the viewer of a deployed single file, and a share page. They run
//! no scripts (the server sends a CSP without script sources); Markdown is sanitised with
//! ammonia; HTML deliverables render in a sandboxed frame.

use crate::domain::{Deliverable, Provenance};
use crate::preview::Preview;

use super::provenance::ReplayStep;

/// What a share page shows.
pub struct SharePage<'a> {
    pub deliverable: &'a Deliverable,
    pub preview: &'a Preview,
    /// Where the file's bytes are (relative to the page), for HTML frames, images and download.
    pub raw_href: &'a str,
    pub download_href: &'a str,
    pub provenance: &'a Provenance,
    pub task_title: &'a str,
    pub replay: Option<&'a [ReplayStep]>,
    pub expires: &'a str,
}

/// The page of a deployed non-HTML file: its preview and a link to the file itself.
pub fn viewer_page(name: &str, preview: &Preview, raw_href: &str) -> String {
    let body = format!(
        "<header><h1>{}</h1><p><a href=\"{}\" download>Download the file</a></p></header>{}",
        esc(name),
        esc(raw_href),
        render_preview(preview, raw_href, name)
    );
    document(name, &body)
}

pub fn share_page(page: &SharePage<'_>) -> String {
    let d = page.deliverable;
    let mut body = format!(
        "<header><p class=\"muted\">Shared from Miteos · {}</p><h1>{}</h1>\
         <p class=\"muted\">{} · {} bytes · link valid until {}</p>\
         <p><a href=\"{}\">Download</a></p></header>",
        esc(page.task_title),
        esc(&d.name),
        esc(&d.mime_type),
        d.size_bytes,
        esc(page.expires),
        esc(page.download_href),
    );
    body.push_str(&render_preview(page.preview, page.raw_href, &d.name));
    body.push_str("<section><h2>How it was made</h2>");
    if page.provenance.subtasks.is_empty() {
        body.push_str("<p class=\"muted\">No subtask is recorded for this file.</p>");
    } else {
        body.push_str("<ol>");
        for s in &page.provenance.subtasks {
            body.push_str(&format!(
                "<li><code>{}</code> {} <span class=\"muted\">({})</span></li>",
                esc(&s.id),
                esc(&s.title),
                esc(&s.agent_type)
            ));
        }
        body.push_str("</ol>");
    }
    if !page.provenance.sources.is_empty() {
        body.push_str("<h3>Sources</h3><ul>");
        for source in &page.provenance.sources {
            if source.starts_with("http://") || source.starts_with("https://") {
                body.push_str(&format!(
                    "<li><a href=\"{0}\" rel=\"noreferrer noopener\">{0}</a></li>",
                    esc(source)
                ));
            } else {
                body.push_str(&format!("<li>{}</li>", esc(source)));
            }
        }
        body.push_str("</ul>");
    }
    body.push_str("</section>");
    if let Some(steps) = page.replay {
        body.push_str("<section><h2>Replay</h2><ol class=\"replay\">");
        for step in steps {
            body.push_str(&format!(
                "<li><span class=\"muted\">{}</span> {}{}</li>",
                esc(&step.at),
                esc(&step.summary),
                step.detail
                    .as_ref()
                    .map(|d| format!("<pre>{}</pre>", esc(d)))
                    .unwrap_or_default()
            ));
        }
        body.push_str("</ol></section>");
    }
    document(&d.name, &body)
}

fn render_preview(preview: &Preview, raw_href: &str, name: &str) -> String {
    let cut = |truncated: bool| {
        if truncated {
            "<p class=\"muted\">The preview is cut short; download the file for all of it.</p>"
        } else {
            ""
        }
    };
    match preview {
        Preview::Markdown { text, truncated } => {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(text));
            format!(
                "<article class=\"markdown\">{}</article>{}",
                ammonia::clean(&html),
                cut(*truncated)
            )
        }
        Preview::Text { text, truncated } => format!("<pre>{}</pre>{}", esc(text), cut(*truncated)),
        Preview::Html { .. } => format!(
            "<iframe sandbox=\"\" src=\"{}\" title=\"{}\"></iframe>",
            esc(raw_href),
            esc(name)
        ),
        Preview::Image { .. } => format!("<img src=\"{}\" alt=\"{}\">", esc(raw_href), esc(name)),
        Preview::Table { sheets, truncated } => {
            let mut html = String::new();
            for sheet in sheets {
                if sheets.len() > 1 {
                    html.push_str(&format!("<h3>{}</h3>", esc(&sheet.name)));
                }
                html.push_str("<div class=\"table\"><table>");
                for (i, row) in sheet.rows.iter().enumerate() {
                    let cell = if i == 0 { "th" } else { "td" };
                    html.push_str("<tr>");
                    for value in row {
                        html.push_str(&format!("<{cell}>{}</{cell}>", esc(value)));
                    }
                    html.push_str("</tr>");
                }
                html.push_str("</table></div>");
            }
            html.push_str(cut(*truncated));
            html
        }
        Preview::None { reason } => format!("<p class=\"muted\">{}</p>", esc(reason)),
    }
}

/// Text (or an attribute value) escaped for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{} · Miteos</title><style>{STYLE}</style></head>\
         <body><main>{body}</main><footer class=\"muted\">Made with Miteos</footer></body></html>",
        esc(title)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f7f8fa;color:#1b2230}\
main{max-width:960px;margin:0 auto;padding:24px}h1{font-size:22px;margin:4px 0}\
.muted{color:#5b6576;font-size:13px}pre{background:#f3f4f6;border:1px solid #dde1e7;border-radius:6px;\
padding:10px;white-space:pre-wrap;word-break:break-word}table{border-collapse:collapse;font-size:14px;background:#fff}\
th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f0f2f5}\
.table{overflow:auto}iframe{width:100%;height:70vh;border:1px solid #dde1e7;background:#fff}img{max-width:100%}\
section{margin-top:24px}footer{text-align:center;padding:16px}a{color:#0369a1}\
@media (prefers-color-scheme: dark){body{background:#0f1420;color:#e6e9ef}.muted{color:#9aa4b5}\
pre{background:#0b101a;border-color:#2a3448}table{background:#161c2a}th,td{border-color:#2a3448}th{background:#1d2536}a{color:#38bdf8}}";
