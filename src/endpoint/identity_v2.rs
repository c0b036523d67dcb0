//! Keystone v2.0 sign-in, as Rackspace Cloud Identity answers it.
//!
//! `POST {auth_url}/tokens` with `{"auth": {"RAX-KSKEY:apiKeyCredentials": {"username",
//! "apiKey"}}}` (the `rackspace_apikey` plugin, pyrax, cdbclient) or `{"auth":
//! {"passwordCredentials": {"username", "password"}}}`; the answer holds `access.token.id`,
//! `access.token.expires`, `access.token.tenant` and `access.serviceCatalog[]` of `{name, type,
//! endpoints[] {region, tenantId, publicURL, internalURL}}`. The catalog is turned into the v3
//! shape ([`Service`]) so endpoints are looked up the same way for both versions.

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Secret;
use super::cloud::{Cloud, Credential};
use super::keystone::{CatalogEndpoint, Service, Token};

/// `{auth_url}/tokens`, whether or not `auth_url` ends in `/v2.0`.
pub fn tokens_url(auth_url: &str) -> String {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v2.0") {
        format!("{base}/tokens")
    } else {
        format!("{base}/v2.0/tokens")
    }
}

/// The v2.0 sign-in body; with `reveal` false the secret is `$VAR`.
pub fn request_body(cloud: &Cloud, reveal: bool) -> Value {
    let secret = |s: &Secret| {
        if reveal {
            s.expose().to_owned()
        } else {
            format!("${}", cloud.credential.secret_env())
        }
    };
    let mut auth = match &cloud.credential {
        Credential::RackspaceApiKey { username, api_key } => json!({
            "RAX-KSKEY:apiKeyCredentials": { "username": username, "apiKey": secret(api_key) },
        }),
        Credential::Password {
            username,
            user_id,
            password,
            ..
        } => json!({
            "passwordCredentials": {
                "username": username.clone().or_else(|| user_id.clone()),
                "password": secret(password),
            },
        }),
        Credential::Token { token } => json!({ "token": { "id": secret(token) } }),
        Credential::ApplicationCredential { .. } | Credential::AkSk { .. } => json!({}),
    };
    if let Some(p) = &cloud.project {
        if let Some(id) = &p.id {
            auth["tenantId"] = json!(id);
        } else if let Some(name) = &p.name {
            auth["tenantName"] = json!(name);
        }
    }
    json!({ "auth": auth })
}

#[derive(Debug, Deserialize)]
struct Body {
    access: Access,
}

#[derive(Debug, Deserialize)]
struct Access {
    token: TokenV2,
    #[serde(default, rename = "serviceCatalog")]
    service_catalog: Vec<ServiceV2>,
    #[serde(default)]
    user: Option<Named>,
}

#[derive(Debug, Deserialize)]
struct TokenV2 {
    id: String,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    issued_at: Option<String>,
    #[serde(default)]
    tenant: Option<Named>,
}

#[derive(Debug, Deserialize)]
struct Named {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ServiceV2 {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    endpoints: Vec<EndpointV2>,
}

#[derive(Debug, Deserialize)]
struct EndpointV2 {
    #[serde(default)]
    region: Option<String>,
    #[serde(default, rename = "publicURL")]
    public_url: Option<String>,
    #[serde(default, rename = "internalURL")]
    internal_url: Option<String>,
    #[serde(default, rename = "adminURL")]
    admin_url: Option<String>,
}

/// The token and catalog of a v2.0 answer; `started` is when the sign-in was sent.
pub fn parse(bytes: &[u8], started: Instant) -> Result<Token, String> {
    let body: Body = serde_json::from_slice(bytes)
        .map_err(|e| format!("the v2.0 access body is not as expected: {e}"))?;
    let a = body.access;
    if a.token.id.is_empty() {
        return Err("access.token.id is empty".into());
    }
    let catalog = a
        .service_catalog
        .into_iter()
        .map(|s| Service {
            kind: s.kind,
            name: s.name,
            endpoints: s
                .endpoints
                .into_iter()
                .flat_map(|e| {
                    [
                        ("public", e.public_url),
                        ("internal", e.internal_url),
                        ("admin", e.admin_url),
                    ]
                    .into_iter()
                    .filter_map(move |(interface, url)| {
                        Some(CatalogEndpoint {
                            interface: interface.into(),
                            region: e.region.clone(),
                            region_id: e.region.clone(),
                            url: url?,
                        })
                    })
                })
                .collect(),
        })
        .collect();
    let refresh_at = super::keystone::refresh_at_of(
        a.token.expires.as_deref(),
        a.token.issued_at.as_deref(),
        started,
    );
    let tenant = a.token.tenant;
    Ok(Token {
        value: Secret::new(a.token.id),
        refresh_at,
        project_id: tenant.as_ref().and_then(|t| t.id.clone()),
        project_name: tenant.and_then(|t| t.name),
        user_name: a.user.and_then(|u| u.name.or(u.id)),
        catalog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::cloud::Credential;

    fn cloud(credential: Credential) -> Cloud {
        Cloud {
            name: "rax".into(),
            source: "test".into(),
            auth_url: "https://identity.api.rackspacecloud.com/v2.0/".into(),
            credential,
            project: None,
            region: Some("ORD".into()),
            interface: "public".into(),
            identity_api_version: Some("2".into()),
            profile: Some("rackspace".into()),
        }
    }

    #[test]
    fn api_key_and_password_bodies_are_rackspaces_and_hide_the_secret() {
        let c = cloud(Credential::RackspaceApiKey {
            username: "alice".into(),
            api_key: Secret::new("k-very-secret"),
        });
        assert!(c.identity_v2());
        assert_eq!(
            tokens_url(&c.auth_url),
            "https://identity.api.rackspacecloud.com/v2.0/tokens"
        );
        assert_eq!(tokens_url("http://h:5000"), "http://h:5000/v2.0/tokens");
        let b = request_body(&c, true);
        assert_eq!(
            b["auth"]["RAX-KSKEY:apiKeyCredentials"],
            json!({"username": "alice", "apiKey": "k-very-secret"})
        );
        let hidden = request_body(&c, false).to_string();
        assert!(!hidden.contains("k-very-secret") && hidden.contains("$OS_API_KEY"));
        let c = cloud(Credential::Password {
            username: Some("bob".into()),
            user_id: None,
            user_domain_name: None,
            user_domain_id: None,
            password: Secret::new("pw"),
        });
        assert_eq!(
            request_body(&c, true)["auth"]["passwordCredentials"]["username"],
            "bob"
        );
    }

    #[test]
    fn the_v2_catalog_becomes_public_and_internal_endpoints() {
        let body = json!({"access": {
            "token": {"id": "tok", "expires": "2030-01-01T00:00:00.000Z", "tenant": {"id": "123456", "name": "123456"}},
            "user": {"id": "u1", "name": "alice"},
            "serviceCatalog": [{"name": "cloudDatabases", "type": "rax:database", "endpoints": [
                {"region": "ORD", "tenantId": "123456", "publicURL": "https://ord.databases.api.rackspacecloud.com/v1.0/123456",
                 "internalURL": "https://snet-ord.databases.api.rackspacecloud.com/v1.0/123456"}
            ]}]
        }});
        let t = parse(body.to_string().as_bytes(), Instant::now()).unwrap();
        assert_eq!(t.project_id.as_deref(), Some("123456"));
        assert_eq!(t.user_name.as_deref(), Some("alice"));
        assert!(t.refresh_at.is_some());
        let url = crate::endpoint::keystone::find_endpoint(
            &t.catalog,
            "rax:database",
            "internalURL",
            Some("ORD"),
        )
        .unwrap();
        assert_eq!(
            url,
            "https://snet-ord.databases.api.rackspacecloud.com/v1.0/123456"
        );
        assert!(parse(b"{\"access\": {}}", Instant::now()).is_err());
    }
}
