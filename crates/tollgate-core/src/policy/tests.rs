use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;

fn ips(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn expiry_must_be_future_and_within_the_accounts_limit() {
    let now = Timestamp(1_000_000);
    assert_eq!(check_expiry(None, now, None), Ok(None));
    assert_eq!(
        check_expiry(Some(now), now, None),
        Err(PolicyError::ExpiryInPast)
    );
    assert_eq!(
        check_expiry(Some(Timestamp(now.0 + 1)), now, None),
        Ok(Some(Timestamp(now.0 + 1)))
    );
    let limit = preset(30, now);
    assert_eq!(check_expiry(Some(limit), now, Some(30)), Ok(Some(limit)));
    assert_eq!(
        check_expiry(Some(Timestamp(limit.0 + 1)), now, Some(30)),
        Err(PolicyError::ExpiryBeyondLimit { max_days: 30 })
    );
    assert_eq!(
        check_expiry(None, now, Some(30)),
        Err(PolicyError::ExpiryRequired { max_days: 30 })
    );
    assert!(
        PolicyError::ExpiryBeyondLimit { max_days: 30 }
            .to_string()
            .contains("30 days")
    );
}

#[test]
fn expiry_boundaries() {
    let t = Timestamp(5_000);
    assert!(!expired(Some(t), Timestamp(4_999)));
    assert!(expired(Some(t), t));
    assert!(expired(Some(t), Timestamp(5_001)));
    assert!(!expired(None, Timestamp(i64::MAX)));
    assert!(expiring_soon(Some(preset(7, Timestamp(0))), Timestamp(0)));
    assert!(!expiring_soon(
        Some(Timestamp(preset(7, Timestamp(0)).0 + 1)),
        Timestamp(0)
    ));
    assert!(!expiring_soon(Some(t), t), "already expired is not 'soon'");
}

#[test]
fn allowlists_are_checked_and_canonical() {
    assert_eq!(
        check_allowed_ips(&ips(&[
            " 203.0.113.0/24",
            "2001:DB8::/32",
            "198.51.100.7",
            "::ffff:192.0.2.1"
        ])),
        Ok(ips(&[
            "203.0.113.0/24",
            "2001:db8::/32",
            "198.51.100.7",
            "192.0.2.1"
        ]))
    );
    for bad in [
        "203.0.113.7/24",
        "203.0.113.0/33",
        "300.1.1.1",
        "2001:db8::/129",
        "10.0.0.0/",
        "10.0.0.0/+8",
        "host",
    ] {
        assert_eq!(
            check_allowed_ips(&ips(&[bad])),
            Err(PolicyError::IpInvalid {
                entry: bad.to_owned()
            }),
            "{bad}"
        );
    }
    assert_eq!(
        check_allowed_ips(&ips(&["10.0.0.1", "10.0.0.1/32"])),
        Err(PolicyError::IpRepeated {
            entry: "10.0.0.1/32".into()
        })
    );
    let many: Vec<String> = (0..=MAX_ALLOWED_IPS)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    assert_eq!(
        check_allowed_ips(&many),
        Err(PolicyError::TooManyIps {
            max: MAX_ALLOWED_IPS
        })
    );
}

#[test]
fn the_client_address_is_matched() {
    let list = ips(&["203.0.113.0/24", "2001:db8::/32"]);
    assert!(ip_allowed(&list, Some("203.0.113.200")));
    assert!(
        ip_allowed(&list, Some("::ffff:203.0.113.9")),
        "IPv4-mapped IPv6"
    );
    assert!(ip_allowed(&list, Some("2001:db8:1::5")));
    assert!(!ip_allowed(&list, Some("203.0.114.1")));
    assert!(!ip_allowed(&list, Some("2001:db9::1")));
    assert!(!ip_allowed(&list, None), "no client address");
    assert!(!ip_allowed(&list, Some("not an address")));
    assert!(ip_allowed(&[], None), "an empty list allows any address");
    assert!(ip_allowed(&ips(&["0.0.0.0/0"]), Some("8.8.8.8")));
    assert!(
        !ip_allowed(&ips(&["0.0.0.0/0"]), Some("2001:db8::1")),
        "IPv4 /0 is every IPv4 address only"
    );
}

#[test]
fn rate_limits_are_checked_and_answer_with_headers() {
    let l = RateLimit {
        requests: 2,
        period_seconds: 60,
    };
    assert_eq!(check_rate_limit(Some(l)), Ok(Some(l)));
    assert_eq!(check_rate_limit(None), Ok(None));
    assert_eq!(
        check_rate_limit(Some(RateLimit {
            requests: 2,
            period_seconds: 30
        })),
        Err(PolicyError::RatePeriod)
    );
    assert!(
        check_rate_limit(Some(RateLimit {
            requests: 0,
            period_seconds: 1
        }))
        .is_err()
    );
    let now = Timestamp(120_500);
    let (a, w) = admit(Window::default(), l, now);
    assert!(a.allowed);
    assert_eq!((a.remaining, a.reset_secs), (1, 60));
    let (b, w) = admit(w, l, Timestamp(121_000));
    assert!(b.allowed);
    let (c, w) = admit(w, l, Timestamp(150_000));
    assert!(!c.allowed, "the third in one minute");
    assert_eq!((c.remaining, c.reset_secs), (0, 30));
    assert_eq!(c.policy_header(), "\"token\";q=2;w=60");
    assert_eq!(c.state_header(), "\"token\";r=0;t=30");
    let (d, _) = admit(w, l, Timestamp(180_000));
    assert!(d.allowed, "a new window");
}

proptest! {
    /// Any address inside a range matches it; any outside does not (IPv4 and IPv6).
    #[test]
    fn v4_ranges_contain_exactly_their_addresses(base in any::<u32>(), prefix in 0u8..=32, probe in any::<u32>()) {
        let m = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
        let net = base & m;
        let rule = format!("{}/{prefix}", Ipv4Addr::from(net));
        let range = IpRange::parse(&rule).expect("a valid range");
        let inside = (probe & m) == net;
        prop_assert_eq!(range.contains(IpAddr::V4(Ipv4Addr::from(probe))), inside);
        prop_assert_eq!(range.contains(IpAddr::V6(Ipv4Addr::from(probe).to_ipv6_mapped())), inside);
        prop_assert_eq!(ip_allowed(std::slice::from_ref(&rule), Some(&Ipv4Addr::from(probe).to_string())), inside);
    }

    #[test]
    fn v6_ranges_contain_exactly_their_addresses(base in any::<u128>(), prefix in 0u8..=128, probe in any::<u128>()) {
        let m = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
        let net = base & m;
        let rule = format!("{}/{prefix}", Ipv6Addr::from(net));
        let range = IpRange::parse(&rule).expect("a valid range");
        prop_assert_eq!(range.contains(IpAddr::V6(Ipv6Addr::from(probe))), (probe & m) == net);
        // Canonical text parses back to the same range.
        prop_assert_eq!(IpRange::parse(&range.canonical()), Some(range));
    }

    /// The limiter never admits more than N in one window, and admits N when asked N times.
    #[test]
    fn never_more_than_n_per_window(requests in 1u32..20, period in prop::sample::select(RATE_PERIODS.to_vec()), steps in proptest::collection::vec(0i64..700, 1..200)) {
        let limit = RateLimit { requests, period_seconds: period };
        let mut w = Window::default();
        let mut now = 1_000_000i64;
        let mut per_window: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
        for step in steps {
            now += step;
            let (a, next) = admit(w, limit, Timestamp(now));
            w = next;
            if a.allowed {
                *per_window.entry(now.div_euclid(i64::from(period) * 1000)).or_default() += 1;
            }
            prop_assert!(a.reset_secs >= 1 && a.reset_secs <= i64::from(period));
        }
        prop_assert!(per_window.values().all(|n| *n <= requests));
    }
}
