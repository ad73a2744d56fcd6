//! Files as HTTP responses: type, length, a safe `Content-Disposition`, `nosniff`. Shared by
//! the API's downloads and the staging/share server.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

#[derive(Debug, Clone, Copy)]
pub enum Disposition {
    /// Save as a file.
    Attachment,
    /// Show in the browser.
    Inline,
}

/// Streams `file` with its type and a disposition naming it after the last segment of `name`.
pub fn file_response(
    file: std::fs::File,
    mime_type: &str,
    name: &str,
    disposition: Disposition,
) -> Response {
    let len = file.metadata().map(|m| m.len()).ok();
    let stream = ReaderStream::new(tokio::fs::File::from_std(file));
    with_file_headers(
        Body::from_stream(stream).into_response(),
        mime_type,
        name,
        disposition,
        len,
    )
}

/// `bytes` as a file named `name` (see [`file_response`]).
pub fn bytes_response(
    bytes: Vec<u8>,
    mime_type: &str,
    name: &str,
    disposition: Disposition,
) -> Response {
    let len = Some(bytes.len() as u64);
    with_file_headers(
        Body::from(bytes).into_response(),
        mime_type,
        name,
        disposition,
        len,
    )
}

fn with_file_headers(
    mut response: Response,
    mime_type: &str,
    name: &str,
    disposition: Disposition,
    len: Option<u64>,
) -> Response {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Some(len) = len {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Ok(v) = HeaderValue::from_str(&content_disposition(name, disposition)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The disposition with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987).
fn content_disposition(name: &str, disposition: Disposition) -> String {
    let kind = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    let file = name.rsplit('/').next().unwrap_or(name);
    let ascii: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::{Disposition, content_disposition};

    #[test]
    fn disposition_names_the_file_safely() {
        assert_eq!(
            content_disposition("out/pricing.xlsx", Disposition::Attachment),
            "attachment; filename=\"pricing.xlsx\"; filename*=UTF-8''pricing.xlsx"
        );
        assert_eq!(
            content_disposition("Prix \"été\".csv", Disposition::Inline),
            "inline; filename=\"Prix __t__.csv\"; filename*=UTF-8''Prix%20%22%C3%A9t%C3%A9%22.csv"
        );
    }
}
