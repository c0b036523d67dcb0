//! `specs draft`: each seed drafted and compared field by field with its
//! hand-written spec; the drafts, filled in, pass `specs check`; one small page
//! per format and per unsupported shape; bad input; the binary's exit codes.

use std::path::{Path, PathBuf};

use restart_conformance::draft::{DraftOptions, Drafted, draft_file, input::MAX_PAGE_BYTES};
use restart_conformance::spec::file::PLACEHOLDER_OPEN;
use restart_conformance::spec::load_sources;
use serde_json::{Value, json};

/// A seed, its hand-written spec, and what the seed does not state (the
/// draft's placeholders, as paths).
struct Seed {
    doc: &'static str,
    spec: &'static str,
    api: &'static str,
    unstated: &'static [&'static str],
    /// Responses the draft has: the documented ones whose body the page gives.
    responses: usize,
}

const LIFECYCLE: [&str; 5] = [
    "lifecycle.uri",
    "lifecycle.pointer",
    "lifecycle.restarting",
    "lifecycle.steady",
    "lifecycle.source",
];

const SEEDS: [Seed; 5] = [
    Seed {
        doc: "000_6f98ee3eae5e0145.txt",
        spec: "ddm.yaml",
        api: "ddm",
        unstated: &[
            "statuses.general.codes",
            "concurrent.expect",
            "concurrent.source",
            "negative.media_type.status",
            "negative.no_token.status",
            "negative.unknown_id.status",
            "negative.method.status",
        ],
        responses: 3,
    },
    Seed {
        doc: "001_b7d2d52a262763b2.txt",
        spec: "clouddb.yaml",
        api: "clouddb",
        unstated: &[
            "errors.schema",
            "errors.source",
            "concurrent.expect",
            "concurrent.source",
        ],
        responses: 1,
    },
    Seed {
        doc: "002_5a650db4a8a58c52.txt",
        spec: "clouddb-ha.yaml",
        api: "clouddb-ha",
        unstated: &[
            "errors.schema",
            "errors.source",
            "concurrent.expect",
            "concurrent.source",
            "negative.media_type.status",
        ],
        responses: 1,
    },
    Seed {
        doc: "003_ef06aa3dfe128e20.txt",
        spec: "modelarts.yaml",
        api: "modelarts",
        unstated: &[
            "headers.0.name",
            "headers.0.source",
            "statuses.codes",
            "statuses.general.codes",
            "responses.0.status",
            "errors.schema",
            "errors.source",
            "concurrent.expect",
            "concurrent.source",
            "cases.0.expect.status",
            "cases.0.example",
            "negative.missing_required.status",
            "negative.wrong_type.status",
            "negative.not_in_enum.status",
            "negative.malformed_json.status",
            "negative.media_type.status",
            "negative.no_token.status",
            "negative.unknown_id.status",
            "negative.method.status",
        ],
        responses: 1,
    },
    Seed {
        doc: "004_04045375a261b6a5.txt",
        spec: "ecs.yaml",
        api: "ecs",
        unstated: &[
            "headers.0.name",
            "headers.0.source",
            "statuses.codes",
            "statuses.general.codes",
            "responses.0.status",
            "errors.schema",
            "errors.source",
            "concurrent.expect",
            "concurrent.source",
            "cases.0.expect.status",
            "cases.1.expect.status",
            "negative.missing_required.status",
            "negative.wrong_type.status",
            "negative.not_in_enum.status",
            "negative.malformed_json.status",
            "negative.media_type.status",
            "negative.no_token.status",
            "negative.unknown_id.status",
            "negative.method.status",
        ],
        responses: 1,
    },
];

fn draft(path: &str, api: Option<&str>) -> Drafted {
    let opts = DraftOptions {
        api: api.map(str::to_owned),
        parameters: None,
    };
    draft_file(Path::new(path), &opts).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn is_placeholder(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with(PLACEHOLDER_OPEN))
}

/// Dotted paths (`negative.no_token.status`, `headers.0.name`) of every placeholder.
fn placeholders(v: &Value, path: &str, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| placeholders(v, &join(k), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| placeholders(v, &join(&i.to_string()), out)),
        v if is_placeholder(v) => out.push(path.to_owned()),
        _ => {}
    }
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| match k.parse::<usize>() {
        Ok(i) if v.is_array() => &v[i],
        _ => &v[k],
    })
}

fn at_mut<'a>(v: &'a mut Value, path: &str) -> &'a mut Value {
    path.split('.').fold(v, |v, k| match k.parse::<usize>() {
        Ok(i) if v.is_array() => &mut v[i],
        _ => &mut v[k],
    })
}

fn sorted_paths(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    placeholders(v, "", &mut out);
    out.sort();
    out
}

/// `(id, path, primary)` of each URI.
fn uris(v: &Value) -> Vec<(Value, Value, bool)> {
    v["uris"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].clone(),
                u["path"].clone(),
                u["primary"] == json!(true),
            )
        })
        .collect()
}

fn vars(v: &Value) -> Vec<(String, bool)> {
    v["vars"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, x)| (k.clone(), x["resource"] == json!(true)))
        .collect()
}

fn response<'a>(spec: &'a Value, status: &Value) -> &'a Value {
    spec["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| &r["status"] == status)
        .unwrap_or_else(|| panic!("the hand-written spec has no response {status}"))
}

/// Every `source` of the draft that is not a placeholder names the document.
fn sources_cite(v: &Value, doc: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "source" && !is_placeholder(x) {
                    let s = x.as_str().unwrap_or_default();
                    assert!(
                        s.starts_with(&format!("{doc}, ")),
                        "`{s}` does not cite {doc}"
                    );
                }
                sources_cite(x, doc);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| sources_cite(x, doc)),
        _ => {}
    }
}

#[test]
fn each_seed_drafts_what_its_hand_written_spec_says_the_page_states() {
    for seed in &SEEDS {
        let d = yaml(&draft(&format!("fixtures/docs/{}", seed.doc), Some(seed.api)).yaml);
        let h = yaml(&std::fs::read_to_string(format!("specs/{}", seed.spec)).unwrap());
        let name = seed.api;
        let mut unstated: Vec<String> = seed
            .unstated
            .iter()
            .map(|s| (*s).to_owned())
            .chain(
                LIFECYCLE
                    .iter()
                    .filter(|p| {
                        name != "clouddb-ha" || !p.ends_with("restarting") && !p.ends_with("steady")
                    })
                    .map(|s| (*s).to_owned()),
            )
            .collect();
        unstated.sort();
        assert_eq!(sorted_paths(&d), unstated, "{name}: placeholders");
        for key in ["api", "title", "document", "method"] {
            assert_eq!(d[key], h[key], "{name}: {key}");
        }
        assert_eq!(uris(&d), uris(&h), "{name}: uris");
        assert_eq!(vars(&d), vars(&h), "{name}: vars");
        if !is_placeholder(&d["headers"][0]["name"]) {
            for key in ["name", "required", "auth"] {
                assert_eq!(
                    d["headers"][0][key], h["headers"][0][key],
                    "{name}: header {key}"
                );
            }
            assert_eq!(
                d["headers"].as_array().map(Vec::len),
                Some(1),
                "{name}: headers"
            );
        }
        for key in ["content_type", "schema", "example"] {
            assert_eq!(
                d["request"][key], h["request"][key],
                "{name}: request.{key}"
            );
        }
        if !is_placeholder(&d["statuses"]["codes"]) {
            assert_eq!(
                d["statuses"]["codes"], h["statuses"]["codes"],
                "{name}: statuses"
            );
        }
        let responses = d["responses"].as_array().unwrap();
        assert_eq!(responses.len(), seed.responses, "{name}: responses");
        for (i, r) in responses.iter().enumerate() {
            let hr = if is_placeholder(&r["status"]) {
                &h["responses"][i]
            } else {
                response(&h, &r["status"])
            };
            for key in ["schema", "example"] {
                if !r[key].is_null() {
                    assert_eq!(r[key], hr[key], "{name}: response {} {key}", r["status"]);
                }
            }
            assert_eq!(
                r["empty"], hr["empty"],
                "{name}: response {} empty",
                r["status"]
            );
        }
        if !is_placeholder(&d["errors"]["schema"]) {
            assert_eq!(
                d["errors"]["schema"], h["errors"]["schema"],
                "{name}: errors"
            );
        }
        for key in ["restarting", "steady"] {
            if !is_placeholder(&d["lifecycle"][key]) {
                assert_eq!(
                    d["lifecycle"][key], h["lifecycle"][key],
                    "{name}: lifecycle.{key}"
                );
            }
        }
        let cases = |v: &Value| -> Vec<(Value, Value)> {
            v["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["name"].clone(), c["body"].clone()))
                .collect()
        };
        assert_eq!(cases(&d), cases(&h), "{name}: cases");
        for (class, e) in d["negative"].as_object().unwrap() {
            if !is_placeholder(&e["status"]) {
                assert_eq!(
                    e["status"], h["negative"][class]["status"],
                    "{name}: negative.{class}"
                );
                assert_eq!(
                    e["preferred"], h["negative"][class]["preferred"],
                    "{name}: negative.{class}"
                );
            }
        }
        sources_cite(&d, seed.doc);
    }
}

/// The draft follows the page: an edited seed gives an edited draft.
#[test]
fn an_edited_seed_gives_an_edited_draft() {
    let opts = DraftOptions::default();
    let draft_of = |text: String| {
        let d = restart_conformance::draft::draft_text(Path::new("edited.txt"), &text, &opts, None)
            .unwrap_or_else(|e| panic!("{e}"));
        yaml(&d.yaml)
    };
    let ddm = std::fs::read_to_string("fixtures/docs/000_6f98ee3eae5e0145.txt").unwrap();
    let edited = ddm.replacen(
        "   | type            | No  ",
        "   | type            | Yes ",
        1,
    );
    assert_ne!(edited, ddm);
    let v = draft_of(edited);
    assert_eq!(
        v["request"]["schema"]["properties"]["restart"]["required"],
        json!(["type"])
    );
    let edited = ddm.replace("-  **hard**\n", "").replace("or **hard**", "");
    let v = draft_of(edited.replace("   |                 |                 |                 | -  **hard**                                         |\n", ""));
    assert_eq!(
        v["request"]["schema"]["properties"]["restart"]["properties"]["type"]["enum"],
        json!(["soft"])
    );
    let ecs = std::fs::read_to_string("fixtures/docs/004_04045375a261b6a5.txt").unwrap();
    let v = draft_of(ecs.replace(
        "POST /v2/\\{project\\_id\\}/servers/\\{server\\_id\\}/action\n",
        "",
    ));
    assert_eq!(v["uris"].as_array().map(Vec::len), Some(1));
    let v = draft_of(ddm.replace("400         bad request\n", ""));
    assert_eq!(v["statuses"]["codes"], json!([200, 500]));
    assert!(is_placeholder(&v["negative"]["missing_required"]["status"]));
}

/// The draft with each placeholder replaced by the hand-written spec's value at the same place.
fn filled(draft: &Value, hand: &Value) -> Value {
    let mut out = draft.clone();
    for path in sorted_paths(draft) {
        let value = at(hand, &path).clone();
        assert!(
            !value.is_null(),
            "the hand-written spec has nothing at {path}"
        );
        *at_mut(&mut out, &path) = value;
    }
    out
}

#[test]
fn every_seed_draft_is_refused_until_filled_in_and_then_passes_specs_check() {
    let mut all = Vec::new();
    for seed in &SEEDS {
        let d = draft(&format!("fixtures/docs/{}", seed.doc), Some(seed.api));
        let path = PathBuf::from(format!("drafts/{}", seed.spec));
        let refused = load_sources(vec![(path.clone(), d.yaml.clone().into_bytes())])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            refused.matches("placeholder left in a draft").count(),
            d.placeholders,
            "{}: every placeholder is refused\n{refused}",
            seed.api
        );
        for (n, line) in d.yaml.lines().enumerate() {
            if line.contains(PLACEHOLDER_OPEN) && !line.starts_with('#') {
                assert!(
                    refused.contains(&format!("drafts/{}:{}:", seed.spec, n + 1)),
                    "{}: line {} is not pointed at",
                    seed.api,
                    n + 1
                );
            }
        }
        let hand = yaml(&std::fs::read_to_string(format!("specs/{}", seed.spec)).unwrap());
        let text = serde_saphyr::to_string(&filled(&yaml(&d.yaml), &hand)).unwrap();
        let set = load_sources(vec![(path, text.clone().into_bytes())])
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", seed.api));
        assert_eq!(set.specs[0].api, seed.api);
        all.push((
            PathBuf::from(format!("drafts/{}", seed.spec)),
            text.into_bytes(),
        ));
    }
    // Filled in, the five drafts plan the built-in specs' cases, and the
    // embedded reference server (written from the same documents) passes them.
    let set = load_sources(all).unwrap_or_else(|e| panic!("{e}"));
    let names = |s: &restart_conformance::spec::SpecSet| -> Vec<String> {
        restart_conformance::plan::plan(s)
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(names(&set), names(&crate::common::builtin()));
    let report = crate::common::run_embedded(&set, &[], None);
    assert!(
        crate::common::failing(&report).is_empty(),
        "{:?}",
        crate::common::failing(&report)
    );
    assert_eq!(report.cases.len(), names(&set).len());
}

#[test]
fn a_placeholder_left_in_a_hand_written_spec_is_refused_at_its_place_but_not_in_a_comment() {
    let text = std::fs::read_to_string("specs/ddm.yaml").unwrap();
    let marker = format!("{PLACEHOLDER_OPEN}the status URI; usually the details page>");
    let broken = text.replace(
        "  uri: /v1/{project_id}/instances/{instance_id}\n",
        &format!("  uri: \"{marker}\"\n"),
    );
    assert_ne!(broken, text, "the edit did not apply");
    let line = broken
        .lines()
        .position(|l| l.contains(PLACEHOLDER_OPEN))
        .unwrap()
        + 1;
    let err = load_sources(vec![("specs/ddm.yaml".into(), broken.into_bytes())])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains(&format!("specs/ddm.yaml:{line}:9")), "{err}");
    assert!(err.contains("fill in the status URI"), "{err}");
    assert!(err.contains("help: usually the details page"), "{err}");
    let commented = format!("# {marker}\n{text}");
    load_sources(vec![("specs/ddm.yaml".into(), commented.into_bytes())])
        .unwrap_or_else(|e| panic!("{e}"));
}

fn mini(name: &str) -> (Drafted, Value) {
    let d = draft(&format!("fixtures/drafts/{name}"), None);
    let v = yaml(&d.yaml);
    (d, v)
}

#[test]
fn huawei_nested_ref_tables_prose_enums_and_a_missing_status_table() {
    let (_, v) = mini("huawei_nested.rst");
    assert_eq!(v["api"], json!("huawei-nested"));
    assert_eq!(
        v["request"]["schema"],
        json!({"type": "object", "required": ["reboot"], "properties": {"reboot": {
            "type": "object", "required": ["mode"], "properties": {
                "mode": {"type": "string", "enum": ["quick", "full"]},
                "delay": {"type": "integer"},
                "options": {"type": "object", "required": ["drain"], "properties": {
                    "drain": {"type": "boolean"}, "note": {"type": "string"}}}}}}})
    );
    assert!(
        at(&v, "request.source")
            .as_str()
            .unwrap()
            .contains("Table 5 RebootOptions")
    );
    // No status table: the code the page gives its response under is the one it states.
    assert_eq!(v["statuses"]["codes"], json!([202]));
    let source = v["statuses"]["source"].as_str().unwrap();
    assert!(
        source.contains("Table 6 Response body parameters (status code 202)"),
        "{source}"
    );
    assert_eq!(v["responses"][0]["status"], json!(202));
    assert_eq!(v["responses"][0]["example"], json!({"job_id": "j-1"}));
    let names: Vec<&Value> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(names, [&json!("reboot_quick"), &json!("reboot_full")]);
    assert_eq!(v["cases"][1]["body"]["reboot"]["mode"], json!("full"));
    assert_eq!(v["cases"][0]["expect"]["status"], json!([202]));
    assert_eq!(v["headers"][0]["name"], json!("X-Auth-Token"));
    assert_eq!(v["headers"][0]["auth"], json!(true));
    assert_eq!(v["headers"][1]["name"], json!("Content-Type"));
    assert!(v["headers"][1]["auth"].is_null());
    assert_eq!(v["request"]["content_type"], json!("application/json"));
}

#[test]
fn rackspace_method_block_response_codes_http_examples_and_states_in_prose() {
    let (d, v) = mini("rackspace_mini.rst");
    assert_eq!(
        v["uris"][0]["path"],
        json!("/{version}/{tenantId}/nodes/{nodeId}/reboot")
    );
    assert_eq!(
        vars(&v),
        [
            ("nodeId".into(), true),
            ("tenantId".into(), false),
            ("version".into(), false)
        ]
    );
    assert_eq!(v["statuses"]["codes"], json!([202, 400, 404]));
    assert_eq!(v["headers"][0]["name"], json!("X-Auth-Token"));
    assert_eq!(v["request"]["example"], json!({"reboot": {"hard": false}}));
    assert_eq!(
        v["request"]["schema"]["properties"]["reboot"]["properties"]["hard"],
        json!({"type": "boolean"})
    );
    assert!(d.yaml.contains("# contradiction: the page says \"This operation does not accept a request body.\" (line 35)"), "{}", d.yaml);
    assert_eq!(
        v["responses"][0],
        json!({"status": 202, "empty": true, "severity": "should", "source": "rackspace_mini.rst, Example Reboot node: JSON response (Content-Length: 0)"})
    );
    assert_eq!(v["lifecycle"]["restarting"], json!(["REBOOTING"]));
    assert_eq!(v["lifecycle"]["steady"], json!(["ONLINE"]));
    assert_eq!(v["negative"]["unknown_id"]["status"], json!([404]));
    assert!(is_placeholder(&v["negative"]["no_token"]["status"]));
    assert!(is_placeholder(&v["negative"]["method"]["status"]));
}

#[test]
fn markdown_html_tables_linked_fields_and_no_response_body() {
    let (_, v) = mini("markdown_mini.md");
    assert_eq!(v["title"], json!("Rebooting a Gadget"));
    assert_eq!(
        v["uris"][0]["path"],
        json!("/v1/{project_id}/gadgets/{gadget_id}/action")
    );
    assert_eq!(
        v["request"]["schema"],
        json!({"type": "object", "required": ["reboot"], "properties": {"reboot": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["WARM", "COLD"]}}}}})
    );
    assert!(is_placeholder(&v["responses"][0]["status"]));
    assert_eq!(v["responses"][0]["empty"], json!(true));
    assert!(
        v["statuses"]["general"]["source"]
            .as_str()
            .unwrap()
            .contains("Returned Values for General Requests")
    );
}

#[test]
fn os_api_ref_sections_with_and_without_their_parameters_file() {
    let opts = DraftOptions {
        api: Some("appliance".into()),
        parameters: Some("fixtures/drafts/parameters.yaml".into()),
    };
    let d = draft_file(Path::new("fixtures/drafts/osapiref_mini.inc"), &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    let v = yaml(&d.yaml);
    assert_eq!(v["method"], json!("POST"));
    assert_eq!(
        v["uris"][0]["path"],
        json!("/appliances/{appliance_id}/action")
    );
    assert_eq!(v["statuses"]["codes"], json!([202, 400, 401, 404, 409]));
    assert_eq!(
        v["request"]["schema"],
        json!({"type": "object", "required": ["reboot"], "properties": {"reboot": {"type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["HARD", "SOFT"]}}}}})
    );
    assert_eq!(v["responses"][0]["status"], json!(202));
    assert_eq!(v["responses"][0]["empty"], json!(true));
    assert_eq!(v["negative"]["no_token"]["status"], json!([401]));
    let names: Vec<&Value> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(names, [&json!("reboot_hard"), &json!("reboot_soft")]);

    // Without the parameters file the types are placeholders, and the header says why.
    let bare = draft("fixtures/drafts/osapiref_mini.inc", Some("appliance"));
    let v = yaml(&bare.yaml);
    assert!(is_placeholder(
        &v["request"]["schema"]["properties"]["reboot"]["properties"]["type"]["type"]
    ));
    assert!(bare.yaml.contains("# No parameters.yaml was given"));
    assert!(
        bare.yaml.contains(
            "# The page includes an example from `../samples/appliance-reboot-resp.json` (line 43)"
        ),
        "{}",
        bare.yaml
    );
}

#[test]
fn a_page_that_contradicts_itself_keeps_its_words_with_a_comment() {
    let (d, v) = mini("contradiction.rst");
    assert_eq!(
        v["request"]["schema"]["properties"]["restart"]["type"],
        json!("string")
    );
    assert_eq!(v["request"]["example"], json!({"restart": {}}));
    assert!(
        d.yaml.contains("type: string # contradiction: Table 1 Request body parameters says `restart` is String (line 19), but the page's example gives {}"),
        "{}",
        d.yaml
    );
}

#[test]
fn formats_are_told_by_content_not_by_file_name() {
    let dir = tempfile::tempdir().unwrap();
    for (page, format) in [
        (
            "huawei_nested.rst",
            "Huawei Cloud / Open Telekom Cloud reStructuredText",
        ),
        ("rackspace_mini.rst", "Rackspace reStructuredText"),
        ("markdown_mini.md", "Markdown with HTML tables"),
        ("osapiref_mini.inc", "OpenStack os-api-ref (.inc)"),
    ] {
        // Each page under a name that suggests another format.
        let misleading = dir.path().join(format!("{page}.md.rst.inc.txt"));
        std::fs::copy(format!("fixtures/drafts/{page}"), &misleading).unwrap();
        let d = draft_file(&misleading, &DraftOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.format, format, "{page}");
    }
}

fn refused(path: &str, opts: &DraftOptions) -> String {
    match draft_file(Path::new(path), opts) {
        Ok(d) => panic!("{path} was drafted:\n{}", d.yaml),
        Err(e) => e.to_string(),
    }
}

#[test]
fn shapes_the_spec_format_cannot_hold_are_refused_at_their_page_line() {
    let opts = DraftOptions::default();
    for (page, place, what) in [
        (
            "batch_restart.rst",
            "batch_restart.rst:9:1",
            "the resource id is in the request body (`instance_ids`, line 19)",
        ),
        (
            "several_actions.rst",
            "several_actions.rst:19:1",
            "one endpoint doing several operations (`action`: start, stop, restart)",
        ),
        (
            "several_ops.inc",
            "several_ops.inc:11:1",
            "one endpoint doing several operations: `POST /appliances/{appliance_id}/action` is documented again (first at line 4)",
        ),
        ("no_method.rst", "no_method.rst:1:1", "no method and path"),
    ] {
        let err = refused(&format!("fixtures/drafts/{page}"), &opts);
        assert!(
            err.contains("the spec format cannot hold this page"),
            "{err}"
        );
        assert!(err.contains(place), "{page}: {err}");
        assert!(err.contains(what), "{page}: {err}");
    }
}

#[test]
fn bad_input_is_a_located_error_and_a_huge_page_is_read_only_up_to_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let opts = DraftOptions::default();
    let cases = [
        (write("empty.rst", b""), "page is empty".to_owned()),
        (write("blank.rst", b"  \n\n"), "page is empty".to_owned()),
        (
            write("binary.rst", b"Title\n=====\n\x00\x01\x02"),
            "binary.rst:3:1".to_owned(),
        ),
        (
            write("latin1.rst", b"Title\n=====\nR\xe9sum\xe9"),
            "page is not UTF-8 text".to_owned(),
        ),
        (
            write("prose.txt", b"Just some notes about restarts.\n"),
            "unrecognised page format".to_owned(),
        ),
        (
            dir.path().join("missing.rst").display().to_string(),
            "cannot read the page".to_owned(),
        ),
        (
            dir.path().display().to_string(),
            "cannot read the page".to_owned(),
        ),
    ];
    for (path, expected) in cases {
        let err = refused(&path, &opts);
        assert!(err.contains(&expected), "{path}: {err}");
    }
    // A sparse file of 64 GiB: refused after reading the cap and one byte.
    let huge = dir.path().join("huge.rst");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    let err = refused(&huge.display().to_string(), &opts);
    assert!(
        err.contains("page is too large") && err.contains(&MAX_PAGE_BYTES.to_string()),
        "{err}"
    );
    let bad_api = DraftOptions {
        api: Some("Not An Id".into()),
        parameters: None,
    };
    assert!(refused("fixtures/docs/000_6f98ee3eae5e0145.txt", &bad_api).contains("invalid API id"));
}

#[test]
fn the_binary_drafts_refuses_and_checks_with_its_exit_codes() {
    let bin = || assert_cmd::Command::cargo_bin("restart-conformance").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ddm.yaml");
    let ok = bin()
        .args([
            "specs",
            "draft",
            "fixtures/docs/000_6f98ee3eae5e0145.txt",
            "--api",
            "ddm",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    super::common::assert_exit(&ok, 0);
    assert!(
        String::from_utf8_lossy(&ok.stderr).contains("12 placeholders to fill in"),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let stdout = bin()
        .args([
            "specs",
            "draft",
            "fixtures/docs/000_6f98ee3eae5e0145.txt",
            "--api",
            "ddm",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout.stdout, std::fs::read(&out).unwrap());

    let check = bin()
        .args(["specs", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2));
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(
        err.contains("placeholder left in a draft") && err.contains("ddm.yaml:"),
        "{err}"
    );

    for page in [
        "fixtures/drafts/batch_restart.rst",
        "fixtures/specs-bad/binary.yaml",
    ] {
        let refused = bin().args(["specs", "draft", page]).output().unwrap();
        assert_eq!(refused.status.code(), Some(2), "{page}");
        assert!(refused.stdout.is_empty(), "{page}: nothing is drafted");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("error:"),
            "{page}"
        );
    }
}

mod fuzz {
    //! Random edits of real and fixture pages: a draft or a located error, never a panic.
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::{Index, select};
    use restart_conformance::draft::draft_text;

    const PAGES: &[&str] = &[
        include_str!("../../fixtures/docs/000_6f98ee3eae5e0145.txt"),
        include_str!("../../fixtures/docs/001_b7d2d52a262763b2.txt"),
        include_str!("../../fixtures/docs/002_5a650db4a8a58c52.txt"),
        include_str!("../../fixtures/docs/003_ef06aa3dfe128e20.txt"),
        include_str!("../../fixtures/docs/004_04045375a261b6a5.txt"),
        include_str!("../../fixtures/drafts/huawei_nested.rst"),
        include_str!("../../fixtures/drafts/markdown_mini.md"),
        include_str!("../../fixtures/drafts/osapiref_mini.inc"),
    ];

    /// Pieces of the formats' markup, so edits reach the readers' corners.
    const SNIPPETS: &[&str] = &[
        "\n",
        "",
        "**",
        "``",
        "+------+---+",
        "|",
        "=== ===",
        "=====",
        ":ref:`X <a>`",
        "{",
        "}",
        "[",
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "</tr>",
        "</table>",
        "<a href=\"#t3\">",
        "[[",
        "POST /v1/{project_id}/x/{id}/action",
        "POST /v1/{project_id}/x",
        ".. code::\n\n   ",
        ".. rest_method:: POST /a/{b}/action",
        ".. rest_parameters:: p.yaml\n\n   - a.b.c: k",
        ".. table:: **Table 9** x",
        "**Status code: 2000**",
        "- ",
        "\u{a0}",
        "é",
        "\u{2028}",
        "Enumerated values:\n\n-  **x**",
        "does not accept a request body",
        "goes into a ``X`` state",
        "{\"restart\": {}}",
        "{ \"a\": [1, {",
        "instance_ids Yes Array",
        "```\n",
        "## Response\n\nNone\n",
    ];

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: std::env::var("FUZZ_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(256),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    fn boundary(text: &str, at: Index) -> usize {
        let mut i = at.index(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn edited() -> impl Strategy<Value = String> {
        (
            select(PAGES),
            vec(
                (
                    any::<Index>(),
                    any::<Index>(),
                    select(SNIPPETS),
                    any::<bool>(),
                ),
                0..8,
            ),
        )
            .prop_map(|(page, edits)| {
                let mut text = page.to_owned();
                for (a, b, snippet, delete) in edits {
                    let (x, y) = (boundary(&text, a), boundary(&text, b));
                    let (lo, hi) = (x.min(y), x.max(y));
                    if delete {
                        let mut end = hi.min(lo + 400);
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(lo..end, snippet);
                    } else {
                        text.insert_str(lo, snippet);
                    }
                }
                text
            })
    }

    proptest! {
        #![proptest_config(config())]

        /// An edited page drafts or is refused with located errors; a draft is
        /// YAML that the spec loader reads or refuses, without a panic.
        #[test]
        fn edited_pages_draft_or_are_refused(text in edited()) {
            let path = Path::new("fuzz/page.txt");
            match draft_text(path, &text, &DraftOptions::default(), None) {
                Ok(d) => {
                    let _: Value = serde_saphyr::from_str(&d.yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{}", d.yaml)))?;
                    let _ = load_sources(vec![(PathBuf::from("fuzz/page.yaml"), d.yaml.into_bytes())]);
                }
                Err(e) => prop_assert!(e.to_string().contains("fuzz/page.txt"), "{e}"),
            }
        }
    }
}

#[test]
fn huawei_no_body_after_a_status_marker_and_a_grid_status_table() {
    let (_, v) = mini("huawei_no_body.rst");
    assert_eq!(v["statuses"]["codes"], json!([202, 409]));
    assert_eq!(
        v["responses"],
        json!([{"status": 202, "empty": true, "severity": "should", "source": "huawei_no_body.rst, Response Parameters (status code 202): None"}])
    );
    assert_eq!(
        v["request"]["schema"],
        json!({"type": "object", "properties": {"force": {"type": "boolean"}}})
    );
    assert_eq!(v["request"]["example"], json!({"force": false}));
    assert_eq!(v["cases"][0]["expect"]["status"], json!([202]));
    assert!(v["cases"][0]["example"].is_null());
}

#[test]
fn a_page_with_windows_line_endings_drafts_the_same() {
    for seed in &SEEDS {
        let path = format!("fixtures/docs/{}", seed.doc);
        let text = std::fs::read_to_string(&path).unwrap();
        let crlf = text.replace('\n', "\r\n");
        let opts = DraftOptions::default();
        let of = |t: &str| {
            restart_conformance::draft::draft_text(Path::new(&path), t, &opts, None)
                .unwrap_or_else(|e| panic!("{e}"))
                .yaml
        };
        assert_eq!(of(&crlf), of(&text), "{}", seed.doc);
    }
}
