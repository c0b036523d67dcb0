//! Vendor profiles, as openstacksdk ships them (`openstack/config/vendors/*.json`): what a
//! `clouds.yaml` entry with `profile: NAME` need not say itself.
//!
//! - `rackspace`: `auth_url` `https://identity.api.rackspacecloud.com/v2.0/`,
//!   `identity_api_version` 2, `database_service_type` `rax:database`.
//! - `otc` (Open Telekom Cloud): `auth_url` `https://iam.{region_name}.otc.t-systems.com/v3`,
//!   `identity_api_version` 3.
//!
//! What the entry gives wins over the profile.

/// One vendor's defaults.
#[derive(Debug)]
pub struct Profile {
    pub name: &'static str,
    /// May hold `{region_name}`.
    pub auth_url: &'static str,
    pub identity_api_version: &'static str,
    /// (API id, catalog service type) where the vendor differs from the usual type.
    pub service_types: &'static [(&'static str, &'static str)],
    pub regions: &'static [&'static str],
}

/// Every profile known.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "rackspace",
        auth_url: "https://identity.api.rackspacecloud.com/v2.0/",
        identity_api_version: "2",
        service_types: &[("clouddb", "rax:database"), ("clouddb-ha", "rax:database")],
        regions: &["DFW", "HKG", "IAD", "LON", "ORD", "SYD"],
    },
    Profile {
        name: "otc",
        auth_url: "https://iam.{region_name}.otc.t-systems.com/v3",
        identity_api_version: "3",
        service_types: &[],
        regions: &["eu-de", "eu-nl"],
    },
];

pub fn find(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The catalog service type of `api` under profile `profile`, when it has its own.
pub fn service_type(profile: &str, api: &str) -> Option<&'static str> {
    find(profile)?
        .service_types
        .iter()
        .find(|(a, _)| *a == api)
        .map(|(_, t)| *t)
}

/// The profile's auth URL for `region`; `None` when it needs a region and none is given.
pub fn auth_url(p: &Profile, region: Option<&str>) -> Option<String> {
    if p.auth_url.contains("{region_name}") {
        Some(p.auth_url.replace("{region_name}", region?))
    } else {
        Some(p.auth_url.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_fill_the_auth_url_and_service_types() {
        let otc = find("otc").unwrap();
        assert_eq!(
            auth_url(otc, Some("eu-de")).as_deref(),
            Some("https://iam.eu-de.otc.t-systems.com/v3")
        );
        assert_eq!(auth_url(otc, None), None);
        let rax = find("rackspace").unwrap();
        assert_eq!(
            auth_url(rax, None).as_deref(),
            Some("https://identity.api.rackspacecloud.com/v2.0/")
        );
        assert_eq!(service_type("rackspace", "clouddb"), Some("rax:database"));
        assert_eq!(service_type("otc", "ddm"), None);
        assert!(find("nope").is_none());
    }
}
