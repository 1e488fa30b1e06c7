//! The documented header of a rule file, parsed by us so a malformed header gets a diagnostic
//! at its line.
//!
//! ```text
//! //! id: VMM015
//! //! name: library-share-not-default
//! //! severity: warning
//! //! product: vmm
//! //! summary: One sentence saying what is wrong.
//! //! remediation: What to do about it; continuation lines are
//! //!   indented by two spaces.
//! //! references:
//! //!   - seeds/001_88478c8760d5937c.txt, "VMM library name and path"
//! //!   - https://learn.microsoft.com/...
//! //! tags: library, setup
//! //!
//! //! ## What it checks
//! //! Markdown documentation, printed by `uplint explain`.
//! ```

use std::ops::Range;

use crate::finding::Severity;

/// Everything the header says about a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub product: String,
    pub summary: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    /// `stable` unless the header says `preview` or `deprecated`.
    pub status: String,
    /// The Markdown body after the fields.
    pub docs: String,
}

/// A header problem, at a byte range of the rule file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaError {
    pub range: Range<usize>,
    pub message: String,
}

const REQUIRED: &[&str] = &[
    "id",
    "name",
    "severity",
    "product",
    "summary",
    "remediation",
];
const OPTIONAL: &[&str] = &["references", "tags", "status"];
const STATUSES: &[&str] = &["stable", "preview", "deprecated"];

pub fn parse(text: &str) -> Result<RuleMeta, Vec<MetaError>> {
    let mut errors = Vec::new();
    let mut fields: Vec<(String, String, Range<usize>)> = Vec::new();
    let mut list: Option<usize> = None;
    let mut in_fields = true;
    let mut docs = String::new();
    let mut offset = 0;
    let mut saw_header = false;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let Some(rest) = content.strip_prefix("//!") else {
            if saw_header || !content.trim().is_empty() {
                break;
            }
            continue;
        };
        saw_header = true;
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let range = start..start + content.len();
        if !in_fields {
            docs.push_str(rest);
            docs.push('\n');
            continue;
        }
        if rest.trim().is_empty() {
            in_fields = false;
            continue;
        }
        if let Some(item) = rest
            .trim_start()
            .strip_prefix("- ")
            .filter(|_| rest.starts_with(' '))
        {
            match list {
                Some(i) => {
                    let field = &mut fields[i];
                    if !field.1.is_empty() {
                        field.1.push('\n');
                    }
                    field.1.push_str(item.trim());
                }
                None => errors.push(MetaError {
                    range,
                    message: "a list item must follow `references:` or `tags:`".into(),
                }),
            }
            continue;
        }
        if rest.starts_with("  ") {
            match fields.last_mut() {
                Some(field) => {
                    field.1.push(' ');
                    field.1.push_str(rest.trim());
                }
                None => errors.push(MetaError {
                    range,
                    message: "continuation line before any field".into(),
                }),
            }
            continue;
        }
        let Some((key, value)) = rest.split_once(':') else {
            errors.push(MetaError {
                range,
                message: "expected `key: value` (or a blank `//!` line before the documentation)"
                    .into(),
            });
            continue;
        };
        let key = key.trim().to_owned();
        if !REQUIRED.contains(&key.as_str()) && !OPTIONAL.contains(&key.as_str()) {
            let hint = crate::util::closest(&key, REQUIRED.iter().chain(OPTIONAL).copied())
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            errors.push(MetaError {
                range: range.clone(),
                message: format!("unknown header field `{key}`{hint}"),
            });
        }
        if fields.iter().any(|f| f.0 == key) {
            errors.push(MetaError {
                range: range.clone(),
                message: format!("header field `{key}` given twice"),
            });
        }
        list = matches!(key.as_str(), "references" | "tags").then_some(fields.len());
        fields.push((key, value.trim().to_owned(), range));
    }
    let header_end = 0..text.find('\n').unwrap_or(text.len());
    let get = |k: &str| fields.iter().find(|f| f.0 == k);
    for k in REQUIRED {
        if get(k).is_none_or(|f| f.1.is_empty()) {
            errors.push(MetaError {
                range: get(k).map_or(header_end.clone(), |f| f.2.clone()),
                message: format!("the rule header needs `//! {k}: …`"),
            });
        }
    }
    let value = |k: &str| get(k).map(|f| f.1.clone()).unwrap_or_default();
    let id = value("id");
    if let Some(f) = get("id")
        && !is_rule_id(&id)
    {
        errors.push(MetaError {
            range: f.2.clone(),
            message: "a rule id is upper-case letters then digits, e.g. `VMM015` or `ACME001`"
                .into(),
        });
    }
    let name = value("name");
    if let Some(f) = get("name")
        && !is_kebab(&name)
    {
        errors.push(MetaError {
            range: f.2.clone(),
            message: "a rule name is lower-case kebab-case, e.g. `library-share-not-default`"
                .into(),
        });
    }
    let severity = Severity::parse(&value("severity"));
    if let Some(f) = get("severity")
        && severity.is_none()
    {
        errors.push(MetaError {
            range: f.2.clone(),
            message: "severity must be `error`, `warning` or `info`".into(),
        });
    }
    let status = get("status").map_or_else(|| "stable".to_owned(), |f| f.1.clone());
    if let Some(f) = get("status")
        && !STATUSES.contains(&status.as_str())
    {
        errors.push(MetaError {
            range: f.2.clone(),
            message: format!("status must be one of {}", STATUSES.join(", ")),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let split_list = |k: &str, sep: &[char]| -> Vec<String> {
        value(k)
            .split(sep)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(RuleMeta {
        id,
        name,
        severity: severity.unwrap_or(Severity::Error),
        product: value("product"),
        summary: value("summary"),
        remediation: value("remediation"),
        references: split_list("references", &['\n']),
        tags: split_list("tags", &['\n', ',']),
        status,
        docs: docs.trim().to_owned(),
    })
}

/// The products uplint has rule packs for (`product:` of the built-in rules, and what
/// `uplint new-rule --product` accepts). A hand-written header may name another.
pub const PRODUCTS: &[&str] = &["vmm", "hyperv", "appv", "sms"];

pub fn is_rule_id(id: &str) -> bool {
    let letters = id.chars().take_while(char::is_ascii_uppercase).count();
    letters > 0 && letters < id.len() && id[letters..].chars().all(|c| c.is_ascii_digit())
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "//! id: ACME001\n//! name: share-not-on-nas\n//! severity: warning\n//! product: vmm\n//! summary: Library shares\n//!   must be on the NAS.\n//! remediation: Move them.\n//! references:\n//!   - https://example.com/a\n//!   - seeds/x.txt\n//! tags: library, nas\n//!\n//! ## What it checks\n//! Things.\n\nfn check(computer) {}\n";

    #[test]
    fn parses_fields_lists_continuations_and_docs() {
        let m = parse(GOOD).expect("valid");
        assert_eq!(m.id, "ACME001");
        assert_eq!(m.summary, "Library shares must be on the NAS.");
        assert_eq!(m.references, vec!["https://example.com/a", "seeds/x.txt"]);
        assert_eq!(m.tags, vec!["library", "nas"]);
        assert_eq!(m.docs, "## What it checks\nThings.");
        assert_eq!(m.status, "stable");
    }

    #[test]
    fn errors_point_at_the_offending_line() {
        let bad = GOOD
            .replace("severity: warning", "severity: fatal")
            .replace("tags:", "tagz:");
        let errs = parse(&bad).expect_err("invalid");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            bad[errs[0].range.clone()].contains("tagz")
                || bad[errs[1].range.clone()].contains("tagz")
        );
        assert!(
            errs.iter()
                .any(|e| e.message.contains("did you mean `tags`"))
        );
    }

    #[test]
    fn missing_required_fields_are_listed() {
        let errs = parse("//! id: X1\n\nfn check(c) {}").expect_err("invalid");
        assert_eq!(errs.len(), REQUIRED.len() - 1);
    }

    #[test]
    fn ids_and_names() {
        assert!(
            is_rule_id("VMM001")
                && is_rule_id("ACME1")
                && !is_rule_id("vmm1")
                && !is_rule_id("VMM")
        );
        assert!(is_kebab("a-b1") && !is_kebab("A-b") && !is_kebab("a--b"));
    }
}
