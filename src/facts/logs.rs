//! What went wrong before uplint looked: error entries of component logs (CMTrace layout), and
//! PowerShell errors that a failed collection command wrote instead of (or beside) its data.

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, CopyFile, Role};
use super::read::str_of;
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{DocKind, Document, Scalar};
use crate::parse;

// Logs are copied, not exported: the text says which ones, wherever the product keeps them.
static COMPONENT_LOGS: Collect = Collect::Copy(CopyFile {
    file: "*.log",
    on: &[Role::ConfigMgrSiteServer, Role::ConfigMgrClient],
    instruction: r"copy the component logs of the product being upgraded into the computer's folder: C:\Windows\ccmsetup\Logs\ccmsetup.log on a ConfigMgr client, the .log files of the Logs folder of the installation directory on a site server, smsts.log for task sequences",
});
// Not a command to run: this fact is read from whichever export failed.
static PS_ERRORS: Collect = Collect::Derived {
    reason: "any export that holds PowerShell errors (error text or a #< CLIXML error stream) instead of data gives this fact; fix the command and export again",
};

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::records(
            "collection.errors",
            "PowerShell errors found in export files instead of (or beside) their data: the command that should have exported them failed",
            &PS_ERRORS,
            &["message", "error_id", "category"],
            0,
            r#"each record of a `powershell-error` file, and each error of a CLIXML stream's error strings (or `<Obj S="Error">`): `message` is the error message (wrapped lines joined, at most 500 characters), `error_id` the `FullyQualifiedErrorId` and `category` the `ErrorCategory` name, when written. Every such error is also an `input-error`"#,
        ),
        FactDef::records(
            "log.errors",
            "Errors in component logs (CMTrace type 3 entries)",
            &COMPONENT_LOGS,
            &["component", "message", "time", "file"],
            0,
            "the entries of a `cmtrace-log` whose `type` is `3`; `time` is `YYYY-MM-DD HH:MM:SS` from `date` (`MM-DD-YYYY`) and `time`, the computer's local time as logged (the time zone bias is left out), or the text as written when it is not in that form; `file` is the source file and line of the program that logged it (`ccmsetup.cpp:9498`), when the entry names one. Entries of the older SMS layout have no severity and give no errors",
        ),
    ],
    registry: &[],
    documents: &[
        (DocKind::Log, log_errors),
        (DocKind::PowerShellError, powershell_errors),
        (DocKind::Clixml, clixml_stream_errors),
    ],
};

/// CMTrace's severity of an error entry (1 information, 2 warning, 0 verbose).
const LOG_ERROR_TYPE: i64 = 3;

/// The error entries of a component log. Entries of the old SMS layout carry no severity and
/// are never taken for errors, whatever their words say.
fn log_errors(facts: &mut FactSet, doc: &Arc<Document>) {
    for &entry in doc.children(Document::ROOT) {
        let is_error = doc
            .child(entry, "type")
            .is_some_and(|n| doc.scalar(n) == Scalar::Int(LOG_ERROR_TYPE));
        if !is_error {
            continue;
        }
        let Some(message) = doc.child(entry, "message") else {
            continue;
        };
        let text = |name: &str| {
            doc.child(entry, name)
                .map(|n| (n, str_of(doc, n).unwrap_or_default()))
        };
        let mut r = Record::default();
        // The component names the record, as a name does elsewhere; an entry without one
        // still counts, its field pointing at the message.
        let (cn, component) = text("component").unwrap_or((message, ImmutableString::new()));
        r.field("component", FactValue::Str(component), doc, cn);
        let msg = str_of(doc, message).unwrap_or_default();
        r.field("message", FactValue::Str(msg), doc, message);
        match (text("date"), text("time")) {
            (Some((_, date)), Some((tn, time))) => {
                let stamp = log_timestamp(&date, &time)
                    .map_or_else(|| format!("{date} {time}").into(), ImmutableString::from);
                r.field("time", FactValue::Str(stamp), doc, tn);
            }
            (Some((n, s)), None) | (None, Some((n, s))) => {
                r.field("time", FactValue::Str(s), doc, n);
            }
            (None, None) => {}
        }
        if let Some((n, file)) = text("file").filter(|(_, f)| !f.is_empty()) {
            r.field("file", FactValue::Str(file), doc, n);
        }
        facts.add_record("log.errors", r);
    }
}

/// The message a `collection.errors` record keeps: the first characters of the (joined) message.
fn error_message(message: &str) -> ImmutableString {
    parse::powershell_error_summary(message).into()
}

/// `collection.errors` from a file of rendered PowerShell errors: each field points at its
/// own line of the record.
fn powershell_errors(facts: &mut FactSet, doc: &Arc<Document>) {
    for &err in doc.children(Document::ROOT) {
        let Some(message) = doc.child(err, "message") else {
            continue;
        };
        let mut r = Record::default();
        let text = str_of(doc, message).unwrap_or_default();
        r.field(
            "message",
            FactValue::Str(error_message(&text)),
            doc,
            message,
        );
        for field in ["error_id", "category"] {
            if let Some(n) = doc.child(err, field)
                && let Some(v) = str_of(doc, n)
            {
                r.field(field, FactValue::Str(v), doc, n);
            }
        }
        facts.add_record("collection.errors", r);
    }
}

/// `collection.errors` from the error stream of a CLIXML document; every field points at the
/// stream's error strings.
fn clixml_stream_errors(facts: &mut FactSet, doc: &Arc<Document>) {
    for e in parse::powershell_stream_errors(doc) {
        let node = doc.child(e.node, "@value").unwrap_or(e.node);
        let mut r = Record::default();
        r.field(
            "message",
            FactValue::Str(error_message(&e.message)),
            doc,
            node,
        );
        if let Some(id) = e.error_id {
            r.field("error_id", FactValue::Str(id.into()), doc, node);
        }
        if let Some(c) = e.category {
            r.field("category", FactValue::Str(c.into()), doc, node);
        }
        facts.add_record("collection.errors", r);
    }
}

/// `MM-DD-YYYY` and `HH:MM:SS.mmm+bias` as `YYYY-MM-DD HH:MM:SS`, the computer's local time
/// as logged (the bias, in minutes, is left out). `None` when either is not in that form.
fn log_timestamp(date: &str, time: &str) -> Option<String> {
    let mut d = date.split('-').map(|p| p.parse::<u32>().ok());
    let (month, day, year) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) || year < 1000 {
        return None;
    }
    let clock = time.get(..8)?;
    let mut t = clock.split(':');
    let ok = |p: Option<&str>, max: u32| {
        p.filter(|p| p.len() == 2)
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|v| *v <= max)
    };
    let (hh, mm, ss) = (ok(t.next(), 23)?, ok(t.next(), 59)?, ok(t.next(), 60)?);
    // After the seconds: nothing, or fractions and a bias (`.068+00`, `.3322734`).
    if !time
        .get(8..)
        .is_some_and(|r| r.is_empty() || r.starts_with(['.', '+', '-']))
    {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02} {hh:02}:{mm:02}:{ss:02}"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;
    use super::log_timestamp;

    #[test]
    fn log_errors_from_cmtrace_entries_of_type_3_only() {
        let f = facts_of(concat!(
            "<![LOG[Ccmsetup command line: ccmsetup.exe /mp:cm01.contoso.test SMSSITECODE=CAS]LOG]!><time=\"09:41:07.112+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"1\" thread=\"4120\" file=\"ccmsetup.cpp:9498\">\r\n",
            "<![LOG[Failed to connect to policy namespace. Error 0x8004100e]LOG]!><time=\"09:41:12.305+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"3\" thread=\"4120\" file=\"localpolicy.cpp:367\">\r\n",
            "<![LOG[MSI: Setup was unable to create the WMI namespace CCM\r\nThe error code is 80041002]LOG]!><time=\"9:41:30.001+60\" date=\"3-11-2026\" component=\"ccmsetup\" context=\"\" type=\"3\" thread=\"4120\" file=\"msiutil.cpp:316\">\r\n",
            "<![LOG[Failed again]LOG]!><time=\"09:41:31.000+60\" component=\"ccmsetup\" type=\"3\">\r\n",
            "<![LOG[Retrying]LOG]!><time=\"09:41:32.000+60\" date=\"03-11-2026\" component=\"ccmsetup\" type=\"2\">\r\n",
        ));
        assert_eq!(
            record_values(&f, "log.errors"),
            vec![
                pairs(&[
                    ("component", "ccmsetup"),
                    (
                        "message",
                        "Failed to connect to policy namespace. Error 0x8004100e"
                    ),
                    ("time", "2026-03-11 09:41:12"),
                    ("file", "localpolicy.cpp:367"),
                ]),
                pairs(&[
                    ("component", "ccmsetup"),
                    (
                        "message",
                        "MSI: Setup was unable to create the WMI namespace CCM\r\nThe error code is 80041002"
                    ),
                    // Not `HH:MM:SS`: kept as written.
                    ("time", "3-11-2026 9:41:30.001+60"),
                    ("file", "msiutil.cpp:316"),
                ]),
                pairs(&[
                    ("component", "ccmsetup"),
                    ("message", "Failed again"),
                    ("time", "09:41:31.000+60"),
                ]),
            ]
        );
        // A finding on a record points at the entry's line in the log.
        let first = &f.records["log.errors"][0].fields[2].1.origin;
        assert_eq!(first.doc.path(first.node), "[1].time");
    }
    #[test]
    fn collection_errors_from_error_text_and_from_a_clixml_error_stream() {
        let f = facts_of(concat!(
            "Get-VM : You do not have the required permission to complete this task.\r\n",
            "At line:1 char:1\r\n",
            "+ Get-VM | ConvertTo-Json > vms.json\r\n",
            "+ ~~~~~~\r\n",
            "    + CategoryInfo          : PermissionDenied: (:) [Get-VM], VirtualizationException\r\n",
            "    + FullyQualifiedErrorId : Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM\r\n",
            "\r\n",
            "C:\\collect\\run.ps1 : no volumes\r\n",
            "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,run.ps1\r\n",
        ));
        assert_eq!(
            record_values(&f, "collection.errors"),
            vec![
                pairs(&[
                    (
                        "message",
                        "Get-VM : You do not have the required permission to complete this task."
                    ),
                    (
                        "error_id",
                        "Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM"
                    ),
                    ("category", "PermissionDenied"),
                ]),
                pairs(&[
                    ("message", "C:\\collect\\run.ps1 : no volumes"),
                    (
                        "error_id",
                        "Microsoft.PowerShell.Commands.WriteErrorException,run.ps1"
                    ),
                ]),
            ]
        );
        let id = &f.records["collection.errors"][0].fields[1].1.origin;
        assert_eq!(id.doc.path(id.node), "[0].error_id");

        // A CLIXML stream with data and an error: the data still gives its facts.
        let f = facts_of(concat!(
            "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">",
            "<Obj RefId=\"0\"><MS><S N=\"Name\">vmmservice</S><S N=\"StartName\">CONTOSO\\svc-vmm</S><S N=\"State\">Running</S><S N=\"StartMode\">Auto</S></MS></Obj>",
            "<S S=\"Error\">Get-CimInstance : Invalid class _x000D__x000A_</S>",
            "<S S=\"Error\">\"Win32_Servic\"_x000D__x000A_</S>",
            "<S S=\"Error\">    + CategoryInfo          : MetadataError: (:) [Get-CimInstance], CimException_x000D__x000A_</S>",
            "<S S=\"Error\">    + FullyQualifiedErrorId : HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand_x000D__x000A_</S>",
            "</Objs>"
        ));
        assert_eq!(record_values(&f, "services").len(), 1);
        assert_eq!(
            record_values(&f, "collection.errors"),
            vec![pairs(&[
                (
                    "message",
                    "Get-CimInstance : Invalid class \"Win32_Servic\""
                ),
                (
                    "error_id",
                    "HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand"
                ),
                ("category", "MetadataError"),
            ])]
        );
        let m = &f.records["collection.errors"][0].fields[0].1.origin;
        assert_eq!(m.doc.path(m.node), "[1].@value");
    }
    #[test]
    fn sms_layout_entries_are_never_errors() {
        let f = facts_of(
            "Failed to process file.  $$<SMS_INBOX_MANAGER><04-22-2008 09:14:51.250+240><thread=3372 (0xD2C)>\r\n",
        );
        assert!(f.records.is_empty());
        assert_eq!(
            log_timestamp("04-22-2008", "09:14:51.250+240").as_deref(),
            Some("2008-04-22 09:14:51")
        );
        assert_eq!(log_timestamp("13-22-2008", "09:14:51"), None);
        assert_eq!(log_timestamp("04-22-2008", "09:14"), None);
        assert_eq!(log_timestamp("04-22-2008", "09:14:51x"), None);
    }
}
