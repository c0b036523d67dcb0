//! What a reader found on a page, before it becomes a spec draft.
//!
//! Every fact keeps the page line it was read from (for located messages) and
//! the citation a spec writes for it: the table's caption or the section's
//! title. Readers fill this in; `build` turns it into the draft, so
//! the rules that decide a spec's shape live in one place for every format.

use serde_json::Value;

/// A citation: the part of the page a fact comes from, and its line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cite {
    /// "Table 3 Request body parameters", "URI", "Example Request", …
    pub part: String,
    pub line: usize,
}

impl Cite {
    pub fn new(part: impl Into<String>, line: usize) -> Cite {
        Cite {
            part: part.into(),
            line,
        }
    }
}

/// A `METHOD /path` line.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodLine {
    pub method: String,
    pub path: String,
    pub cite: Cite,
}

/// A row of a parameter table (path, header or body).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field {
    pub name: String,
    /// The type as the page spells it ("String", "Object", "Array of …").
    pub type_text: Option<String>,
    /// "Mandatory: Yes/No"; `None` when the table has no such column.
    pub required: Option<bool>,
    pub enum_values: Vec<String>,
    /// Fields of a nested object (a `:ref:` or linked table).
    pub children: Vec<Field>,
    /// The row stands for an array of such objects.
    pub array_of_objects: bool,
    pub description: String,
    pub cite: Cite,
}

/// A row of the status code table.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRow {
    pub code: u16,
    /// Name and description as printed ("Bad Request", "bad request").
    pub text: String,
    pub line: usize,
}

/// An example request or response.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The JSON body, when the example has one.
    pub body: Option<Value>,
    /// Header lines of an HTTP example.
    pub headers: Vec<(String, String)>,
    /// `HTTP/1.1 202 Accepted` → 202.
    pub status: Option<u16>,
    /// The path of an example request line (`POST https://{endpoint}/v2.1/…`).
    pub target: Option<String>,
    pub cite: Cite,
}

/// One documented response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// `None` when the page gives the body but not its code.
    pub status: Option<u16>,
    pub fields: Vec<Field>,
    pub fields_cite: Option<Cite>,
    pub example: Option<Example>,
    /// The page says there is no body ("None", `Content-Length: 0`).
    pub empty: Option<Cite>,
}

/// States the page's prose names for the restart ("goes into a REBOOT state").
#[derive(Debug, Clone, PartialEq)]
pub struct States {
    pub restarting: Vec<String>,
    pub steady: Vec<String>,
    pub cite: Cite,
}

/// A shape the spec format cannot hold, found on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    pub what: String,
    pub line: usize,
}

/// Everything a reader found on one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The format's name, for messages ("Huawei Cloud reStructuredText").
    pub format: &'static str,
    pub title: Option<String>,
    pub methods: Vec<MethodLine>,
    pub uri_params: Vec<Field>,
    pub uri_params_cite: Option<Cite>,
    pub headers: Vec<Field>,
    pub headers_cite: Option<Cite>,
    pub body: Vec<Field>,
    pub body_cite: Option<Cite>,
    /// "This operation does not accept a request body."
    pub no_body: Option<Cite>,
    pub request_example: Option<Example>,
    pub statuses: Vec<StatusRow>,
    pub statuses_cite: Option<Cite>,
    /// A page of codes shared by the vendor's APIs that this page refers to.
    pub general_ref: Option<Cite>,
    pub responses: Vec<Response>,
    pub states: Option<States>,
    pub unsupported: Vec<Unsupported>,
    /// Notes for the draft's header (a key the parameters file lacks, …).
    pub notes: Vec<String>,
}
