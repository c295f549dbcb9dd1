//! Where requests may go: endpoints the user configures (https, or http to loopback; no
//! credentials in the URL) and the internal addresses an official API root must never
//! resolve to.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// A configured endpoint that cannot be used. Messages never quote the URL: one with user
/// information in it holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("not an http(s) URL")]
    NotUrl,
    #[error("plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost)")]
    InsecureScheme,
    #[error("user information, query or fragment not allowed (the URL is not shown)")]
    Extra,
}

/// Checks a configured endpoint: https, or http to loopback; no credentials or query in it.
pub fn check_endpoint(url: &str) -> Result<String, EndpointError> {
    let (scheme, rest) = url.split_once("://").ok_or(EndpointError::NotUrl)?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(EndpointError::NotUrl);
    }
    if rest.contains(['?', '#', '@']) {
        return Err(EndpointError::Extra);
    }
    match scheme {
        "https" => {}
        "http" if is_loopback_host(host) => {}
        "http" => return Err(EndpointError::InsecureScheme),
        _ => return Err(EndpointError::NotUrl),
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(h, p)| if p.bytes().all(|b| b.is_ascii_digit()) { h } else { authority })
}

fn is_loopback_host(authority: &str) -> bool {
    let host = host_of(authority);
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Addresses an official API root must never resolve to: loopback, private, link-local,
/// unique-local, carrier-grade NAT, unspecified, multicast, documentation.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Resolves a host and refuses internal addresses (official roots only).
pub(super) fn resolve_public(netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
    if addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "resolves to an internal address"));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        assert_eq!(check_endpoint("https://ghe.example.com/api/v3/").unwrap(), "https://ghe.example.com/api/v3");
        assert!(check_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(check_endpoint("http://[::1]:8080").is_ok());
        assert!(check_endpoint("http://localhost:1").is_ok());
        assert_eq!(check_endpoint("http://evil.example.com").unwrap_err(), EndpointError::InsecureScheme);
        assert!(check_endpoint("http://127.0.0.1.evil.example.com").is_err());
        assert!(check_endpoint("ftp://x").is_err());
        assert!(check_endpoint("https://user:pw@x.example.com").is_err());
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1"] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["140.82.112.6", "2606:4700::6810:84e5"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
        let err = resolve_public("127.0.0.1:443").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    }
}
