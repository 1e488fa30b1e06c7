//! One input file: read it, decode it, recognize its format and parse it. Every problem is a
//! host finding (`input-error`, `unrecognized-file`, `not-understood`) and the run goes on.

use std::sync::Arc;

use super::bundle_run::BundleRun;
use super::output::{At, Output};
use super::result::FileReport;
use crate::bundle::BundleFile;
use crate::finding::{Severity, host_ids};
use crate::model::Document;
use crate::parse::{self, InputError};
use crate::source::{SourceText, Span};

/// A file read, decoded and parsed, with the findings about it.
pub(super) struct Loaded {
    pub text: Option<Arc<SourceText>>,
    pub doc: Option<Arc<Document>>,
    /// Parsed without input errors.
    pub clean: bool,
    pub output: Output,
}

/// Reads, decodes and parses file `index` of the bundle. Never fails: what went wrong is a
/// finding at the place it went wrong.
pub(super) fn load_file(run: &BundleRun, index: usize) -> Loaded {
    let file: &BundleFile = &run.bundle.files[index];
    let id = run.file_id(index);
    let computer = file.computer.and_then(|c| run.computers.get(c));
    let mut output = Output::default();
    let mut report = FileReport {
        file: id,
        bundle: run.bundle.display.clone(),
        rel: file.rel.clone(),
        computer: computer.map(|c| c.to_string()),
        format: None,
        encoding: None,
        input_errors: 0,
        facts: Vec::new(),
    };
    let bytes = match run.bundle.read(file) {
        Ok(b) => b,
        Err(e) => {
            output.findings.push(run.host_finding(
                host_ids::INPUT_ERROR,
                Severity::Error,
                computer,
                format!("cannot read `{}`: {e}", file.rel),
                At {
                    path: Some(file.rel.clone()),
                    ..At::default()
                },
            ));
            report.input_errors = 1;
            output.files.push(report);
            return Loaded {
                text: None,
                doc: None,
                clean: false,
                output,
            };
        }
    };
    let (text, problems) = SourceText::decode(&bytes);
    // The decoded text is a copy: the file's bytes are not needed any more, and keeping them
    // while the file is parsed would add the file's size again to the peak.
    drop(bytes);
    let text = Arc::new(text);
    report.encoding = Some(text.encoding.name());
    let mut errors: Vec<InputError> = problems
        .into_iter()
        .map(|p| {
            // On the U+FFFD that stands for the bytes, not inside it.
            let mut e = InputError::at(
                id,
                p.text_offset,
                format!("{} (byte {} of the file)", p.message, p.original_offset),
            );
            e.span = parse::within(&text.text, e.span);
            e
        })
        .collect();
    let mut doc = None;
    match parse::recognize(&text.text) {
        Some(format) => {
            report.format = Some(format.name);
            let parsed = (format.parse)(id, text.text.clone());
            errors.extend(parsed.errors);
            for note in parsed.notes {
                output.findings.push(run.host_finding(
                    host_ids::NOT_UNDERSTOOD,
                    Severity::Warning,
                    computer,
                    note.message,
                    At {
                        span: Some(note.span),
                        ..At::default()
                    },
                ));
            }
            doc = Some(run.place(parsed.doc));
        }
        None => {
            let first_line = text.text.lines().next().unwrap_or("").trim();
            let span = Span::new(
                id,
                0,
                text.text
                    .find(['\r', '\n'])
                    .unwrap_or(text.text.len())
                    .min(200),
            );
            let shown: String = first_line.chars().take(60).collect();
            // A collection command that failed with its error on the console, or found nothing,
            // leaves an empty file: say that rather than quote an empty first line.
            let message = if crate::parse::trim_start(&text.text).is_empty() {
                "the file is empty: the command that wrote it wrote nothing (it failed, its error \
                 going to the console, or it found nothing); run it again and read its output"
                    .to_owned()
            } else {
                format!("no export format recognized this file; it starts with `{shown}`")
            };
            output.findings.push(run.host_finding(
                host_ids::UNRECOGNIZED_FILE,
                Severity::Info,
                computer,
                message,
                At {
                    span: Some(span),
                    ..At::default()
                },
            ));
        }
    }
    report.input_errors = errors.len();
    let clean = errors.is_empty();
    for e in errors {
        output.findings.push(run.host_finding(
            host_ids::INPUT_ERROR,
            Severity::Error,
            computer,
            e.message,
            At {
                span: Some(e.span),
                ..At::default()
            },
        ));
    }
    output.files.push(report);
    Loaded {
        text: Some(text),
        doc,
        clean,
        output,
    }
}
