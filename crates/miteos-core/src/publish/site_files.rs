//! What a deployed page uses: its own file, and the files it links to — `src`, `href`,
//! `srcset`, `poster`, CSS `url(…)` and `@import` — followed through the HTML and CSS files it
//! reaches. A deployment publishes these and nothing else of the task's folder, so a page
//! beside other deliverables does not put them all on the web.

use std::collections::BTreeSet;

/// The files (relative to the site's folder) that `entry` uses, `entry` included, among
/// `available`; `read` gives the text of an HTML or CSS file to follow its links.
pub fn used_files(
    entry: &str,
    available: &BTreeSet<String>,
    read: impl Fn(&str) -> Option<String>,
) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut pending = vec![entry.to_owned()];
    while let Some(file) = pending.pop() {
        if !available.contains(&file) || !used.insert(file.clone()) {
            continue;
        }
        let lower = file.to_ascii_lowercase();
        if !(lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".css")) {
            continue;
        }
        let Some(text) = read(&file) else { continue };
        let folder = file.rfind('/').map_or("", |i| &file[..=i]);
        for link in references(&text) {
            if let Some(target) = resolve(folder, &link) {
                pending.push(target);
            }
        }
    }
    used
}

/// The link targets written in an HTML or CSS text, as written.
fn references(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for attribute in ["src", "href", "poster", "srcset", "data"] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(attribute) {
            let start = from + at;
            from = start + attribute.len();
            // A whole attribute name: not the end of another word (`data-src`, `xhref`).
            if lower[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                continue;
            }
            let rest = lower[from..].trim_start();
            let Some(value) = rest.strip_prefix('=') else {
                continue;
            };
            let offset = text.len() - value.len();
            let value = text[offset..].trim_start();
            let raw = quoted_or_bare(value);
            if attribute == "srcset" {
                out.extend(
                    raw.split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_owned),
                );
            } else {
                out.push(raw.to_owned());
            }
        }
    }
    for opener in ["url(", "@import"] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(opener) {
            let start = from + at + opener.len();
            from = start;
            let value = text[start..].trim_start();
            let value = value.strip_prefix("url(").unwrap_or(value).trim_start();
            let raw = quoted_or_bare(value);
            out.push(raw.trim_end_matches(')').trim().to_owned());
        }
    }
    out
}

/// A value in quotes, or up to the first space, `>` or `)`.
fn quoted_or_bare(value: &str) -> &str {
    match value.chars().next() {
        Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
        _ => value
            .split(|c: char| c.is_whitespace() || c == '>' || c == ')' || c == ';')
            .next()
            .unwrap_or(""),
    }
}

/// `link` written in a file of `folder` as a path of the site, or `None` for what is not a file
/// of it (another site, a fragment, data, a path out of the site's folder).
fn resolve(folder: &str, link: &str) -> Option<String> {
    let link = link.split(['#', '?']).next()?.trim();
    if link.is_empty() || link.starts_with('/') || link.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_publishes_what_it_links_to_and_nothing_else() {
        let files: BTreeSet<String> = [
            "index.html",
            "style.css",
            "img/logo.png",
            "img/bg.jpg",
            "fonts/a.woff2",
            "about.html",
            "chart.js",
            "data/secret-notes.md",
            "report.xlsx",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let read = |name: &str| {
            match name {
            "index.html" => Some(
                r#"<link rel=stylesheet href="style.css"><img SRC='img/logo.png' data-src="report.xlsx">
                   <a href="about.html#top">About</a> <a href="https://example.com/x">x</a>
                   <script src="./chart.js?v=2"></script> <a href="../outside.html">out</a>"#
                    .to_owned(),
            ),
            "style.css" => Some(
                "@import url(\"fonts/a.woff2\"); body { background: url('img/bg.jpg') }".to_owned(),
            ),
            "about.html" => Some("<a href=index.html>home</a>".to_owned()),
            _ => None,
        }
        };
        let used = used_files("index.html", &files, read);
        let used: Vec<&str> = used.iter().map(String::as_str).collect();
        assert_eq!(
            used,
            [
                "about.html",
                "chart.js",
                "fonts/a.woff2",
                "img/bg.jpg",
                "img/logo.png",
                "index.html",
                "style.css"
            ]
        );
    }
}
