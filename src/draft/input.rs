//! Reading a page: bounded, text only.
//!
//! A page is read up to [`MAX_PAGE_BYTES`] and never further, so a huge or
//! endless file costs that much memory at most. Empty, binary and non-UTF-8
//! input is refused with the place of the first bad byte.

use std::io::Read;
use std::path::Path;

use super::DraftError;
use crate::yaml::{Located, Pos};

/// The largest page read; vendor reference pages are tens of kilobytes.
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads the page at `path` as text, or says why it cannot be drafted from.
pub fn read_page(path: &Path) -> Result<String, DraftError> {
    let file = std::fs::File::open(path).map_err(|e| {
        Located::new(path, "", None, "cannot read the page")
            .label(e.to_string())
            .help("give the path of an API reference page (reStructuredText, Markdown or an os-api-ref .inc file)")
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_PAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Located::new(path, "", None, "cannot read the page")
                .label(e.to_string())
                .help("check that the path names a readable file, not a folder")
        })?;
    page_text(path, bytes)
}

/// Checks the bytes of a page: size, binary content, UTF-8, emptiness.
pub fn page_text(path: &Path, bytes: Vec<u8>) -> Result<String, DraftError> {
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        return Err(Located::new(path, "", None, "page is too large")
            .label(format!("more than {MAX_PAGE_BYTES} bytes"))
            .help("an API reference page is tens of kilobytes; split a whole manual into its pages")
            .into());
    }
    let (text, bad) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            (
                String::from_utf8_lossy(&bytes[..valid]).into_owned(),
                Some("not UTF-8 text"),
            )
        }
    };
    let nul = text.find('\0');
    let (text, bad) = match nul {
        Some(at) => (text[..at].to_owned(), Some("binary content (a NUL byte)")),
        None => (text, bad),
    };
    if let Some(what) = bad {
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return Err(Located::new(
            path,
            &text,
            Some(Pos { line, column }),
            format!("page is {what}"),
        )
        .label("first bad byte here")
        .help("draft from the page's source text (.rst, .md, .inc), not a PDF, image or archive")
        .into());
    }
    if text.trim().is_empty() {
        return Err(Located::new(path, &text, None, "page is empty")
            .help("give the path of an API reference page with a method, a path and its tables")
            .into());
    }
    Ok(text)
}
