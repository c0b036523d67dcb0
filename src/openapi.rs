//! OpenAPI 3.1 export: the loaded specs ──► one OpenAPI document, for other tools.
//!
//! Owns turning a [`SpecSet`] into an OpenAPI 3.1 document: each API's action operation on
//! every URI, its status operation (the lifecycle GET), the request schema, the documented
//! responses (with a schema where the document gives one, without content where it gives
//! none), the error shape, and the `X-Auth-Token` header as an `apiKey` security scheme. Every
//! description is the spec's `source` citation, so a reader can go back to the document.
//! It knows nothing about HTTP, runs or reports, and writes no file: `main` does.
//!
//! The five APIs share one document, so their paths must be unique. Each API's paths start
//! with its id (`/ddm/v1/...`, `/ecs/v2.1/...`), as on the embedded reference server, and
//! every operation carries its API's tag. Prefixes were chosen over a document per API
//! because two vendors may use the same path template (Huawei's `/v1/{project_id}/...`), and
//! OpenAPI forbids two equal templates in one document; with prefixes the document also
//! works as is against `restart-conformance serve`. Against a real cloud, each API's base URL
//! takes the place of its prefix.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::spec::{ResponseDoc, Spec, SpecSet, UriTemplate};

/// The OpenAPI version the document claims.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// Path (with the API prefix) → path item, kept in order so the output is stable.
type Paths = BTreeMap<String, Map<String, Value>>;

/// Where `restart-conformance serve` listens by default; the document's one server.
const SERVE_URL: &str = "http://127.0.0.1:8080";

/// The OpenAPI document for every spec of `specs`.
pub fn export(specs: &SpecSet) -> Value {
    let mut paths = Paths::new();
    let mut schemas = Map::new();
    let mut schemes = Map::new();
    let mut tags = Vec::new();
    for spec in &specs.specs {
        tags.push(json!({
            "name": spec.api,
            "description": format!("{} (seed document {})", spec.title, spec.document),
        }));
        let security = match &spec.auth_header {
            Some((header, source)) => {
                let name = component_name(header);
                schemes.entry(name.clone()).or_insert_with(|| {
                    json!({
                        "type": "apiKey",
                        "in": "header",
                        "name": header,
                        "description": format!("The token, read by the harness from an environment variable. {source}"),
                    })
                });
                json!([{ name: [] }])
            }
            None => json!([]),
        };
        let error_ref = add_schema(
            &mut schemas,
            format!("{}.error", spec.api),
            &spec.errors.schema.as_ref().map(|c| c.schema.clone()),
        );
        let request_ref = add_schema(
            &mut schemas,
            format!("{}.request", spec.api),
            &Some(spec.request_schema.schema.clone()),
        );
        for uri in &spec.uris {
            let op = action_operation(spec, uri, &mut schemas, &request_ref, &error_ref, &security);
            path_item(&mut paths, spec, &uri.path).insert(spec.method.to_ascii_lowercase(), op);
        }
        if let Some(lifecycle) = &spec.lifecycle {
            let op = status_operation(spec, &lifecycle.uri, &mut schemas, &error_ref, &security);
            path_item(&mut paths, spec, &lifecycle.uri.path).insert("get".into(), op);
        }
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Cloud restart-instance APIs",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Exported by restart-conformance {} from spec set {}. Each API's paths start with its id, as on the embedded reference server; against a real cloud, the API's base URL replaces that prefix.",
                env!("CARGO_PKG_VERSION"),
                specs.digest
            ),
        },
        "servers": [{ "url": SERVE_URL, "description": "restart-conformance serve (default --listen)" }],
        "tags": tags,
        "paths": paths,
        "components": { "schemas": schemas, "securitySchemes": schemes },
    })
}

/// The document as pretty-printed JSON, ending with a newline.
pub fn to_json(specs: &SpecSet) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&export(specs))?;
    text.push('\n');
    Ok(text)
}

/// Component names may hold only `[a-zA-Z0-9._-]`.
fn component_name(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Puts `schema` into `components.schemas` under `name` and returns a `$ref` to it; `None`
/// (no schema documented) gives `None`.
fn add_schema(
    schemas: &mut Map<String, Value>,
    name: String,
    schema: &Option<Value>,
) -> Option<Value> {
    let schema = schema.as_ref()?;
    let name = component_name(&name);
    let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
    schemas.insert(name, schema.clone());
    Some(reference)
}

/// The path item for `path` under the API's prefix, created when missing.
fn path_item<'a>(paths: &'a mut Paths, spec: &Spec, path: &str) -> &'a mut Map<String, Value> {
    paths.entry(format!("/{}{}", spec.api, path)).or_default()
}

/// The path parameters of `uri`, in order, each with the source of its variable.
fn parameters(spec: &Spec, uri: &UriTemplate) -> Vec<Value> {
    uri.vars()
        .into_iter()
        .map(|name| {
            let what = if name == spec.resource_var {
                "The resource restarted."
            } else {
                "From the target file's vars."
            };
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "description": what,
                "schema": { "type": "string" },
            })
        })
        .collect()
}

fn operation_id(spec: &Spec, uri: &UriTemplate, what: &str) -> String {
    if spec.uris.len() > 1 {
        format!("{}.{}.{what}", spec.api, uri.id)
    } else {
        format!("{}.{what}", spec.api)
    }
}

/// One documented response: content with the schema (and example) where the document gives
/// a schema, no content where it says there is no body or gives none.
fn response(description: String, doc: Option<&ResponseDoc>, schema: Option<Value>) -> Value {
    let mut response = Map::new();
    response.insert("description".into(), description.into());
    if let Some(schema) = schema {
        let mut media = Map::new();
        media.insert("schema".into(), schema);
        if let Some(example) = doc.and_then(|d| d.example.clone()) {
            media.insert("example".into(), example);
        }
        response.insert("content".into(), json!({ "application/json": media }));
    }
    Value::Object(response)
}

/// The restart operation: parameters, request body and every documented response.
fn action_operation(
    spec: &Spec,
    uri: &UriTemplate,
    schemas: &mut Map<String, Value>,
    request_ref: &Option<Value>,
    error_ref: &Option<Value>,
    security: &Value,
) -> Value {
    let mut responses = described_responses(spec, schemas);
    documented_codes(spec, error_ref, &mut responses);
    responses.insert(
        "default".into(),
        response(
            format!(
                "Any other error, in the API's error shape. {}",
                spec.errors.source
            ),
            None,
            error_ref.clone(),
        ),
    );
    let mut media = Map::new();
    if let Some(schema) = request_ref {
        media.insert("schema".into(), schema.clone());
    }
    media.insert("example".into(), spec.request_example.clone());
    json!({
        "tags": [spec.api],
        "summary": spec.title,
        "description": uri.source,
        "operationId": operation_id(spec, uri, "restart"),
        "parameters": parameters(spec, uri),
        "requestBody": {
            "description": spec.request_source,
            "required": true,
            "content": { spec.content_type.clone(): media },
        },
        "responses": responses,
        "security": security,
    })
}

/// The responses the spec describes, each schema added under `schemas`.
fn described_responses(spec: &Spec, schemas: &mut Map<String, Value>) -> Map<String, Value> {
    let mut responses = Map::new();
    for (status, doc) in &spec.responses {
        let schema = if doc.empty {
            None
        } else {
            add_schema(
                schemas,
                format!("{}.response.{status}", spec.api),
                &doc.schema.as_ref().map(|c| c.schema.clone()),
            )
        };
        let description = if doc.empty {
            format!("No body. {}", doc.source)
        } else {
            doc.source.clone()
        };
        responses.insert(status.to_string(), response(description, Some(doc), schema));
    }
    responses
}

/// Codes of the status table, and of the vendor's general status-code page,
/// without a row of their own: they answer in the error shape.
fn documented_codes(spec: &Spec, error_ref: &Option<Value>, responses: &mut Map<String, Value>) {
    let Some(documented) = &spec.documented else {
        return;
    };
    let general = documented
        .general_source
        .as_deref()
        .unwrap_or(&documented.source);
    for code in documented.all() {
        if spec.responses.contains_key(&code) {
            continue;
        }
        let source = if documented.table.contains(&code) {
            documented.source.as_str()
        } else {
            general
        };
        let schema = if code >= 400 { error_ref.clone() } else { None };
        responses.insert(
            code.to_string(),
            response(
                format!("{source}; error shape: {}", spec.errors.source),
                None,
                schema,
            ),
        );
    }
}

/// The lifecycle GET: the state at the spec's JSON pointer, with the states it names.
fn status_operation(
    spec: &Spec,
    uri: &UriTemplate,
    schemas: &mut Map<String, Value>,
    error_ref: &Option<Value>,
    security: &Value,
) -> Value {
    let Some(lifecycle) = &spec.lifecycle else {
        return json!({});
    };
    let state = json!({
        "type": "string",
        "description": format!(
            "Restarting: {}; steady: {}.",
            lifecycle.restarting.join(", "),
            lifecycle.steady.join(", ")
        ),
        "examples": lifecycle.steady.iter().chain(&lifecycle.restarting).collect::<Vec<_>>(),
    });
    let body = pointer_schema(&lifecycle.pointer, state);
    let body_ref = add_schema(schemas, format!("{}.status", spec.api), &Some(body));
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        response(
            format!(
                "The resource, its state at {}. {}",
                lifecycle.pointer, lifecycle.source
            ),
            None,
            body_ref,
        ),
    );
    responses.insert(
        "default".into(),
        response(
            format!(
                "Any error, in the API's error shape. {}",
                spec.errors.source
            ),
            None,
            error_ref.clone(),
        ),
    );
    json!({
        "tags": [spec.api],
        "summary": format!("Status of the resource ({})", spec.api),
        "description": lifecycle.source,
        "operationId": operation_id(spec, uri, "status"),
        "parameters": parameters(spec, uri),
        "responses": responses,
        "security": security,
    })
}

/// A schema for an object holding `leaf` at JSON pointer `pointer` (`/server/status`).
fn pointer_schema(pointer: &str, leaf: Value) -> Value {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    tokens.iter().rev().fold(leaf, |inner, token| {
        json!({
            "type": "object",
            "required": [token],
            "properties": { token.clone(): inner },
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_schema_nests_objects() {
        let s = pointer_schema("/server/status", json!({"type": "string"}));
        assert_eq!(
            s,
            json!({"type": "object", "required": ["server"], "properties": {"server":
                {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}}})
        );
        assert_eq!(pointer_schema("", json!(true)), json!(true));
    }

    #[test]
    fn component_names_keep_only_allowed_characters() {
        assert_eq!(
            component_name("clouddb-ha.response.202"),
            "clouddb-ha.response.202"
        );
        assert_eq!(component_name("X Auth/Token"), "X_Auth_Token");
    }
}
