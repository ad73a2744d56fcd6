//! The model manager against a local HTTP server: download with progress, resume, checksum.

use std::sync::{Arc, Mutex};

use miteos_core::models::ModelStore;
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

fn fake_gguf() -> Vec<u8> {
    let mut body = b"GGUF".to_vec();
    body.extend((0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    body
}

async fn serve(body: Vec<u8>) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start().await;
    let ranges = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/models/tiny.gguf"))
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

#[tokio::test]
async fn download_reports_progress_and_verifies_the_checksum() {
    let body = fake_gguf();
    let (server, _) = serve(body.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let mut seen = Vec::new();
    let model = store
        .download(
            &reqwest::Client::new(),
            &format!("{}/models/tiny.gguf", server.uri()),
            None,
            Some(&sha(&body)),
            |done, total| seen.push((done, total)),
        )
        .await
        .unwrap();
    assert_eq!(model.name, "tiny");
    assert_eq!(std::fs::read(&model.path).unwrap(), body);
    assert_eq!(
        seen.last(),
        Some(&(body.len() as u64, Some(body.len() as u64))),
        "progress ends at the total"
    );
    assert_eq!(store.list().unwrap().len(), 1);
}

#[tokio::test]
async fn a_broken_download_resumes_where_it_stopped() {
    let body = fake_gguf();
    let (server, ranges) = serve(body.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    std::fs::create_dir_all(store.dir()).unwrap();
    std::fs::write(store.dir().join("tiny.gguf.part"), &body[..70_000]).unwrap();
    let model = store
        .download(
            &reqwest::Client::new(),
            &format!("{}/models/tiny.gguf", server.uri()),
            None,
            Some(&sha(&body)),
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(
        ranges.lock().unwrap().as_slice(),
        ["bytes=70000-"],
        "only the missing bytes are asked for"
    );
    assert_eq!(std::fs::read(&model.path).unwrap(), body);
}

#[tokio::test]
async fn a_bad_checksum_is_rejected_and_nothing_is_installed() {
    let body = fake_gguf();
    let (server, _) = serve(body).await;
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let err = store
        .download(
            &reqwest::Client::new(),
            &format!("{}/models/tiny.gguf", server.uri()),
            None,
            Some(&"0".repeat(64)),
            |_, _| {},
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
async fn files_that_are_not_gguf_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = ModelStore::new(dir.path());
    let fake = dir.path().join("notes.gguf");
    std::fs::write(&fake, b"not a model").unwrap();
    assert!(store.add_file(&fake, None).await.is_err());
    let ok = dir.path().join("tiny.gguf");
    std::fs::write(&ok, fake_gguf()).unwrap();
    let model = store.add_file(&ok, None).await.unwrap();
    assert_eq!(model.name, "tiny");
    assert!(store.path_of("tiny").is_ok());
    assert!(
        store.path_of("../etc/passwd").is_err(),
        "names cannot leave the model folder"
    );
}
