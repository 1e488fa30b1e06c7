//! The parts of `docs/bundle.md` made from the fact catalog: the collection commands by kind
//! of computer, and the fact table. `tests/docs.rs` checks that the file holds exactly these
//! (`UPDATE_DOCS=1 cargo test --test docs` rewrites them), so the documentation says what
//! reports print, and a collection script generated from the same [`Collect`] data will too.

use std::fmt::Write;

use super::collect::{Collect, Command, Role, Shell};
use super::{CATALOG, FactDef, Kind};

/// Every collection, once, grouped by the computers it is for: for each group a heading, the
/// commands in code blocks by the shell and module they need, then the notes on commands and
/// the files to copy. Facts with nothing to collect are left out.
pub fn collecting_markdown() -> String {
    let mut groups: Vec<(&'static [Role], Vec<&'static Collect>)> = Vec::new();
    for def in CATALOG.iter() {
        let on = match def.collect {
            Collect::Run(c) => c.on,
            Collect::Copy(c) => c.on,
            Collect::Derived { .. } => continue,
        };
        let at = match groups.iter().position(|(o, _)| *o == on) {
            Some(i) => i,
            None => {
                groups.push((on, Vec::new()));
                groups.len() - 1
            }
        };
        let list = &mut groups[at].1;
        if !list.iter().any(|c| std::ptr::eq(*c, def.collect)) {
            list.push(def.collect);
        }
    }
    // By the kinds of computer, in `Role` order: every computer first.
    groups.sort_by(|a, b| a.0.cmp(b.0));

    let mut out = String::new();
    for (i, (on, collects)) in groups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let names: Vec<&str> = on.iter().map(|r| r.name()).collect();
        let _ = writeln!(out, "### On {}", names.join(" and "));
        let commands: Vec<&Command> = collects
            .iter()
            .filter_map(|c| match c {
                Collect::Run(c) => Some(c),
                _ => None,
            })
            .collect();
        // `cmd.exe` commands first, then PowerShell without a module, then by module in the
        // order they first come.
        let mut blocks: Vec<(Shell, Option<&str>)> = Vec::new();
        for c in &commands {
            if !blocks.contains(&(c.shell, c.module)) {
                blocks.push((c.shell, c.module));
            }
        }
        blocks.sort_by_key(|&(shell, module)| (shell, module.is_some()));
        for (shell, module) in blocks {
            let (intro, fence) = match (shell, module) {
                (Shell::Any, _) => ("In `cmd.exe` or PowerShell:".to_owned(), "bat"),
                (Shell::PowerShell, None) => ("In PowerShell:".to_owned(), "powershell"),
                (Shell::PowerShell, Some(m)) => (
                    format!("In PowerShell, with the `{m}` module:"),
                    "powershell",
                ),
            };
            let _ = write!(out, "\n{intro}\n\n```{fence}\n");
            for c in commands
                .iter()
                .filter(|c| c.shell == shell && c.module == module)
            {
                let _ = writeln!(out, "{}", c.text);
            }
            out.push_str("```\n");
        }
        let mut notes = Vec::new();
        for c in &commands {
            if let Some(note) = c.note {
                notes.push(format!("`{}`: {note}.", c.saves.join("`, `")));
            }
        }
        for c in collects {
            if let Collect::Copy(c) = c {
                notes.push(format!("{}.", capitalized(c.instruction)));
            }
        }
        if !notes.is_empty() {
            out.push('\n');
            for note in notes {
                let _ = writeln!(out, "- {note}");
            }
        }
    }
    out
}

/// The fact table: every fact with its meaning, its type, what reports print when it is
/// missing, and where it is read.
pub fn facts_markdown() -> String {
    let mut out = String::from(
        "| fact | meaning | type | export command (printed when the fact is missing) | read from |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for def in CATALOG.iter() {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            def.key,
            cell(def.description),
            kind(def),
            cell(&collection(def.collect)),
            cell(def.read_from),
        );
    }
    out
}

fn kind(def: &FactDef) -> String {
    match def.kind {
        Kind::Text => "text".into(),
        Kind::Integer => "integer".into(),
        Kind::Bool => "bool".into(),
        Kind::Records => format!("list of `{}`", def.fields.join("`, `")),
    }
}

/// What the table says to collect: the command as code, and its note after it.
fn collection(collect: &Collect) -> String {
    match collect {
        Collect::Run(c) => match c.note {
            Some(note) => format!("`{}` ({note})", c.text),
            None => format!("`{}`", c.text),
        },
        Collect::Copy(_) | Collect::Derived { .. } => collect.instruction().into_owned(),
    }
}

/// Text in a table cell: a `|` would end the cell, also inside code.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_collection_is_listed_once_and_every_fact_has_a_row() {
        let collecting = collecting_markdown();
        let table = facts_markdown();
        for def in CATALOG.iter() {
            assert!(table.contains(&format!("| `{}` |", def.key)), "{}", def.key);
            match def.collect {
                Collect::Run(c) => assert_eq!(
                    collecting.matches(&format!("\n{}\n", c.text)).count(),
                    1,
                    "{}",
                    def.key
                ),
                Collect::Copy(c) => assert!(
                    collecting.contains(&capitalized(c.instruction)),
                    "{}",
                    def.key
                ),
                Collect::Derived { .. } => {}
            }
        }
    }

    #[test]
    fn no_command_has_a_backtick_that_would_end_its_code_span() {
        // PowerShell's escape character would break the table's code spans.
        for def in CATALOG.iter() {
            if let Collect::Run(c) = def.collect {
                assert!(!c.text.contains('`'), "{}", def.key);
            }
        }
    }
}
