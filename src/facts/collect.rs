//! How the export a fact comes from gets into the bundle, as data rather than prose: a command
//! to run (its exact text, the files it writes, the shell and PowerShell module it needs, the
//! computers it runs on, and a note on what to change in it), a file to copy, or nothing to
//! collect. Reports print it when a fact is missing and `docs/bundle.md` lists it; a collection
//! script can be generated from the same data, so all of them say the same thing.
//!
//! A command's text must run as printed: what a user should substitute or do afterwards goes
//! in its `note`, never in the text (the tests of this module check it).

use std::borrow::Cow;

/// How the export behind a fact is collected.
#[derive(Debug, PartialEq, Eq)]
pub enum Collect {
    /// A command to run on the computer, in the folder that becomes its folder of the bundle.
    Run(Command),
    /// A file that already exists (an answer file, a log), copied as it is.
    Copy(CopyFile),
    /// Nothing to collect: the fact comes from other exports.
    Derived {
        /// Where the fact comes from instead, and what to do about it.
        reason: &'static str,
    },
}

/// A command that writes an export.
#[derive(Debug, PartialEq, Eq)]
pub struct Command {
    /// The command exactly as it runs when pasted into the shell: no prose, nothing to fill
    /// in. A value that differs between estates has an example value, and `note` says so.
    pub text: &'static str,
    /// The files the command writes, as `text` names them: in the current folder, or (for a
    /// cmdlet that writes files of its own naming) the folder it writes them in.
    pub saves: &'static [&'static str],
    pub shell: Shell,
    /// The PowerShell module the command needs beyond what Windows brings (a product's or a
    /// role's: `VirtualMachineManager`, `SqlServer`, `Hyper-V`, …).
    pub module: Option<&'static str>,
    /// The computers to run it on; its files belong in their folders.
    pub on: &'static [Role],
    /// What to change in the command or do after it, in a clause that reads after a
    /// semicolon ("the SearchBase is VMServer.ini's TopContainerName").
    pub note: Option<&'static str>,
}

impl Command {
    /// A PowerShell command that runs on every computer, needs no module beyond Windows' own,
    /// and has no note; the other builders below change one of those.
    pub const fn powershell(text: &'static str, saves: &'static [&'static str]) -> Command {
        Command {
            text,
            saves,
            shell: Shell::PowerShell,
            module: None,
            on: &[Role::Every],
            note: None,
        }
    }

    /// A command that runs in `cmd.exe` and PowerShell alike (`reg export`, `winrm`).
    pub const fn any_shell(text: &'static str, saves: &'static [&'static str]) -> Command {
        Command {
            shell: Shell::Any,
            ..Command::powershell(text, saves)
        }
    }

    pub const fn on(self, on: &'static [Role]) -> Command {
        Command { on, ..self }
    }

    pub const fn module(self, module: &'static str) -> Command {
        Command {
            module: Some(module),
            ..self
        }
    }

    pub const fn note(self, note: &'static str) -> Command {
        Command {
            note: Some(note),
            ..self
        }
    }
}

/// A file to copy into a computer's folder as it is.
#[derive(Debug, PartialEq, Eq)]
pub struct CopyFile {
    /// The file by its name (`VMServer.ini`), or a pattern (`*.log`) when there are several.
    pub file: &'static str,
    /// The computers whose folders it goes into.
    pub on: &'static [Role],
    /// The instruction as reports print it: which file, where it is, into which folder.
    pub instruction: &'static str,
}

/// The shell a command runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shell {
    /// `cmd.exe` or PowerShell alike (`reg export`, `winrm`).
    Any,
    PowerShell,
}

/// A kind of computer of the estate, as collection instructions name it. The order is the one
/// the documentation lists them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Every computer: the servers being upgraded, their hosts, their SQL Servers.
    Every,
    VmmServer,
    HyperVHost,
    SqlServer,
    IisServer,
    ConfigMgrSiteServer,
    ConfigMgrClient,
}

impl Role {
    /// The computers of this kind, as a sentence names them ("On every Hyper-V host").
    pub fn name(self) -> &'static str {
        match self {
            Role::Every => "every computer",
            Role::VmmServer => "the VMM management server",
            Role::HyperVHost => "every Hyper-V host",
            Role::SqlServer => "every SQL Server",
            Role::IisServer => "every computer running IIS",
            Role::ConfigMgrSiteServer => "every Configuration Manager site server",
            Role::ConfigMgrClient => "every Configuration Manager client",
        }
    }
}

impl Collect {
    /// What a report tells a user to do to get the export: the command as it runs, the copy
    /// instruction, or why there is nothing to run. A command's note is not part of it (see
    /// [`Collect::note`]).
    pub fn instruction(&self) -> Cow<'static, str> {
        match self {
            Collect::Run(c) => Cow::Borrowed(c.text),
            Collect::Copy(c) => Cow::Borrowed(c.instruction),
            Collect::Derived { reason } => Cow::Owned(format!("nothing to run: {reason}")),
        }
    }

    /// What to change in a command or do after it, which reports add to the reason.
    pub fn note(&self) -> Option<&'static str> {
        match self {
            Collect::Run(c) => c.note,
            Collect::Copy(_) | Collect::Derived { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::CATALOG;

    /// Why `text` would not run as printed, or would not save `saves`: prose after the last
    /// file it writes, or prose in parentheses (a `(` that opens no PowerShell expression),
    /// outside quotes and braces where PowerShell and SQL have parentheses of their own.
    fn not_runnable(text: &str, saves: &[&str]) -> Option<String> {
        if saves.is_empty() {
            return Some("names no file it saves".into());
        }
        let mut last_end = 0;
        for file in saves {
            // The file as a word of the command: after a space (`> os.json`, `reg export
            // "..." cbs.reg`, `Export-Csv x.csv`, `-Path C:\dir`), before a space, `;` or the
            // end. Its last such place: a folder may be named once per command of a line.
            let at = text.rmatch_indices(file).map(|(i, _)| i).find(|&i| {
                let after = &text[i + file.len()..];
                text[..i].ends_with(' ') && (after.is_empty() || after.starts_with([' ', ';']))
            });
            let Some(at) = at else {
                return Some(format!("does not save {file} as a word of the command"));
            };
            last_end = last_end.max(at + file.len());
        }
        // After the last file only switches may follow (`-Overwrite`).
        let rest = &text[last_end..];
        if let Some(word) = rest.split_whitespace().find(|w| !w.starts_with('-')) {
            return Some(format!("has {word:?} after the file it saves: {rest:?}"));
        }
        let mut quote = None;
        let mut braces = 0usize;
        let mut prev = ' ';
        for (i, c) in text.char_indices() {
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '{') => braces += 1,
                (None, '}') => braces = braces.saturating_sub(1),
                // `$(...)` and `@(...)` are PowerShell; `(Get-Date)` starts with a cmdlet, and
                // `.ToString('s')` has no space. Anything else with a space reads as prose.
                (None, '(') if braces == 0 && prev != '$' && prev != '@' => {
                    let inner = text[i + 1..].split(')').next().unwrap_or("");
                    let first = inner.split_whitespace().next().unwrap_or("");
                    let cmdlet = first.split_once('-').is_some_and(|(verb, noun)| {
                        verb.starts_with(|c: char| c.is_ascii_uppercase())
                            && noun.starts_with(|c: char| c.is_ascii_uppercase())
                    });
                    // `(-not ...)` starts with an operator.
                    let code = cmdlet || first.starts_with(['$', '-']);
                    if inner.contains(' ') && !code {
                        return Some(format!("has prose in parentheses: ({inner})"));
                    }
                }
                _ => {}
            }
            prev = c;
        }
        None
    }

    #[test]
    fn every_command_runs_as_printed_and_names_the_files_it_saves() {
        for def in CATALOG.iter() {
            if let Collect::Run(c) = def.collect
                && let Some(problem) = not_runnable(c.text, c.saves)
            {
                panic!("the command of {} {problem}: {}", def.key, c.text);
            }
        }
    }

    #[test]
    fn prose_in_a_command_is_caught() {
        // The commands as they were before notes had a field of their own.
        for (text, saves) in [
            (
                r#"Get-ADObject -SearchBase "CN=VMMDKM,DC=contoso,DC=local" -Filter * | Select-Object DistinguishedName,ObjectClass,Name | ConvertTo-Json > ad-dkm.json (the SearchBase is VMServer.ini's TopContainerName)"#,
                &["ad-dkm.json"][..],
            ),
            (
                r#"Invoke-Sqlcmd -Database VirtualManagerDB -Query "SELECT 1" | Export-Csv sql-vmm-columns.csv (-Database is the VMM database: DatabaseName under Settings\Sql in the VMM registry export)"#,
                &["sql-vmm-columns.csv"],
            ),
            (
                r"Get-SCVMTemplate | Export-SCTemplate -Path C:\uplint-templates -Overwrite (then copy the .xml files into the VMM server's folder)",
                &[r"C:\uplint-templates"],
            ),
            (
                "Get-VM | Select-Object Name (then copy vms.json) | ConvertTo-Json > vms.json",
                &["vms.json"],
            ),
            ("Get-VM | ConvertTo-Json > vms.json", &["vm.json"]),
            ("Get-VM | ConvertTo-Json", &[]),
        ] {
            assert!(not_runnable(text, saves).is_some(), "{text}");
        }
        for (text, saves) in [
            (
                r#"Get-SCJob -All | Select-Object Name,@{n='StartTime';e={$_.StartTime.ToString('s')}} | ConvertTo-Json > vmm-jobs.json"#,
                &["vmm-jobs.json"][..],
            ),
            (
                r#"Invoke-Sqlcmd -Query "DBCC SQLPERF(LOGSPACE)" | Export-Csv sql-logspace.csv"#,
                &["sql-logspace.csv"],
            ),
            (
                "(Get-VM -Name web01) | ConvertTo-Json > vms.json; Get-VMSwitch | ConvertTo-Json > vm-switches.json",
                &["vms.json", "vm-switches.json"],
            ),
        ] {
            assert_eq!(not_runnable(text, saves), None, "{text}");
        }
    }

    #[test]
    fn copies_and_derived_facts_say_what_to_do() {
        for def in CATALOG.iter() {
            match def.collect {
                Collect::Run(c) => {
                    assert!(!c.on.is_empty(), "{}: on which computers?", def.key);
                    // Notes read after "is not in the bundle; ".
                    if let Some(note) = c.note {
                        assert!(!note.ends_with('.'), "{}: {note}", def.key);
                    }
                }
                Collect::Copy(c) => {
                    assert!(!c.on.is_empty(), "{}: into which folders?", def.key);
                    assert!(
                        c.instruction.starts_with("copy ")
                            && c.instruction.contains(c.file.trim_start_matches('*')),
                        "{}: {}",
                        def.key,
                        c.instruction
                    );
                }
                Collect::Derived { reason } => assert!(!reason.is_empty(), "{}", def.key),
            }
        }
    }
}
