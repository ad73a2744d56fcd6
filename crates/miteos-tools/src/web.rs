//! The web as agents reach it: only the public internet, and the hosts or ranges the user
//! allowed (the `fetch_allow` setting). Every name is resolved by a resolver that drops the
//! addresses the rule refuses, so the connection goes only to an address that was checked; a URL
//! that names an address is checked before the request and on every redirect. No proxy is used:
//! a proxy would resolve the name itself, past the rule.
//!
//! Search backends and model providers are the user's own choice and use Miteos's ordinary
//! client; this one is for addresses an agent picked (a page can name any).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use miteos_domain::address::AddressRule;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{RequestBuilder, Url};

use super::ToolError;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// An HTTP client for the addresses agents pick. Cheap to clone.
#[derive(Clone)]
pub struct PublicWeb {
    client: Option<reqwest::Client>,
    rule: Arc<AddressRule>,
}

impl PublicWeb {
    /// A client under `rule`.
    pub fn new(rule: AddressRule) -> Result<Self, ToolError> {
        let rule = Arc::new(rule);
        let on_redirect = rule.clone();
        let client = reqwest::Client::builder()
            .user_agent(concat!("Miteos/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver { rule: rule.clone() }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match check(&on_redirect, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e.to_string()),
                }
            }))
            .build()
            .map_err(|e| ToolError::Failed(format!("the web client cannot be built: {e}")))?;
        Ok(PublicWeb {
            client: Some(client),
            rule,
        })
    }

    /// A GET of `url`, once the URL itself passes the rule.
    pub fn get(&self, url: &Url) -> Result<RequestBuilder, ToolError> {
        check(&self.rule, url)?;
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| ToolError::Failed("the web client could not be built".into()))?;
        Ok(client.get(url.clone()))
    }
}

impl Default for PublicWeb {
    /// Public addresses only. Where no client can be built, every request fails (never an
    /// unguarded client in its place).
    fn default() -> Self {
        PublicWeb::new(AddressRule::default()).unwrap_or_else(|_| PublicWeb {
            client: None,
            rule: Arc::new(AddressRule::default()),
        })
    }
}

/// Whether `url` may be requested: http(s), and a host the rule allows — an address named in
/// the URL is judged here, a name by the resolver when it is looked up.
fn check(rule: &AddressRule, url: &Url) -> Result<(), ToolError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ToolError::Refused(format!(
            "only http and https URLs can be fetched, not {}",
            url.scheme()
        )));
    }
    let refused = |host: &str| {
        ToolError::Refused(format!(
            "{host} is not on the public web (a private, local or reserved address); a user can \
             allow it in Settings → Web access"
        ))
    };
    let Some(host) = url.host_str() else {
        return Err(ToolError::InvalidArguments(format!("{url} has no host")));
    };
    match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) if !rule.allows_ip(ip) => Err(refused(host)),
        _ => Ok(()),
    }
}

/// Resolves names with the system's resolver and keeps only the addresses the rule allows (all
/// of them for a host name the user allowed).
struct PublicResolver {
    rule: Arc<AddressRule>,
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rule = self.rule.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let trusted = rule.allows_host(&host);
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| trusted || rule.allows_ip(a.ip()))
                .collect();
            if kept.is_empty() {
                let why = if found.is_empty() {
                    format!("{host} has no address")
                } else {
                    format!(
                        "{host} resolves to {} (not the public web); a user can allow it in \
                         Settings → Web access",
                        found[0].ip()
                    )
                };
                return Err(why.into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}
