//! Model servers on this machine or the user's network: what they say they can do (llama.cpp's
//! `/props` slots and context, its `/v1/models` parameter count; Ollama's `/api/show`), and
//! which of them are running (Ollama, LM Studio, llama.cpp, vLLM on their usual ports).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use miteos_domain::models::DetectedServer;

/// What a server says about itself and a model it serves.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServerInfo {
    /// Requests it works on at once (llama.cpp's slots, Ollama's `OLLAMA_NUM_PARALLEL`).
    pub slots: Option<usize>,
    /// The context it runs the model with, in tokens.
    pub context: Option<u32>,
    /// The model's parameter count.
    pub parameters: Option<u64>,
}

/// Below this many parameters a model gets the small-model pipeline.
pub const SMALL_MODEL_PARAMETERS: u64 = 1_500_000_000;

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
const DETECT_TIMEOUT: Duration = Duration::from_millis(1500);

/// The usual addresses of local OpenAI-compatible servers, and what usually listens there.
const USUAL_SERVERS: &[(&str, &str)] = &[
    ("http://127.0.0.1:1234/v1", "lm-studio"),
    ("http://127.0.0.1:8080/v1", "llama.cpp"),
    ("http://127.0.0.1:8000/v1", "vllm"),
];
const USUAL_OLLAMA: &str = "http://127.0.0.1:11434";

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .unwrap_or_default()
}

async fn get_json(http: &reqwest::Client, url: &str) -> Option<Value> {
    let response = http.get(url).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

/// The server root of an OpenAI-compatible base URL (`http://h:p/v1` → `http://h:p`).
fn root_of(base_url: &str) -> &str {
    let base = base_url.trim_end_matches('/');
    base.strip_suffix("/v1").unwrap_or(base)
}

/// Asks an OpenAI-compatible server about itself: llama.cpp answers `/props` with its slots and
/// context, and lists its model's parameter count in `/v1/models`; other servers answer less.
pub async fn probe_openai_compatible(base_url: &str, model: &str) -> ServerInfo {
    let http = client(PROBE_TIMEOUT);
    let mut info = ServerInfo::default();
    if let Some(props) = get_json(&http, &format!("{}/props", root_of(base_url))).await {
        info.slots = props
            .get("total_slots")
            .and_then(Value::as_u64)
            .map(|n| n as usize);
        info.context = props
            .pointer("/default_generation_settings/n_ctx")
            .and_then(Value::as_u64)
            .map(|n| n as u32);
    }
    if let Some(list) = get_json(&http, &format!("{}/models", base_url.trim_end_matches('/'))).await
        && let Some(models) = list.get("data").and_then(Value::as_array)
    {
        let entry = models
            .iter()
            .find(|m| m.get("id").and_then(Value::as_str) == Some(model))
            .or(models.first().filter(|_| models.len() == 1));
        if let Some(meta) = entry.and_then(|m| m.get("meta")) {
            info.parameters = meta.get("n_params").and_then(Value::as_u64);
            if info.context.is_none() {
                info.context = meta
                    .get("n_ctx_train")
                    .and_then(Value::as_u64)
                    .map(|n| n as u32);
            }
        }
        // vLLM lists the context it serves with.
        if info.context.is_none() {
            info.context = entry
                .and_then(|m| m.get("max_model_len"))
                .and_then(Value::as_u64)
                .map(|n| n as u32);
        }
    }
    info
}

/// Asks Ollama about a model (`/api/show`): its parameter count and context length. Its slots
/// are `OLLAMA_NUM_PARALLEL` when set here, else one (what a busy machine's Ollama runs).
pub async fn probe_ollama(host: &str, model: &str) -> ServerInfo {
    let http = client(PROBE_TIMEOUT);
    let host = ollama_url(host);
    let mut info = ServerInfo {
        slots: Some(
            std::env::var("OLLAMA_NUM_PARALLEL")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(1),
        ),
        ..ServerInfo::default()
    };
    let shown = http
        .post(format!("{host}/api/show"))
        // `model` since Ollama 0.5, `name` before.
        .json(&serde_json::json!({"model": model, "name": model}))
        .send()
        .await
        .ok()
        .filter(|r| r.status().is_success());
    let Some(shown) = shown else { return info };
    let Ok(body) = shown.json::<Value>().await else {
        return info;
    };
    if let Some(model_info) = body.get("model_info").and_then(Value::as_object) {
        info.parameters = model_info
            .get("general.parameter_count")
            .and_then(Value::as_u64);
        info.context = model_info
            .iter()
            .find(|(k, _)| k.ends_with(".context_length"))
            .and_then(|(_, v)| v.as_u64())
            .map(|n| n as u32);
    }
    // A `num_ctx` in the model's parameters is the context Ollama runs it with.
    if let Some(params) = body.get("parameters").and_then(Value::as_str)
        && let Some(n) = params.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("num_ctx")).then(|| words.next()?.parse::<u32>().ok())?
        })
    {
        info.context = Some(n);
    }
    info
}

/// Ollama's address as a URL.
pub fn ollama_url(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    if host.contains("://") {
        host.to_owned()
    } else {
        format!("http://{host}")
    }
}

/// How long a probe that learnt nothing (the server was not up) stands before it is asked again.
const PROBE_RETRY: Duration = Duration::from_secs(60);

/// Probes by server and model, with when they were made; they stand for the life of the
/// process, except one that learnt nothing, which is made again after [`PROBE_RETRY`].
static PROBES: LazyLock<Mutex<HashMap<String, (Instant, ServerInfo)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The probe of `key`, probing with `probe` the first time (and again when it learnt nothing a
/// while ago).
pub async fn cached<F, Fut>(key: &str, probe: F) -> ServerInfo
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ServerInfo>,
{
    let known = PROBES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(key)
        .copied();
    if let Some((at, info)) = known
        && (info != ServerInfo::default() || at.elapsed() < PROBE_RETRY)
    {
        return info;
    }
    let info = probe().await;
    PROBES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.to_owned(), (Instant::now(), info));
    info
}

/// The probe of `key`, if it was made.
pub fn cached_now(key: &str) -> Option<ServerInfo> {
    PROBES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(key)
        .map(|(_, info)| *info)
}

/// The address runs on this machine or a private network (the user's own server).
pub fn is_local_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unique_local(),
        Some(url::Host::Domain(d)) => {
            d == "localhost" || d.ends_with(".local") || d.ends_with(".lan") || !d.contains('.')
        }
        None => false,
    }
}

/// The model servers running where Miteos looks: Ollama (`ollama_host`, else its usual port)
/// and OpenAI-compatible servers (`extra` base URLs, then LM Studio's, llama.cpp's and vLLM's
/// usual ports), each with its models. Every address is asked at once, briefly.
pub async fn detect(ollama_host: Option<&str>, extra: &[String]) -> Vec<DetectedServer> {
    let http = client(DETECT_TIMEOUT);
    let ollama = ollama_url(ollama_host.unwrap_or(USUAL_OLLAMA));
    let mut compatible: Vec<(String, &str)> = extra
        .iter()
        .map(|u| (u.trim_end_matches('/').to_owned(), "openai-compatible"))
        .collect();
    for (url, kind) in USUAL_SERVERS {
        if !compatible.iter().any(|(u, _)| u == url) {
            compatible.push(((*url).to_owned(), kind));
        }
    }
    let ollama_probe = async {
        let tags = get_json(&http, &format!("{ollama}/api/tags")).await?;
        let models = tags
            .get("models")?
            .as_array()?
            .iter()
            .filter_map(|m| m.get("name").and_then(Value::as_str))
            .map(|name| format!("ollama::{name}"))
            .collect();
        Some(DetectedServer {
            kind: "ollama".to_owned(),
            url: ollama.clone(),
            models,
        })
    };
    let compatible_probes = futures::future::join_all(
        compatible
            .iter()
            .map(|(url, usual)| detect_compatible(&http, url, usual)),
    );
    let (ollama_found, found) = tokio::join!(ollama_probe, compatible_probes);
    ollama_found
        .into_iter()
        .chain(found.into_iter().flatten())
        .collect()
}

/// An OpenAI-compatible server at `base_url`, if one answers its model list there.
async fn detect_compatible(
    http: &reqwest::Client,
    base_url: &str,
    usual: &str,
) -> Option<DetectedServer> {
    let list = get_json(http, &format!("{base_url}/models")).await?;
    let data = list.get("data")?.as_array()?;
    let models: Vec<String> = data
        .iter()
        .filter_map(|m| m.get("id").and_then(Value::as_str))
        .map(|id| format!("openai::{id}"))
        .collect();
    let owned_by = data
        .first()
        .and_then(|m| m.get("owned_by"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = if owned_by == "vllm" {
        "vllm"
    } else if owned_by == "llamacpp" || data.first().and_then(|m| m.get("meta")).is_some() {
        "llama.cpp"
    } else if usual == "openai-compatible" {
        "openai-compatible"
    } else {
        usual
    };
    Some(DetectedServer {
        kind: kind.to_owned(),
        url: base_url.to_owned(),
        models,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_are_local() {
        assert!(is_local_url("http://127.0.0.1:8080/v1"));
        assert!(is_local_url("http://localhost:11434"));
        assert!(is_local_url("http://192.168.1.20:1234/v1"));
        assert!(is_local_url("http://gpu-box:8000/v1"));
        assert!(!is_local_url("https://api.openai.com/v1"));
        assert!(!is_local_url("https://openrouter.ai/api/v1"));
    }

    #[tokio::test]
    async fn a_probe_stands_unless_it_learnt_nothing() {
        let found = ServerInfo {
            slots: Some(2),
            ..ServerInfo::default()
        };
        assert_eq!(cached("test-a", || async { found }).await, found);
        let asked_again = cached("test-a", || async { ServerInfo::default() }).await;
        assert_eq!(asked_again, found, "a probe that found the server stands");
        assert_eq!(cached_now("test-a"), Some(found));
        assert_eq!(
            cached("test-b", || async { ServerInfo::default() }).await,
            ServerInfo::default()
        );
        assert_eq!(
            cached("test-b", || async { found }).await,
            ServerInfo::default(),
            "within a minute an empty probe stands too"
        );
    }

    #[test]
    fn roots_of_base_urls() {
        assert_eq!(root_of("http://h:1/v1/"), "http://h:1");
        assert_eq!(root_of("http://h:1"), "http://h:1");
        assert_eq!(ollama_url("127.0.0.1:11434/"), "http://127.0.0.1:11434");
    }
}
