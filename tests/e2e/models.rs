//! The model manager against local HTTP servers: download with progress, resume after a broken
//! transfer and after a pause (Range requests), checksums given or recorded at the first
//! download, the free-space check before a download starts, and the catalog's downloads through
//! the API (a Hugging Face mirror on 127.0.0.1).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use miteos_core::models::{Expected, InstalledModel, ModelStore, Progress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Serves `body`, honouring `Range: bytes=N-` with 206, and remembers the ranges asked for.
struct RangeServer {
    body: Vec<u8>,
    ranges: Arc<Mutex<Vec<String>>>,
}

impl Respond for RangeServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.headers.get("range").and_then(|v| v.to_str().ok()) {
            Some(range) => {
                self.ranges.lock().unwrap().push(range.to_owned());
                let start: usize = range
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse()
                    .unwrap();
                ResponseTemplate::new(206)
                    .insert_header(
                        "content-range",
                        format!("bytes {start}-{}/{}", self.body.len() - 1, self.body.len())
                            .as_str(),
                    )
                    .set_body_raw(self.body[start..].to_vec(), "application/octet-stream")
            }
            None => ResponseTemplate::new(200)
                .set_body_raw(self.body.clone(), "application/octet-stream"),
        }
    }
}

pub fn fake_gguf(seed: u32) -> Vec<u8> {
    let mut body = b"GGUF".to_vec();
    body.extend((0..200_000u32).map(|i| ((i ^ seed).wrapping_mul(2_654_435_761) >> 24) as u8));
    body
}

async fn serve(route: &str, body: Vec<u8>) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start().await;
    let ranges = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(RangeServer {
            body,
            ranges: ranges.clone(),
        })
        .mount(&server)
        .await;
    (server, ranges)
}

fn sha(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    miteos_core::digest::hex(&Sha256::digest(bytes))
}

/// Downloads `url` into `store` as its file name says, checking what `expected` says.
async fn get(
    store: &ModelStore,
    url: &str,
    expected: Expected,
) -> miteos_core::Result<InstalledModel> {
    store
        .download(
            &reqwest::Client::new(),
            url,
            None,
            expected,
            &CancellationToken::new(),
            |_| {},
        )
        .await
}

fn expecting(sha256: &str) -> Expected {
    Expected {
        sha256: Some(sha256.to_owned()),
        ..Expected::default()
    }
}

/// A raw HTTP server whose first answer sends the headers of the whole file and only its first
/// `cut` bytes, then either closes the connection (a broken transfer) or stalls (a slow one);
/// later requests with a Range get the rest. Records the Range headers asked for.
async fn breaking_server(
    body: Vec<u8>,
    cut: usize,
    stall: bool,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tiny.gguf", listener.local_addr().unwrap());
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let seen = ranges.clone();
    let served = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            let seen = seen.clone();
            let n = served.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 2048];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(read) = socket.read(&mut buf).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..read]);
                }
                let text = String::from_utf8_lossy(&request).to_lowercase();
                let range = text
                    .lines()
                    .find_map(|l| l.strip_prefix("range: bytes="))
                    .map(|r| r.trim().trim_end_matches('-').parse::<usize>().unwrap());
                if let Some(start) = range {
                    seen.lock().unwrap().push(format!("bytes={start}-"));
                    let head = format!(
                        "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{}\r\nconnection: close\r\n\r\n",
                        body.len() - start,
                        body.len() - 1,
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body[start..]).await;
                    return;
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let end = if n == 0 { cut } else { body.len() };
                let _ = socket.write_all(&body[..end]).await;
                let _ = socket.flush().await;
                if stall && n == 0 {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
        }
    });
    (url, ranges)
}

#[tokio::test]
async fn download_reports_progress_and_verifies_the_checksum() {
    let body = fake_gguf(1);
    let (server, _) = serve("/models/tiny.gguf", body.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let mut seen: Vec<Progress> = Vec::new();
    let model = store
        .download(
            &reqwest::Client::new(),
            &format!("{}/models/tiny.gguf", server.uri()),
            None,
            expecting(&sha(&body)),
            &CancellationToken::new(),
            |p| seen.push(p),
        )
        .await
        .unwrap();
    assert_eq!(model.name, "tiny");
    assert_eq!(std::fs::read(&model.path).unwrap(), body);
    let last = seen.last().unwrap();
    assert_eq!(
        (last.done, last.total),
        (body.len() as u64, Some(body.len() as u64)),
        "progress ends at the total"
    );
    assert!(
        seen.windows(2).all(|w| w[0].done <= w[1].done),
        "progress only grows"
    );
    assert_eq!(store.list().unwrap().len(), 1);
}

#[tokio::test]
async fn an_interrupted_transfer_resumes_with_a_range_request() {
    let body = fake_gguf(2);
    let (url, ranges) = breaking_server(body.clone(), 70_000, false).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let first = get(&store, &url, expecting(&sha(&body))).await.unwrap_err();
    assert!(
        first.to_string().contains("resume"),
        "says it can resume: {first}"
    );
    assert_eq!(store.partial_bytes("tiny"), 70_000, "what arrived is kept");
    assert!(
        store.list().unwrap().is_empty(),
        "nothing half-downloaded is installed"
    );
    let model = get(&store, &url, expecting(&sha(&body))).await.unwrap();
    assert_eq!(
        ranges.lock().unwrap().as_slice(),
        ["bytes=70000-"],
        "only the missing bytes are asked for"
    );
    assert_eq!(std::fs::read(&model.path).unwrap(), body);
}

#[tokio::test]
async fn a_paused_download_keeps_its_part_and_resumes() {
    let body = fake_gguf(3);
    let (url, ranges) = breaking_server(body.clone(), 50_000, true).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let cancel = CancellationToken::new();
    let pause = cancel.clone();
    let paused = store
        .download(
            &reqwest::Client::new(),
            &url,
            None,
            Expected::default(),
            &cancel,
            move |p| {
                if p.done >= 50_000 {
                    pause.cancel();
                }
            },
        )
        .await
        .unwrap_err();
    assert!(paused.to_string().contains("stopped"), "{paused}");
    assert_eq!(store.partial_bytes("tiny"), 50_000);
    get(&store, &url, expecting(&sha(&body))).await.unwrap();
    assert_eq!(ranges.lock().unwrap().as_slice(), ["bytes=50000-"]);
}

#[tokio::test]
async fn a_bad_checksum_is_rejected_and_nothing_is_installed() {
    let (server, _) = serve("/models/tiny.gguf", fake_gguf(4)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let err = get(
        &store,
        &format!("{}/models/tiny.gguf", server.uri()),
        expecting(&"0".repeat(64)),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    assert!(store.list().unwrap().is_empty());
    assert!(
        !store.dir().join("tiny.gguf.part").exists(),
        "the bad file is discarded"
    );
}

#[tokio::test]
async fn the_first_download_records_the_hash_and_later_ones_are_checked_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let recorded = Expected {
        record_as: Some("tiny".into()),
        ..Expected::default()
    };
    let (first, _) = serve("/models/tiny.gguf", fake_gguf(5)).await;
    get(
        &store,
        &format!("{}/models/tiny.gguf", first.uri()),
        recorded.clone(),
    )
    .await
    .unwrap();
    let hashes = std::fs::read_to_string(dir.path().join("hashes.json")).unwrap();
    assert!(hashes.contains(&sha(&fake_gguf(5))), "{hashes}");
    store.remove("tiny").unwrap();
    // The same name served with other bytes later is refused.
    let (changed, _) = serve("/models/tiny.gguf", fake_gguf(6)).await;
    let err = get(
        &store,
        &format!("{}/models/tiny.gguf", changed.uri()),
        recorded,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
}

#[tokio::test]
async fn too_little_disk_space_is_refused_before_the_download_starts() {
    let (server, ranges) = serve("/models/huge.gguf", fake_gguf(7)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let err = get(
        &store,
        &format!("{}/models/huge.gguf", server.uri()),
        Expected {
            size_bytes: Some(1 << 60),
            ..Expected::default()
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not enough disk space"), "{err}");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was fetched"
    );
    assert!(ranges.lock().unwrap().is_empty());
}

#[tokio::test]
async fn files_that_are_not_gguf_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path().join("models"));
    let fake = dir.path().join("notes.gguf");
    std::fs::write(&fake, b"not a model").unwrap();
    assert!(store.add_file(&fake, None).await.is_err());
    let ok = dir.path().join("tiny.gguf");
    std::fs::write(&ok, fake_gguf(8)).unwrap();
    let model = store.add_file(&ok, None).await.unwrap();
    assert_eq!(model.name, "tiny");
    assert!(store.path_of("tiny").is_ok());
    assert!(
        store.path_of("../etc/passwd").is_err(),
        "names cannot leave the model folder"
    );
}

#[tokio::test]
async fn a_server_announcing_more_than_the_disk_holds_is_refused_before_any_byte_is_written() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/giant.gguf", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 2048];
        let _ = socket.read(&mut buf).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1152921504606846976\r\n\r\nGGUF")
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let err = get(&store, &url, Expected::default()).await.unwrap_err();
    assert!(err.to_string().contains("not enough disk space"), "{err}");
    assert_eq!(store.partial_bytes("giant"), 0, "nothing was written");
}
