//! The address ranges the guard refuses: Label Studio's default banned subnets
//! (`core/utils/io.py`, `validate_ip`), in its order and spelling.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> IpNet {
    IpNet::new_assert(IpAddr::V4(Ipv4Addr::new(a, b, c, d)), len)
}

#[allow(clippy::too_many_arguments)]
const fn v6(segments: [u16; 8], len: u8) -> IpNet {
    let [a, b, c, d, e, f, g, h] = segments;
    IpNet::new_assert(IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)), len)
}

/// Each range with the text Label Studio prints for it in
/// `URL resolves to a reserved network address (block: …)`.
pub(super) const BANNED: [(&str, IpNet); 31] = [
    ("0.0.0.0/8", v4(0, 0, 0, 0, 8)),
    ("10.0.0.0/8", v4(10, 0, 0, 0, 8)),
    ("100.64.0.0/10", v4(100, 64, 0, 0, 10)),
    ("127.0.0.0/8", v4(127, 0, 0, 0, 8)),
    ("169.254.0.0/16", v4(169, 254, 0, 0, 16)),
    ("172.16.0.0/12", v4(172, 16, 0, 0, 12)),
    ("192.0.0.0/24", v4(192, 0, 0, 0, 24)),
    ("192.0.2.0/24", v4(192, 0, 2, 0, 24)),
    ("192.88.99.0/24", v4(192, 88, 99, 0, 24)),
    ("192.168.0.0/16", v4(192, 168, 0, 0, 16)),
    ("198.18.0.0/15", v4(198, 18, 0, 0, 15)),
    ("198.51.100.0/24", v4(198, 51, 100, 0, 24)),
    ("203.0.113.0/24", v4(203, 0, 113, 0, 24)),
    ("224.0.0.0/4", v4(224, 0, 0, 0, 4)),
    ("233.252.0.0/24", v4(233, 252, 0, 0, 24)),
    ("240.0.0.0/4", v4(240, 0, 0, 0, 4)),
    ("255.255.255.255/32", v4(255, 255, 255, 255, 32)),
    ("::/128", v6([0, 0, 0, 0, 0, 0, 0, 0], 128)),
    ("::1/128", v6([0, 0, 0, 0, 0, 0, 0, 1], 128)),
    ("::ffff:0:0/96", v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96)),
    ("::ffff:0:0:0/96", v6([0, 0, 0, 0, 0xffff, 0, 0, 0], 96)),
    ("64:ff9b::/96", v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96)),
    ("64:ff9b:1::/48", v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48)),
    ("100::/64", v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64)),
    ("2001:0000::/32", v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32)),
    ("2001:20::/28", v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28)),
    ("2001:db8::/32", v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32)),
    ("2002::/16", v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16)),
    ("fc00::/7", v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7)),
    ("fe80::/10", v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10)),
    ("ff00::/8", v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8)),
];

/// The banned range containing `ip`, as Label Studio spells it, or `None` if `ip` is allowed.
///
/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is checked as its IPv4 address first, so
/// the message names the IPv4 range; every mapped address is refused in any case, because
/// `::ffff:0:0/96` itself is banned (as in Label Studio).
pub fn banned_range(ip: IpAddr) -> Option<&'static str> {
    if let IpAddr::V6(v6) = ip
        && let Some(mapped) = v6.to_ipv4_mapped()
        && let Some(block) = first_match(IpAddr::V4(mapped))
    {
        return Some(block);
    }
    first_match(ip)
}

fn first_match(ip: IpAddr) -> Option<&'static str> {
    BANNED.iter().find(|(_, net)| net.contains(&ip)).map(|(text, _)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(ip: &str) -> Option<&'static str> {
        banned_range(ip.parse().expect("test ip"))
    }

    /// The printed text of every range parses back to the range it labels.
    #[test]
    fn labels_match_ranges() {
        for (text, net) in BANNED {
            let parsed: IpNet = text.parse().expect("label parses");
            assert_eq!(parsed, net, "{text}");
        }
    }

    /// Loopback, private, link-local/metadata and reserved IPv4 addresses are refused with LS's block text.
    #[test]
    fn ipv4_reserved_addresses_are_refused() {
        assert_eq!(block("127.0.0.1"), Some("127.0.0.0/8"));
        assert_eq!(block("10.1.2.3"), Some("10.0.0.0/8"));
        assert_eq!(block("172.31.255.255"), Some("172.16.0.0/12"));
        assert_eq!(block("192.168.1.1"), Some("192.168.0.0/16"));
        assert_eq!(block("169.254.169.254"), Some("169.254.0.0/16"));
        assert_eq!(block("100.100.100.200"), Some("100.64.0.0/10"));
        assert_eq!(block("0.0.0.0"), Some("0.0.0.0/8"));
        assert_eq!(block("198.19.0.1"), Some("198.18.0.0/15"));
        assert_eq!(block("239.1.1.1"), Some("224.0.0.0/4"));
        assert_eq!(block("250.0.0.1"), Some("240.0.0.0/4"));
        assert_eq!(block("255.255.255.255"), Some("240.0.0.0/4"));
    }

    /// Public IPv4 addresses next to banned ranges are allowed.
    #[test]
    fn ipv4_public_addresses_are_allowed() {
        for ip in
            ["8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "192.0.1.1", "52.216.0.1"]
        {
            assert_eq!(block(ip), None, "{ip}");
        }
    }

    /// IPv6 loopback, unique-local, link-local, NAT64, documentation and multicast are refused.
    #[test]
    fn ipv6_reserved_addresses_are_refused() {
        assert_eq!(block("::1"), Some("::1/128"));
        assert_eq!(block("::"), Some("::/128"));
        assert_eq!(block("fd00::1"), Some("fc00::/7"));
        assert_eq!(block("fe80::1"), Some("fe80::/10"));
        assert_eq!(block("64:ff9b::7f00:1"), Some("64:ff9b::/96"));
        assert_eq!(block("2001:db8::1"), Some("2001:db8::/32"));
        assert_eq!(block("2001:0:1::1"), Some("2001:0000::/32"));
        assert_eq!(block("2002::1"), Some("2002::/16"));
        assert_eq!(block("ff02::1"), Some("ff00::/8"));
        assert_eq!(block("::ffff:0:1.2.3.4"), Some("::ffff:0:0:0/96"));
    }

    /// Public IPv6 addresses are allowed.
    #[test]
    fn ipv6_public_addresses_are_allowed() {
        for ip in ["2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860::8888"] {
            assert_eq!(block(ip), None, "{ip}");
        }
    }

    /// IPv4-mapped IPv6 addresses name the IPv4 range when it is banned, and are refused anyway.
    #[test]
    fn ipv4_mapped_ipv6_addresses_are_refused() {
        assert_eq!(block("::ffff:127.0.0.1"), Some("127.0.0.0/8"));
        assert_eq!(block("::ffff:169.254.169.254"), Some("169.254.0.0/16"));
        assert_eq!(block("::ffff:8.8.8.8"), Some("::ffff:0:0/96"));
    }
}
