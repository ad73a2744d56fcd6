//! Where an agent's web requests may go: the public internet, and the hosts or ranges the user
//! allowed (an intranet wiki). Loopback, private, link-local (cloud metadata at 169.254.169.254),
//! shared (CGNAT), multicast, reserved and documentation ranges are not the public web; IPv6
//! addresses that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address.
//!
//! A pure rule: the web client asks it about every address it resolves or is redirected to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// The user's exceptions to "public addresses only": host names (exact, or `*.corp.example` for a
/// domain and its subdomains), addresses, or CIDR ranges. Empty by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressRule {
    hosts: Vec<String>,
    ranges: Vec<ipnet::IpNet>,
}

impl AddressRule {
    /// The rule with `allowed` as exceptions; an entry that is neither a host name nor an
    /// address nor a range is refused.
    pub fn new(allowed: &[String]) -> Result<Self> {
        let mut rule = AddressRule::default();
        for entry in allowed {
            let entry = entry.trim().trim_end_matches('.').to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if let Ok(net) = entry.parse::<ipnet::IpNet>() {
                rule.ranges.push(net);
            } else if let Ok(ip) = entry.trim_matches(['[', ']']).parse::<IpAddr>() {
                rule.ranges.push(ipnet::IpNet::from(ip));
            } else if is_host_pattern(&entry) {
                rule.hosts.push(entry);
            } else {
                return Err(Error::InvalidInput(format!(
                    "{entry:?} is not a host name, an address or a range (like wiki.corp.example, \
                     *.corp.example, 10.1.2.3 or 10.1.0.0/16)"
                )));
            }
        }
        Ok(rule)
    }

    /// Whether the user allowed this host name, whatever it resolves to.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts
            .iter()
            .any(|allowed| match allowed.strip_prefix("*.") {
                Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
                None => host == *allowed,
            })
    }

    /// Whether a request may connect to `ip`: a public address, or one the user allowed.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.ranges.iter().any(|net| net.contains(&ip))
    }
}

/// A host name as a user types one: letters, digits, `-` and `.`, optionally after `*.`.
fn is_host_pattern(entry: &str) -> bool {
    let name = entry.strip_prefix("*.").unwrap_or(entry);
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Whether `ip` belongs to the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                    // "this network"
        || a == 10                              // private
        || a == 127                             // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254)               // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))  // private
        || (a == 192 && b == 0 && c == 0)       // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)       // documentation
        || (a == 192 && b == 88 && c == 99)     // 6to4 relay anycast
        || (a == 192 && b == 168)               // private
        || (a == 198 && (18..20).contains(&b))  // benchmarking
        || (a == 198 && b == 51 && c == 100)    // documentation
        || (a == 203 && b == 0 && c == 113)     // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00         // unique local
        || (s[0] & 0xffc0) == 0xfe80         // link-local
        || (s[0] & 0xffc0) == 0xfec0         // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00         // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0)     // Teredo: tunnels to any IPv4 address
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard
        || s[0] == 0) // other reserved forms of ::/16
}

/// The IPv4 address an IPv6 address carries: mapped (`::ffff:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let from =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        Some(from(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(from(s[1], s[2]))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(ip: &str) -> bool {
        is_public(ip.parse().unwrap())
    }

    #[test]
    fn only_the_public_internet_is_public() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.251",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            assert!(!public(private), "{private} is not the public web");
        }
        for open in [
            "93.184.216.34",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(open), "{open} is on the public web");
        }
    }

    #[test]
    fn a_user_allows_hosts_addresses_and_ranges() {
        let rule = AddressRule::new(&[
            "wiki.corp.example".into(),
            "*.intra.example".into(),
            "10.1.0.0/16".into(),
            "127.0.0.1".into(),
        ])
        .unwrap();
        assert!(rule.allows_host("wiki.corp.example"));
        assert!(rule.allows_host("WIKI.corp.example."));
        assert!(!rule.allows_host("evil-wiki.corp.example"));
        assert!(rule.allows_host("docs.intra.example"));
        assert!(rule.allows_host("intra.example"));
        assert!(!rule.allows_host("intra.example.evil.com"));
        assert!(rule.allows_ip("10.1.200.3".parse().unwrap()));
        assert!(!rule.allows_ip("10.2.0.1".parse().unwrap()));
        assert!(rule.allows_ip("127.0.0.1".parse().unwrap()));
        assert!(!rule.allows_ip("127.0.0.2".parse().unwrap()));
        assert!(!AddressRule::default().allows_ip("127.0.0.1".parse().unwrap()));
        assert!(AddressRule::new(&["not a host".into()]).is_err());
        assert!(AddressRule::new(&["http://x/".into()]).is_err());
    }
}
