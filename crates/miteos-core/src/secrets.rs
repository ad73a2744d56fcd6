//! API keys at rest: in the OS keyring (Secret Service on Linux) when one runs, otherwise in
//! `DATA_DIR/secrets.json` with mode 0600. Keys are never logged, journaled or sent back whole:
//! readers outside the provider layer get a [`hint`] (the last four characters).
//!
//! `MITEOS_SECRETS=file` forces the file (tests, headless servers); `MITEOS_SECRETS=keyring`
//! refuses to fall back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The keyring service name entries are stored under.
const SERVICE: &str = "miteos";
const FILE_NAME: &str = "secrets.json";

/// Names of the secrets Miteos keeps.
pub const KEY_NAMES: [&str; 5] = [
    "openai_api_key",
    "anthropic_api_key",
    "openrouter_api_key",
    "brave_api_key",
    "tavily_api_key",
];

#[derive(Debug, Clone)]
pub struct Secrets {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Keyring,
    File(PathBuf),
}

impl Secrets {
    /// The keyring if it answers, otherwise the 0600 file in `data_dir` (always the file with
    /// `in_file`). Blocking: call from a blocking context.
    pub fn open(data_dir: &Path, in_file: bool) -> Result<Self> {
        let file = Backend::File(data_dir.join(FILE_NAME));
        let choice = if in_file {
            "file".to_owned()
        } else {
            std::env::var("MITEOS_SECRETS").unwrap_or_default()
        };
        let backend = match choice.as_str() {
            "file" => file,
            "keyring" => {
                probe_keyring().map_err(|e| {
                    Error::NotConfigured(format!(
                        "MITEOS_SECRETS=keyring, but the keyring does not answer: {e}"
                    ))
                })?;
                Backend::Keyring
            }
            _ => match probe_keyring() {
                Ok(()) => Backend::Keyring,
                Err(e) => {
                    tracing::info!(reason = %e, "no keyring; API keys are kept in a 0600 file");
                    file
                }
            },
        };
        Ok(Secrets { backend })
    }

    /// Where keys are kept, in words for the settings view.
    pub fn location(&self) -> String {
        match &self.backend {
            Backend::Keyring => "the system keyring (Secret Service)".to_owned(),
            Backend::File(path) => format!("{} (readable only by you)", path.display()),
        }
    }

    pub fn get(&self, name: &str) -> Result<Option<String>> {
        match &self.backend {
            Backend::Keyring => match entry(name)?.get_password() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(Error::Internal(format!(
                    "reading {name} from the keyring: {e}"
                ))),
            },
            Backend::File(path) => Ok(read_file(path)?.remove(name)),
        }
    }

    /// Stores `value` under `name`, or removes it with `None`.
    pub fn set(&self, name: &str, value: Option<&str>) -> Result<()> {
        match &self.backend {
            Backend::Keyring => {
                let entry = entry(name)?;
                let result = match value {
                    Some(v) => entry.set_password(v),
                    None => match entry.delete_credential() {
                        Err(keyring::Error::NoEntry) => Ok(()),
                        other => other,
                    },
                };
                result.map_err(|e| Error::Internal(format!("writing {name} to the keyring: {e}")))
            }
            Backend::File(path) => {
                let mut all = read_file(path)?;
                match value {
                    Some(v) => all.insert(name.to_owned(), v.to_owned()),
                    None => all.remove(name),
                };
                write_file(path, &all)
            }
        }
    }
}

/// The last four characters of a key, for "…abcd" displays; nothing for short keys.
pub fn hint(key: &str) -> Option<String> {
    let chars: Vec<char> = key.chars().collect();
    (chars.len() >= 12).then(|| chars[chars.len() - 4..].iter().collect())
}

fn entry(name: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, name)
        .map_err(|e| Error::Internal(format!("opening keyring entry {name}: {e}")))
}

fn probe_keyring() -> std::result::Result<(), keyring::Error> {
    match keyring::Entry::new(SERVICE, "probe")?.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e),
    }
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| Error::Internal(format!("{} is not valid JSON: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Writes through a 0600 temporary file renamed over the old one, so the file is never readable
/// by others and never half-written.
fn write_file(path: &Path, all: &BTreeMap<String, String>) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(all)
        .map_err(|e| Error::Internal(format!("encoding secrets: {e}")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("replacing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_keeps_keys_private_and_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets {
            backend: Backend::File(dir.path().join(FILE_NAME)),
        };
        secrets
            .set("openai_api_key", Some("sk-test-0123456789"))
            .unwrap();
        assert_eq!(
            secrets.get("openai_api_key").unwrap().as_deref(),
            Some("sk-test-0123456789")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "other users must not read API keys");
        }
        secrets.set("openai_api_key", None).unwrap();
        assert_eq!(secrets.get("openai_api_key").unwrap(), None);
    }

    #[test]
    fn hints_show_only_the_tail_of_long_keys() {
        assert_eq!(hint("sk-abcdefghijkl1234").as_deref(), Some("1234"));
        assert_eq!(hint("short"), None);
    }
}
