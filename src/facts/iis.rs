//! IIS, which the App-V Management Web Service runs in: its application pools, from the
//! `IIS:` drive of the WebAdministration module or `Get-IISAppPool`.

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command, Role};
use super::read::{Obj, bool_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx, Scalar};

static IIS_APP_POOLS: Collect = Collect::Run(Command::powershell(r#"Import-Module WebAdministration; Get-ChildItem IIS:\AppPools | Select-Object name,managedRuntimeVersion,managedPipelineMode,enable32BitAppOnWin64,state,@{n='identityType';e={"$($_.processModel.identityType)"}},@{n='userName';e={$_.processModel.userName}} | ConvertTo-Json > iis-apppools.json"#, &["iis-apppools.json"]).on(&[Role::IisServer]).module("WebAdministration"));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[FactDef::records(
        "iis.app_pools",
        "IIS application pools (the App-V Management Web Service runs in one)",
        &IIS_APP_POOLS,
        &[
            "name",
            "runtime",
            "pipeline",
            "enable_32bit",
            "identity",
            "state",
        ],
        1,
        r"objects with `name` and `managedRuntimeVersion` and `managedPipelineMode` (`Get-Item IIS:\AppPools\...` whole, or `Get-IISAppPool` in PascalCase); `identity` is `userName` for a `SpecificUser` pool, else `identityType`; `runtime` is absent for a pool with no managed code. A password in the export is never read",
    )],
    registry: &[],
    documents: &[],
};

/// An IIS application pool: `Get-Item IIS:\AppPools\<name>` (camelCase configuration names)
/// or `Get-IISAppPool` (PascalCase).
pub(super) fn app_pool(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some(name) = o.text("name").or_else(|| o.text("Name")) else {
        return false;
    };
    if !((o.has("managedRuntimeVersion") || o.has("ManagedRuntimeVersion"))
        && (o.has("managedPipelineMode") || o.has("ManagedPipelineMode")))
    {
        return false;
    }
    iis_app_pool(facts, doc, obj, name);
    true
}

fn iis_app_pool(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    obj: NodeIdx,
    (n, name): (NodeIdx, ImmutableString),
) {
    // Both spellings: the WebAdministration provider and the IISAdministration module differ.
    let get = |node: NodeIdx, camel: &str| {
        let mut pascal = camel.to_owned();
        pascal[..1].make_ascii_uppercase();
        doc.child(node, camel).or_else(|| doc.child(node, &pascal))
    };
    let text =
        |node: NodeIdx, key: &str| get(node, key).and_then(|v| str_of(doc, v).map(|s| (v, s)));
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    // An empty runtime is "No Managed Code": no field.
    if let Some((v, runtime)) = text(obj, "managedRuntimeVersion") {
        r.field("runtime", FactValue::Str(runtime), doc, v);
    }
    if let Some((v, mode)) = get(obj, "managedPipelineMode").and_then(|v| {
        // Windows PowerShell 5.1 writes the enum as its number.
        match doc.scalar(v) {
            Scalar::Int(0) => Some((v, "Integrated".into())),
            Scalar::Int(1) => Some((v, "Classic".into())),
            _ => str_of(doc, v).map(|s| (v, s)),
        }
    }) {
        r.field("pipeline", FactValue::Str(mode), doc, v);
    }
    if let Some(v) = get(obj, "enable32BitAppOnWin64")
        && let Some(b) = bool_of(doc, v)
    {
        r.field("enable_32bit", FactValue::Bool(b), doc, v);
    }
    // The account the pool runs as: the user for SpecificUser, else the built-in identity.
    // The password next to it is never read.
    let model = get(obj, "processModel").unwrap_or(obj);
    let identity = text(model, "identityType").map(|(v, kind)| {
        match text(model, "userName").filter(|_| kind.eq_ignore_ascii_case("SpecificUser")) {
            Some(user) => user,
            None => (v, kind),
        }
    });
    if let Some((v, who)) = identity {
        r.field("identity", FactValue::Str(who), doc, v);
    }
    if let Some((v, state)) = text(obj, "state") {
        r.field("state", FactValue::Str(state), doc, v);
    }
    facts.add_record("iis.app_pools", r);
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

    #[test]
    fn iis_app_pools_from_the_iis_drive_and_from_get_iisapppool() {
        let f = facts_of(concat!(
            "[{\"name\": \"AppVMgmt\", \"managedRuntimeVersion\": \"v2.0\", \"managedPipelineMode\": 1, ",
            "\"enable32BitAppOnWin64\": false, \"state\": \"Started\", \"identityType\": \"SpecificUser\", ",
            "\"userName\": \"CONTOSO\\\\svc-appv\", \"password\": \"not-read\"}, ",
            "{\"name\": \"Static\", \"managedRuntimeVersion\": \"\", \"managedPipelineMode\": \"Integrated\", ",
            "\"processModel\": {\"identityType\": \"ApplicationPoolIdentity\", \"userName\": \"\"}}]"
        ));
        assert_eq!(
            record_values(&f, "iis.app_pools"),
            vec![
                pairs(&[
                    ("name", "AppVMgmt"),
                    ("runtime", "v2.0"),
                    ("pipeline", "Classic"),
                    ("enable_32bit", "false"),
                    ("identity", "CONTOSO\\svc-appv"),
                    ("state", "Started"),
                ]),
                pairs(&[
                    ("name", "Static"),
                    ("pipeline", "Integrated"),
                    ("identity", "ApplicationPoolIdentity"),
                ]),
            ]
        );
        let f = facts_of(
            "{\"Name\": \"DefaultAppPool\", \"ManagedRuntimeVersion\": \"v4.0\", \"ManagedPipelineMode\": \"Integrated\", \"State\": \"Started\"}",
        );
        assert_eq!(
            record_values(&f, "iis.app_pools"),
            vec![pairs(&[
                ("name", "DefaultAppPool"),
                ("runtime", "v4.0"),
                ("pipeline", "Integrated"),
                ("state", "Started"),
            ])]
        );
    }
}
