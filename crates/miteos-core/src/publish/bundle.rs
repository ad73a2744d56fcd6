//! A zip of deliverables, written to an anonymous temporary file (never all in memory).

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Zips `names` (paths relative to `task_dir`) with deflate into a temporary file, rewound to
/// its start. Blocking.
pub fn zip_files(task_dir: &Path, names: &[String]) -> Result<std::fs::File> {
    let file = tempfile::tempfile().map_err(|e| Error::io("creating a temporary zip file", e))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for name in names {
        let path = crate::deliverables::file_path(task_dir, name)?;
        let mut source = std::fs::File::open(&path)
            .map_err(|e| Error::io(format!("reading {name} for the zip"), e))?;
        zip.start_file(name.as_str(), options)
            .map_err(|e| Error::Internal(format!("adding {name} to the zip: {e}")))?;
        std::io::copy(&mut source, &mut zip)
            .map_err(|e| Error::io(format!("adding {name} to the zip"), e))?;
    }
    let mut file = zip
        .finish()
        .map_err(|e| Error::Internal(format!("finishing the zip: {e}")))?;
    file.flush().map_err(|e| Error::io("writing the zip", e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io("rewinding the zip", e))?;
    Ok(file)
}
