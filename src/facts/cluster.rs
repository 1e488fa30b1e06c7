//! Failover clustering: whether a computer is a node of a failover cluster, and the cluster's
//! nodes, from the FailoverClusters module's `Get-Cluster` and `Get-ClusterNode` (Windows
//! Server 2008 R2 and later) or WMI's `MSCluster_Cluster`.

use std::sync::Arc;

use super::collect::{Collect, Command};
use super::read::{Obj, enum_name, has_type};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx};

static CLUSTER: Collect = Collect::Run(
    Command::powershell(
        "Import-Module FailoverClusters; Get-Cluster | Select-Object Name,Domain,SharedVolumesRoot | Export-Clixml cluster.xml; Get-ClusterNode | Select-Object Name,NodeName,State | Export-Clixml cluster-nodes.xml",
        &["cluster.xml", "cluster-nodes.xml"],
    )
    .note("on a computer that is not a cluster node the commands fail or find no module, and the services export (ClusSvc) tells instead"),
);

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::text(
            "cluster.name",
            "Name of the failover cluster the computer is a node of",
            &CLUSTER,
            "`Get-Cluster` objects (`Name`, with `Domain` and `SharedVolumesRoot`, or the `Cluster` type name), or `MSCluster_Cluster` objects (`Name`)",
        ),
        FactDef::records(
            "cluster.nodes",
            "Nodes of the failover cluster",
            &CLUSTER,
            &["name", "state"],
            1,
            "`Get-ClusterNode` objects (`Name`, `State` as a name or `ClusterNodeState` number: 0 `Up`, 1 `Down`, 2 `Paused`, 3 `Joining`)",
        ),
    ],
    registry: &[],
    documents: &[],
};

/// `Get-Cluster`, or WMI's `MSCluster_Cluster`.
pub(super) fn cluster(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, name)) = o.text("Name") else {
        return false;
    };
    let get_cluster = has_type(doc, obj, "FailoverClusters.PowerShell.Cluster")
        || (o.has("Domain") && o.has("SharedVolumesRoot"));
    let wmi = o
        .text("__CLASS")
        .is_some_and(|(_, c)| c.eq_ignore_ascii_case("MSCluster_Cluster"));
    if !(get_cluster || wmi) {
        return false;
    }
    facts.offer("cluster.name", FactValue::Str(name), doc, n);
    true
}

/// `Microsoft.FailoverClusters.PowerShell.ClusterNodeState` by number.
const NODE_STATES: &[(i64, &str)] = &[(0, "Up"), (1, "Down"), (2, "Paused"), (3, "Joining")];

/// `Get-ClusterNode`.
pub(super) fn node(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), Some(state)) = (o.text("Name"), o.get("State")) else {
        return false;
    };
    if !(has_type(doc, obj, "FailoverClusters.PowerShell.ClusterNode") || o.has("NodeName")) {
        return false;
    }
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(s) = enum_name(doc, state, NODE_STATES) {
        r.field("state", FactValue::Str(s), doc, state);
    }
    facts.add_record("cluster.nodes", r);
    true
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

    #[test]
    fn a_cluster_and_its_nodes_from_get_cluster() {
        let f = facts_of(concat!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n",
            "  <Obj RefId=\"0\">\r\n    <TN RefId=\"0\">\r\n      <T>Selected.Microsoft.FailoverClusters.PowerShell.Cluster</T>\r\n      <T>System.Management.Automation.PSCustomObject</T>\r\n      <T>System.Object</T>\r\n    </TN>\r\n",
            "    <MS>\r\n      <S N=\"Name\">HVCLU01</S>\r\n      <S N=\"Domain\">contoso.com</S>\r\n      <S N=\"SharedVolumesRoot\">C:\\ClusterStorage</S>\r\n    </MS>\r\n  </Obj>\r\n</Objs>"
        ));
        assert_eq!(keys(&f), ["cluster.name"]);
        let f = facts_of(
            "[{\"Name\": \"HV01\", \"NodeName\": \"HV01\", \"State\": 0}, {\"Name\": \"HV03\", \"NodeName\": \"HV03\", \"State\": 2}]",
        );
        assert_eq!(
            record_values(&f, "cluster.nodes"),
            vec![
                pairs(&[("name", "HV01"), ("state", "Up")]),
                pairs(&[("name", "HV03"), ("state", "Paused")])
            ]
        );
    }

    #[test]
    fn a_computer_with_a_name_and_a_domain_is_no_cluster() {
        let f = facts_of("{\"Name\": \"HV01\", \"Domain\": \"contoso.com\"}");
        assert!(!keys(&f).contains(&"cluster.name"));
    }
}
