//! Which listen addresses cannot be held at once: a wildcard address (`0.0.0.0`, `[::]`) takes
//! its port on every address it covers, so the operating system refuses a second listener on
//! the same port that it covers. Pure; the server asks before it binds.

use std::net::{IpAddr, SocketAddr};

/// Whether listeners on `a` and `b` would contend for the same port: the same port and one
/// address covers the other (equal addresses are the same listener, not an overlap).
pub(crate) fn overlaps(a: SocketAddr, b: SocketAddr) -> bool {
    let (a_ip, b_ip) = (canonical(a.ip()), canonical(b.ip()));
    a != b
        && a.port() == b.port()
        && a.port() != 0
        && (covers(a_ip, b_ip) || covers(b_ip, a_ip) || a_ip == b_ip)
}

/// An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Whether a listener on `wide` also takes the port on `narrow`. `0.0.0.0` covers every IPv4
/// address; `[::]` covers every IPv6 address and, as Linux binds it dual-stack by default,
/// every IPv4 address too.
fn covers(wide: IpAddr, narrow: IpAddr) -> bool {
    match wide {
        IpAddr::V4(wide) => wide.is_unspecified() && narrow.is_ipv4(),
        IpAddr::V6(wide) => wide.is_unspecified(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_wildcard_overlaps_specific_addresses_on_its_port() {
        assert!(overlaps(addr("0.0.0.0:8000"), addr("127.0.0.1:8000")));
        assert!(overlaps(addr("127.0.0.1:8000"), addr("0.0.0.0:8000")));
        assert!(overlaps(addr("[::]:8000"), addr("127.0.0.1:8000")));
        assert!(overlaps(addr("[::]:8000"), addr("[::1]:8000")));
        assert!(overlaps(addr("[::]:8000"), addr("0.0.0.0:8000")));
        assert!(overlaps(
            addr("[::ffff:127.0.0.1]:8000"),
            addr("0.0.0.0:8000")
        ));
        assert!(overlaps(
            addr("[::ffff:127.0.0.1]:8000"),
            addr("127.0.0.1:8000")
        ));
    }

    #[test]
    fn other_ports_families_and_the_same_address_do_not_overlap() {
        assert!(!overlaps(addr("0.0.0.0:8000"), addr("127.0.0.1:8001")));
        assert!(!overlaps(addr("127.0.0.1:8000"), addr("127.0.0.2:8000")));
        assert!(!overlaps(addr("0.0.0.0:8000"), addr("[::1]:8000")));
        assert!(!overlaps(addr("0.0.0.0:8000"), addr("0.0.0.0:8000")));
        assert!(!overlaps(addr("0.0.0.0:0"), addr("127.0.0.1:0")));
    }
}
