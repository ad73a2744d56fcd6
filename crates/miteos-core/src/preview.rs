//! Previews of deliverables for the War Room (and, later, share pages): Markdown and text as
//! text, CSV and spreadsheets as tables, images as data URLs, HTML as text for a sandboxed frame.
//! Every preview is bounded, so a huge file never reaches the window whole.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};

/// Text kept for a text preview.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Rows and columns kept per sheet.
pub const MAX_ROWS: usize = 500;
pub const MAX_COLUMNS: usize = 50;
/// Largest image shown inline.
pub const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Preview {
    Markdown {
        text: String,
        truncated: bool,
    },
    Text {
        text: String,
        truncated: bool,
    },
    /// Shown in a sandboxed frame without scripts.
    Html {
        text: String,
        truncated: bool,
    },
    Table {
        sheets: Vec<Sheet>,
        truncated: bool,
    },
    Image {
        data_url: String,
    },
    /// Nothing to show inline; the reason says why (the file can still be downloaded).
    None {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// Builds the preview of `path`, whose deliverable name is `name`. Blocking (file reads).
pub fn preview(path: &Path, name: &str) -> Result<Preview> {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "md" | "markdown" => {
            let (text, truncated) = read_text(path)?;
            Preview::Markdown { text, truncated }
        }
        "html" | "htm" => {
            let (text, truncated) = read_text(path)?;
            Preview::Html { text, truncated }
        }
        "csv" | "tsv" => csv_table(path, if ext == "tsv" { b'\t' } else { b',' })?,
        "xlsx" | "xlsm" | "xls" | "ods" => workbook_table(path)?,
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" => image(path, name)?,
        _ => {
            let mime = crate::deliverables::mime_type(name);
            let textual = mime.starts_with("text/")
                || [
                    "json", "txt", "log", "yaml", "yml", "toml", "xml", "js", "ts", "css",
                ]
                .contains(&ext.as_str());
            if textual {
                let (text, truncated) = read_text(path)?;
                Preview::Text { text, truncated }
            } else {
                Preview::None {
                    reason: format!("{mime} files have no preview; download the file to open it"),
                }
            }
        }
    })
}

fn read_text(path: &Path) -> Result<(String, bool)> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let truncated = bytes.len() > MAX_TEXT_BYTES;
    bytes.truncate(MAX_TEXT_BYTES);
    // A cut may split a character; lossy decoding keeps the rest readable.
    Ok((String::from_utf8_lossy(&bytes).into_owned(), truncated))
}

fn csv_table(path: &Path, delimiter: u8) -> Result<Preview> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_path(path)
        .map_err(|e| Error::InvalidInput(format!("reading {}: {e}", path.display())))?;
    let mut rows = Vec::new();
    let mut truncated = false;
    for record in reader.records() {
        let record = record.map_err(|e| {
            Error::InvalidInput(format!("{} is not valid CSV: {e}", path.display()))
        })?;
        if rows.len() == MAX_ROWS {
            truncated = true;
            break;
        }
        truncated |= record.len() > MAX_COLUMNS;
        rows.push(record.iter().take(MAX_COLUMNS).map(str::to_owned).collect());
    }
    Ok(Preview::Table {
        sheets: vec![Sheet {
            name: "Sheet1".to_owned(),
            rows,
        }],
        truncated,
    })
}

fn workbook_table(path: &Path) -> Result<Preview> {
    use calamine::{Reader, open_workbook_auto};
    let mut workbook = open_workbook_auto(path).map_err(|e| {
        Error::InvalidInput(format!(
            "{} is not a readable spreadsheet: {e}",
            path.display()
        ))
    })?;
    let mut sheets = Vec::new();
    let mut truncated = false;
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| Error::InvalidInput(format!("reading sheet {name}: {e}")))?;
        truncated |= range.height() > MAX_ROWS || range.width() > MAX_COLUMNS;
        let rows = range
            .rows()
            .take(MAX_ROWS)
            .map(|row| {
                row.iter()
                    .take(MAX_COLUMNS)
                    .map(|c| c.to_string())
                    .collect()
            })
            .collect();
        sheets.push(Sheet { name, rows });
    }
    Ok(Preview::Table { sheets, truncated })
}

fn image(path: &Path, name: &str) -> Result<Preview> {
    use base64::Engine;
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
        .len();
    if size > MAX_IMAGE_BYTES {
        return Ok(Preview::None {
            reason: format!("the image has {size} bytes, too many to show inline; download it"),
        });
    }
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    Ok(Preview::Image {
        data_url: format!(
            "data:{};base64,{}",
            mime.essence_str(),
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_becomes_a_table_with_quoted_cells_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "name,price\n\"Coda, Inc.\",10\nNotion,8\n").unwrap();
        let Preview::Table { sheets, truncated } = preview(&path, "t.csv").unwrap() else {
            panic!("a CSV file previews as a table");
        };
        assert!(!truncated);
        assert_eq!(sheets[0].rows[1], vec!["Coda, Inc.", "10"]);
        assert_eq!(sheets[0].rows.len(), 3);
    }

    #[test]
    fn long_text_is_cut_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.md");
        std::fs::write(&path, "x".repeat(MAX_TEXT_BYTES + 10)).unwrap();
        let Preview::Markdown { text, truncated } = preview(&path, "r.md").unwrap() else {
            panic!("Markdown previews as Markdown");
        };
        assert!(truncated);
        assert_eq!(text.len(), MAX_TEXT_BYTES);
    }

    #[test]
    fn binary_files_explain_why_there_is_no_preview() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, [0u8, 1, 2]).unwrap();
        assert!(matches!(
            preview(&path, "a.bin").unwrap(),
            Preview::None { .. }
        ));
    }
}
