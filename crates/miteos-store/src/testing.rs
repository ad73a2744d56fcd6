//! For tests (the `testing` feature): a PostgreSQL database of its own for each test, on the
//! server `scripts/postgres.sh` runs (started on first use; `MITEOS_TEST_DATABASE_URL` names
//! another server instead), dropped when the test ends.

use std::str::FromStr;
use std::sync::OnceLock;

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;

use crate::Store;

/// The URL of the test server's `postgres` database, as a role that may create databases.
pub fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("MITEOS_TEST_DATABASE_URL") {
            return url;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/postgres.sh");
        let out = std::process::Command::new("bash")
            .arg(script)
            .output()
            .expect("running scripts/postgres.sh");
        assert!(
            out.status.success(),
            "scripts/postgres.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("a URL")
            .trim()
            .to_owned()
    })
}

/// A database created for one test; dropped (connections and all) when this is dropped.
pub struct TestDatabase {
    pub url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let name = format!("miteos_test_{}", crate::db::unique_id());
        let mut admin = admin_options()
            .connect()
            .await
            .expect("connecting to the test PostgreSQL server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("creating a test database");
        let url = database_url(&name);
        TestDatabase { url, name }
    }

    /// A store on this database (migrated).
    pub async fn store(&self) -> Store {
        Store::connect(&self.url)
            .await
            .expect("opening the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Its own thread and runtime: drop may run inside (or after) the test's runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = admin_options().connect().await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}

fn admin_options() -> PgConnectOptions {
    PgConnectOptions::from_str(server_url()).expect("a PostgreSQL URL")
}

/// The server's URL with another database.
fn database_url(name: &str) -> String {
    let base = server_url();
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base, String::new()),
    };
    let root = without_query
        .rsplit_once('/')
        .map_or(without_query, |(root, _)| root);
    format!("{root}/{name}{query}")
}

/// Runs `test` on a fresh SQLite store, then on a fresh PostgreSQL one; a failure names the
/// database it happened on.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(format!("miteos-store-test-{}", crate::db::unique_id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let sqlite = Store::open(&dir.join("miteos.db"))
        .await
        .expect("opening a SQLite store");
    eprintln!("on SQLite");
    test(sqlite).await;
    let _ = std::fs::remove_dir_all(&dir);
    let database = TestDatabase::create().await;
    eprintln!("on PostgreSQL ({})", database.name);
    test(database.store().await).await;
}
