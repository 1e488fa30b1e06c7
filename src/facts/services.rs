//! Windows services: their accounts, states and start modes, from `Win32_Service` or
//! `Get-Service`.

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command};
use super::read::{Obj, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx, Scalar};

static SERVICES_XML: Collect = Collect::Run(Command::powershell(
    "Get-WmiObject Win32_Service | Select-Object Name,DisplayName,StartName,State,StartMode | Export-Clixml services.xml",
    &["services.xml"],
));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[FactDef::records(
        "services",
        "Windows services",
        &SERVICES_XML,
        &["name", "account", "state", "start_mode"],
        1,
        "`Win32_Service` objects (`Name`, `StartName`, `State`, `StartMode`) or `Get-Service` objects (`Name`, `Status` as a name or number, `StartType`)",
    )],
    registry: &[],
    documents: &[],
};

/// `Win32_Service` (StartName, State) or `Get-Service` (Status, ServiceName).
pub(super) fn service(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, name)) = o.text("Name").filter(|_| {
        o.has("StartName") || o.has("ServiceName") || (o.has("Status") && o.has("DisplayName"))
    }) else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some((n, a)) = o.text("StartName") {
        r.field("account", FactValue::Str(a), doc, n);
    }
    if let Some((n, s)) = o.text("State").or_else(|| {
        o.get("Status")
            .and_then(|n| service_status(doc, n).map(|s| (n, s)))
    }) {
        r.field("state", FactValue::Str(s), doc, n);
    }
    if let Some((n, m)) = o.text("StartMode").or_else(|| o.text("StartType")) {
        r.field("start_mode", FactValue::Str(m), doc, n);
    }
    facts.add_record("services", r);
    true
}

/// `Get-Service` Status: a name in CLIXML or PowerShell 7, a number in Windows PowerShell 5.1.
fn service_status(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    const NAMES: [&str; 7] = [
        "Stopped",
        "StartPending",
        "StopPending",
        "Running",
        "ContinuePending",
        "PausePending",
        "Paused",
    ];
    match doc.scalar(node) {
        Scalar::Int(i) => usize::try_from(i - 1)
            .ok()
            .and_then(|i| NAMES.get(i))
            .map(|s| (*s).into()),
        _ => str_of(doc, node),
    }
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

    #[test]
    fn services_from_win32_service_and_get_service_json() {
        let f = facts_of(
            "[{\"Name\": \"SCVMMService\", \"DisplayName\": \"System Center Virtual Machine Manager\", \"StartName\": \"CONTOSO\\\\svc-vmm\", \"State\": \"Running\", \"StartMode\": \"Auto\"}]",
        );
        assert_eq!(
            record_values(&f, "services")[0][1],
            ("account".into(), "CONTOSO\\svc-vmm".into())
        );
        let f = facts_of(
            "[{\"Name\": \"WinRM\", \"DisplayName\": \"Windows Remote Management\", \"Status\": 4, \"StartType\": 2}]",
        );
        assert_eq!(
            record_values(&f, "services")[0][1],
            ("state".into(), "Running".into())
        );
    }
    #[test]
    fn get_service_stays_a_service() {
        let f = facts_of(
            "[{\"Name\": \"vmms\", \"DisplayName\": \"Hyper-V Virtual Machine Management\", \"ServiceName\": \"vmms\", \"Status\": 4, \"StartType\": 2}]",
        );
        assert_eq!(keys(&f), ["services"]);
    }
}
