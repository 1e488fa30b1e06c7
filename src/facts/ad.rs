//! Active Directory objects, from `Get-ADObject`: the container of VMM's distributed key
//! management and the key objects in it.

use std::sync::Arc;

use super::collect::{Collect, Command, Role};
use super::read::Obj;
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx};

static AD_DKM: Collect = Collect::Run(Command::powershell(r#"Get-ADObject -SearchBase "CN=VMMDKM,DC=contoso,DC=local" -Filter * | Select-Object DistinguishedName,ObjectClass,Name | ConvertTo-Json > ad-dkm.json"#, &["ad-dkm.json"]).on(&[Role::VmmServer]).module("ActiveDirectory").note("the SearchBase is VMServer.ini's TopContainerName"));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[FactDef::records(
        "ad.objects",
        "Active Directory objects (the DKM container and its key objects)",
        &AD_DKM,
        &["dn", "class"],
        1,
        "`Get-ADObject` objects (`DistinguishedName`, `ObjectClass`)",
    )],
    registry: &[],
    documents: &[],
};

/// `Get-ADObject`.
pub(super) fn object(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, dn)), Some((cn, class))) = (o.text("DistinguishedName"), o.text("ObjectClass"))
    else {
        return false;
    };
    let mut r = Record::default();
    r.field("dn", FactValue::Str(dn), doc, n);
    r.field("class", FactValue::Str(class), doc, cn);
    facts.add_record("ad.objects", r);
    true
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

    #[test]
    fn dkm_container_from_get_adobject() {
        let f = facts_of(
            "[{\"DistinguishedName\": \"CN=VMMDKM,DC=contoso,DC=local\", \"ObjectClass\": \"container\", \"Name\": \"VMMDKM\"}]",
        );
        assert_eq!(
            record_values(&f, "ad.objects"),
            vec![pairs(&[
                ("dn", "CN=VMMDKM,DC=contoso,DC=local"),
                ("class", "container")
            ])]
        );
    }
}
