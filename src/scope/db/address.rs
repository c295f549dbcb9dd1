//! Which addresses a database probe may reach: internal ones (loopback, private,
//! link-local, carrier-grade NAT, unique-local, cloud metadata) only for a host the user
//! allowed by name, address or CIDR block.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not contacted without the user's leave, or `None` for a public one.
pub fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    if is_metadata(ip) {
        return Some("a cloud metadata address");
    }
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_kind(v4);
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if (seg[0] & 0xfe00) == 0xfc00 {
                Some("a unique-local (private) address")
            } else if (seg[0] & 0xffc0) == 0xfe80 {
                Some("a link-local address")
            } else if seg[0] == 0x2001 && seg[1] == 0x0db8 {
                Some("a documentation address")
            } else if seg[0] == 0x0064 && seg[1] == 0xff9b {
                // NAT64 (64:ff9b::/96) wraps an IPv4 address: judge that one.
                let v4 = Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8);
                v4_kind(v4)
            } else {
                None
            }
        }
    }
}

fn v4_kind(v4: Ipv4Addr) -> Option<&'static str> {
    let o = v4.octets();
    if is_metadata(IpAddr::V4(v4)) {
        Some("a cloud metadata address")
    } else if v4.is_loopback() {
        Some("a loopback address")
    } else if v4.is_private() {
        Some("a private address")
    } else if v4.is_link_local() {
        Some("a link-local address")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        Some("a carrier-grade NAT (shared) address")
    } else if v4.is_unspecified() || o[0] == 0 {
        Some("an unspecified address")
    } else if v4.is_broadcast() || v4.is_multicast() {
        Some("a broadcast or multicast address")
    } else if v4.is_documentation() || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) {
        Some("a documentation or benchmarking address")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("an IETF protocol address")
    } else {
        None
    }
}

/// Instance metadata services (AWS, GCP, Azure, Oracle, Alibaba, ECS task metadata): never
/// contacted unless the user allowed that exact address.
fn is_metadata(ip: IpAddr) -> bool {
    const V4: &[[u8; 4]] = &[
        [169, 254, 169, 254],
        [169, 254, 170, 2],
        [169, 254, 170, 23],
        [100, 100, 100, 200],
        [168, 63, 129, 16],
        [192, 0, 0, 192],
    ];
    match ip {
        IpAddr::V4(v4) => V4.contains(&v4.octets()),
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
                || v6.to_ipv4_mapped().is_some_and(|v4| V4.contains(&v4.octets()))
        }
    }
}

/// Whether the user allowed `host` (as written in the credential) at address `ip`: an
/// allowed name matches the host name; an allowed address or CIDR block matches the
/// address. A metadata address is allowed only by naming that address.
pub fn allowed(host: &str, ip: IpAddr, allow: &[String]) -> bool {
    let host = host.trim_end_matches('.').trim_start_matches('[').trim_end_matches(']');
    allow.iter().any(|entry| {
        let entry = entry.trim().trim_end_matches('.');
        if let Ok(listed) = entry.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            return same_ip(listed, ip);
        }
        if is_metadata(ip) {
            return false;
        }
        if let Some((net, bits)) = entry.split_once('/') {
            return match (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                (Ok(net), Ok(bits)) => in_cidr(ip, net, bits),
                _ => false,
            };
        }
        !entry.is_empty() && entry.eq_ignore_ascii_case(host)
    })
}

fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    let canon = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    canon(a) == canon(b)
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}
