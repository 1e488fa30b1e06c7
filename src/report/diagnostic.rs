//! Emitting codespan diagnostics: the human check report, and rule and settings errors on
//! stderr. This module does not build diagnostics; [`super::human`] does.

use codespan_reporting::diagnostic::Diagnostic;
use codespan_reporting::term::{self, termcolor};

use crate::source::{FileId, SourceDb};

/// The one rendering configuration.
pub fn codespan_config() -> term::Config {
    term::Config::default()
}

/// Renders `diags` one after another; `color` adds ANSI colours (only for terminals).
pub fn render(db: &SourceDb, diags: &[Diagnostic<FileId>], color: bool) -> Vec<u8> {
    let mut out = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = codespan_config();
    for diag in diags {
        if term::emit_to_write_style(&mut out, &config, db, diag).is_err() {
            // The file's text is gone (dropped or unreadable): show the diagnostic without it.
            let bare = Diagnostic {
                labels: Vec::new(),
                ..diag.clone()
            };
            let _ = term::emit_to_write_style(&mut out, &config, db, &bare);
        }
    }
    out.into_inner()
}
