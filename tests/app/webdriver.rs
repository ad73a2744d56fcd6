//! Just enough W3C WebDriver for one test: a session on tauri-driver (which starts the app
//! through WebKitWebDriver), element lookup by CSS, keys, text and a screenshot. And an Xvfb
//! display when the machine has none.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// W3C's key for element references in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// An X display: Xvfb started for this test (`:N`), or the one in `DISPLAY` when it is set.
pub struct Display {
    pub name: String,
    _xvfb: Option<Child>,
}

impl Display {
    pub async fn start() -> Display {
        if let Ok(name) = std::env::var("DISPLAY")
            && !name.is_empty()
            && std::env::var_os("MITEOS_TEST_XVFB").is_none()
        {
            return Display { name, _xvfb: None };
        }
        // One display per test of this process (they run in parallel), apart from other runs.
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let nth = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let number = 90 + (std::process::id() % 200) * 2 + nth;
        let name = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([
                name.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting Xvfb (package xvfb, installed by scripts/setup.sh)");
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not start on {name}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Display {
            name,
            _xvfb: Some(child),
        }
    }
}

pub struct Driver {
    base: String,
    session: String,
    client: reqwest::Client,
    _driver: Child,
}

/// Where `cargo install tauri-driver` puts it.
fn tauri_driver() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return p.into();
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    home.join("bin/tauri-driver")
}

impl Driver {
    /// Starts tauri-driver and opens a session on `application` with `env`.
    pub async fn start(application: &str, env: &[(String, String)]) -> Driver {
        Self::start_with_args(application, &[], env).await
    }

    /// [`Driver::start`], the application started with `args`.
    pub async fn start_with_args(
        application: &str,
        args: &[&str],
        env: &[(String, String)],
    ) -> Driver {
        let port = free_port();
        let native_port = free_port();
        let child = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
                "--native-driver",
                "/usr/bin/WebKitWebDriver",
            ])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group: WebKitWebDriver, which it starts, goes with it (see Drop).
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("starting tauri-driver (cargo install tauri-driver, done by scripts/setup.sh)");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{base}/status")).send().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application, "args": args}
        }}});
        let response: Value = client
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("tauri-driver opened no session: {response}"))
            .to_owned();
        Driver {
            base,
            session,
            client,
            _driver: child,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request
            .send()
            .await
            .expect("WebDriver request")
            .json()
            .await
            .expect("WebDriver JSON")
    }

    async fn find(&self, css: &str) -> Option<String> {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v["value"][ELEMENT].as_str().map(str::to_owned)
    }

    /// Waits until an element matches `css`; answers its reference.
    pub async fn wait_for(&self, css: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(id) = self.find(css).await {
                return id;
            }
            assert!(
                Instant::now() < deadline,
                "nothing matched {css} within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing matches `css` (a page that went away).
    pub async fn wait_gone(&self, css: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.find(css).await.is_some() {
            assert!(
                Instant::now() < deadline,
                "{css} was still there after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn send_keys(&self, element: &str, text: &str) {
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/element/{element}/value"),
                Some(json!({"text": text})),
            )
            .await;
        assert!(v["value"].is_null(), "typing failed: {v}");
    }

    pub async fn click(&self, element: &str) {
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/element/{element}/click"),
                Some(json!({})),
            )
            .await;
        assert!(v["value"].is_null(), "clicking failed: {v}");
    }

    pub async fn text_of(&self, css: &str) -> String {
        let element = self.wait_for(css, Duration::from_secs(10)).await;
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                None,
            )
            .await;
        v["value"].as_str().unwrap_or_default().to_owned()
    }

    /// An attribute of the element matching `css` (`None` when it has none).
    pub async fn attribute_of(&self, css: &str, name: &str) -> Option<String> {
        let element = self.wait_for(css, Duration::from_secs(10)).await;
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{element}/attribute/{name}"),
                None,
            )
            .await;
        v["value"].as_str().map(str::to_owned)
    }

    pub async fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["value"].as_str().expect("screenshot data"))
            .expect("screenshot base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, png).expect("writing the screenshot");
    }

    /// Reloads the page, as a new start of the window does.
    pub async fn refresh(&self) {
        let v = self
            .call(reqwest::Method::POST, "/refresh", Some(json!({})))
            .await;
        assert!(v["value"].is_null(), "refreshing failed: {v}");
    }

    /// Closes the window, as its close button does.
    pub async fn close_window(&self) {
        let _ = self.call(reqwest::Method::DELETE, "/window", None).await;
    }

    pub async fn stop(self) {
        let _ = self.call(reqwest::Method::DELETE, "", None).await;
    }
}

impl Drop for Driver {
    /// Ends tauri-driver's whole process group, so no WebKitWebDriver outlives the test.
    fn drop(&mut self) {
        if let Some(pid) = self._driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", "--", &format!("-{pid}")])
                .status();
        }
    }
}
