//! The AWS partitions: which regions belong to which partition, and each
//! partition's DNS suffixes and capabilities. Used by the rules function
//! `aws.partition`.
//!
//! A region matches a partition when it is listed there, else when it has
//! the partition's region shape (`<prefix>-<word>-<number>`); anything else
//! falls back to `aws`, as the rules specification requires.

/// One partition's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, ...
    pub name: &'static str,
    /// DNS suffix of regular endpoints.
    pub dns_suffix: &'static str,
    /// DNS suffix of dual-stack endpoints.
    pub dual_stack_dns_suffix: &'static str,
    /// Whether FIPS endpoints exist.
    pub supports_fips: bool,
    /// Whether dual-stack endpoints exist.
    pub supports_dual_stack: bool,
    /// The region of global endpoints.
    pub implicit_global_region: &'static str,
    /// Region name prefixes of the partition's region shape.
    region_prefixes: &'static [&'static str],
    /// Regions listed by name (including the `*-global` pseudo regions).
    regions: &'static [&'static str],
}

const PARTITIONS: [Partition; 8] = [
    Partition {
        name: "aws",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-east-1",
        region_prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "aws-global",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "me-west-1",
            "mx-central-1",
            "sa-east-1",
            "sa-west-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    },
    Partition {
        name: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "cn-northwest-1",
        region_prefixes: &["cn"],
        regions: &["aws-cn-global", "cn-north-1", "cn-northwest-1"],
    },
    Partition {
        name: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "eusc-de-east-1",
        region_prefixes: &["eusc-de"],
        regions: &["eusc-de-east-1"],
    },
    Partition {
        name: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-iso-east-1",
        region_prefixes: &["us-iso"],
        regions: &["aws-iso-global", "us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        name: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-isob-east-1",
        region_prefixes: &["us-isob"],
        regions: &["aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        name: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "eu-isoe-west-1",
        region_prefixes: &["eu-isoe"],
        regions: &["aws-iso-e-global", "eu-isoe-west-1"],
    },
    Partition {
        name: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-isof-south-1",
        region_prefixes: &["us-isof"],
        regions: &["aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"],
    },
    Partition {
        name: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-gov-west-1",
        region_prefixes: &["us-gov"],
        regions: &["aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"],
    },
];

/// True when `rest` is `<word>-<digits>` with a word of `[A-Za-z0-9_]+`.
fn word_dash_number(rest: &str) -> bool {
    let Some((word, number)) = rest.rsplit_once('-') else { return false };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

fn has_region_shape(p: &Partition, region: &str) -> bool {
    p.region_prefixes.iter().any(|prefix| region.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')).is_some_and(word_dash_number))
}

/// The partition of `region`.
/// True when `name` can be a region: one DNS label of lower-case letters,
/// digits and hyphens (the characters every partition's region pattern
/// allows), 1 to 63 long, not starting or ending with a hyphen. Hosts are
/// built from region names, so `x@evil.example/` must never get that far.
pub fn is_valid_region(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The partition of `region`.
pub fn partition_of(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| PARTITIONS.iter().find(|p| has_region_shape(p, region)))
        .unwrap_or(&PARTITIONS[0])
}

thread_local! {
    /// Capabilities (FIPS, dual-stack) that resolution on this thread reads
    /// instead of the table's: see [`with_capabilities`].
    static CAPABILITIES: std::cell::Cell<Option<(Option<bool>, Option<bool>)>> = const { std::cell::Cell::new(None) };
}

/// The partition of `region` as endpoint rules see it: [`partition_of`],
/// with the capabilities [`with_capabilities`] set on this thread.
pub fn resolved_partition(region: &str) -> Partition {
    let mut p = *partition_of(region);
    if let Some((fips, dual_stack)) = CAPABILITIES.with(std::cell::Cell::get) {
        p.supports_fips = fips.unwrap_or(p.supports_fips);
        if let Some(d) = dual_stack {
            // Older tables gave a partition without dual-stack its plain DNS suffix as the dual-stack one.
            if p.supports_dual_stack && !d {
                p.dual_stack_dns_suffix = p.dns_suffix;
            }
            p.supports_dual_stack = d;
        }
    }
    p
}

/// Runs `f` with every partition's FIPS and dual-stack support replaced (where
/// `Some`) on this thread: how a model's endpoint test is checked against the
/// capabilities an older partition table gave (see `endpoint::test_case`).
/// A partition whose dual-stack support is taken away also gets its plain DNS
/// suffix as its dual-stack one, as those tables had it.
pub fn with_capabilities<T>(fips: Option<bool>, dual_stack: Option<bool>, f: impl FnOnce() -> T) -> T {
    let before = CAPABILITIES.with(|c| c.replace(Some((fips, dual_stack))));
    let out = f();
    CAPABILITIES.with(|c| c.set(before));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_host_labels() {
        for ok in ["us-east-1", "cn-northwest-1", "us-gov-west-1", "aws-global", "local", "eusc-de-east-1"] {
            assert!(is_valid_region(ok), "{ok}");
        }
        for bad in ["", "x@evil.com/", "us-east-1.evil.example", "US-EAST-1", "-us", "us-", "a b", "us-east-1/", &"a".repeat(64), "ü"] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }

    #[test]
    fn regions_find_their_partition() {
        let table = [
            ("us-east-1", "aws"),
            ("eu-west-9", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-south-7", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-gov-central-5", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
            ("aws-global", "aws"),
            ("aws-cn-global", "aws-cn"),
            ("mars-east-1", "aws"),
            ("", "aws"),
        ];
        for (region, partition) in table {
            assert_eq!(partition_of(region).name, partition, "{region}");
        }
    }
}
