//! `PRODUCT.yaml`: what a bundle certifies, as the vendor describes it.
//!
//! ```yaml
//! vendor: Example Cloud GmbH                 # required
//! name: Example Compute                      # required
//! version: "2026.12"                         # required
//! type: public-cloud                         # required: public-cloud, private-cloud, distribution, other
//! website_url: https://cloud.example.com/    # required
//! documentation_url: https://docs.cloud.example.com/restart
//! contact_email_address: conformance@cloud.example.com
//! description: The ECS and DDM restart APIs of Example Cloud.
//! ```
//!
//! The file goes into the bundle as given; it is checked first, with the file, line and column
//! of what is wrong, as spec files are.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::yaml::{Located, Pos, parse_yaml_file};

/// The kinds of product a bundle may describe.
pub const PRODUCT_TYPES: &[&str] = &["public-cloud", "private-cloud", "distribution", "other"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    vendor: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    website_url: Option<Spanned<String>>,
    documentation_url: Option<Spanned<String>>,
    contact_email_address: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
}

/// A checked `PRODUCT.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Product {
    pub vendor: String,
    pub name: String,
    pub version: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub website_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Reads and checks a `PRODUCT.yaml` given as bytes; every problem is located.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Product, Vec<Located>> {
    let (file, text): (ProductFile, String) =
        parse_yaml_file(path, bytes, "PRODUCT.yaml").map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let at = |s: &Spanned<String>| Pos::of(s);
    let mut required = |value: &Option<Spanned<String>>, key: &str, example: &str| -> String {
        match value {
            Some(v) if !v.value.trim().is_empty() => v.value.trim().to_owned(),
            Some(v) => {
                errors.push(
                    Located::new(path, &text, at(v), format!("empty `{key}`"))
                        .label(format!("`{key}` is required"))
                        .help(format!("for example `{key}: {example}`")),
                );
                String::new()
            }
            None => {
                errors.push(
                    Located::new(path, &text, None, format!("missing key `{key}`"))
                        .label(format!(
                            "a PRODUCT.yaml names vendor, name, version, type and website_url; `{key}` is missing"
                        ))
                        .help(format!("add `{key}: {example}`")),
                );
                String::new()
            }
        }
    };
    let vendor = required(&file.vendor, "vendor", "Example Cloud GmbH");
    let name = required(&file.name, "name", "Example Compute");
    let version = required(&file.version, "version", "\"2026.12\"");
    let kind = required(&file.kind, "type", PRODUCT_TYPES[0]);
    let website_url = required(
        &file.website_url,
        "website_url",
        "https://cloud.example.com/",
    );
    if let Some(k) = &file.kind
        && !kind.is_empty()
        && !PRODUCT_TYPES.contains(&kind.as_str())
    {
        errors.push(
            Located::new(path, &text, at(k), "unknown product type")
                .label(format!("`{kind}` is no product type"))
                .help(format!("use one of {}", PRODUCT_TYPES.join(", "))),
        );
    }
    for (value, key) in [
        (&file.website_url, "website_url"),
        (&file.documentation_url, "documentation_url"),
    ] {
        if let Some(v) = value
            && !v.value.trim().is_empty()
            && !is_web_url(v.value.trim())
        {
            errors.push(
                Located::new(path, &text, at(v), format!("`{key}` is not a web address"))
                    .label("not an http(s) URL")
                    .help("write the full address, such as https://docs.cloud.example.com/"),
            );
        }
    }
    if let Some(v) = &file.contact_email_address
        && !is_email(v.value.trim())
    {
        errors.push(
            Located::new(path, &text, at(v), "not an email address")
                .label(format!("`{}` is not an email address", v.value.trim()))
                .help("write an address such as conformance@cloud.example.com"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let optional = |v: &Option<Spanned<String>>| {
        v.as_ref()
            .map(|s| s.value.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    Ok(Product {
        vendor,
        name,
        version,
        kind,
        website_url,
        documentation_url: optional(&file.documentation_url),
        contact_email_address: optional(&file.contact_email_address),
        description: optional(&file.description),
    })
}

fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Product, String> {
        parse(Path::new("PRODUCT.yaml"), text.as_bytes())
            .map_err(|e| e.iter().map(Located::render).collect::<Vec<_>>().join("\n"))
    }

    const GOOD: &str = "vendor: Example\nname: Compute\nversion: \"1.0\"\ntype: public-cloud\nwebsite_url: https://example.com/\n";

    #[test]
    fn the_five_required_keys_are_enough() {
        let p = check(GOOD).unwrap();
        assert_eq!(p.vendor, "Example");
        assert_eq!(p.kind, "public-cloud");
        assert!(p.description.is_none());
    }

    #[test]
    fn a_missing_key_and_bad_values_are_located() {
        let e = check("vendor: Example\nname: Compute\ntype: cloud\nwebsite_url: example.com\ncontact_email_address: nobody\n")
            .unwrap_err();
        assert!(e.contains("missing key `version`"), "{e}");
        assert!(e.contains("unknown product type"), "{e}");
        assert!(e.contains("PRODUCT.yaml:3:7"), "{e}");
        assert!(e.contains("`website_url` is not a web address"), "{e}");
        assert!(e.contains("PRODUCT.yaml:4:14"), "{e}");
        assert!(e.contains("not an email address"), "{e}");
        let e = check(&format!("{GOOD}colour: red\n")).unwrap_err();
        assert!(
            e.contains("unknown key") && e.contains("PRODUCT.yaml:6:1"),
            "{e}"
        );
    }
}
