//! The network: adapters and their IP addresses, from `Get-NetAdapter`, `Get-NetIPAddress`,
//! or English `ipconfig /all` where those cmdlets are missing (Windows Server 2008 R2).

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command};
use super::read::{Obj, bool_of, int_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx, NodeKind};

static NICS_JSON: Collect = Collect::Run(Command::powershell(
    "Get-NetAdapter | Select-Object Name,InterfaceDescription,MacAddress,Status,ConnectorPresent,Virtual | ConvertTo-Json > netadapters.json",
    &["netadapters.json"],
));
static IP_JSON: Collect = Collect::Run(Command::powershell(
    "Get-NetIPAddress | Select-Object InterfaceAlias,IPAddress,PrefixLength,AddressFamily | ConvertTo-Json > ipaddresses.json",
    &["ipaddresses.json"],
));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::records(
            "nics",
            "Network adapters",
            &NICS_JSON,
            &["name", "description", "mac", "status", "physical"],
            1,
            "`Get-NetAdapter` objects (`Name`, `InterfaceDescription`, `MacAddress`, `Status`; `physical` from `ConnectorPresent`, which is what `Get-NetAdapter -Physical` selects [3P], else the opposite of `Virtual`); or the adapters of English `ipconfig /all` output (the header's name, `Description`, `Physical Address`; `status` is `Disconnected` when `Media State` is `Media disconnected`, else `Up`). Tunnel adapters are skipped, and `ipconfig` output in another language gives none.",
        ),
        FactDef::records(
            "ip_addresses",
            "IP addresses of the network interfaces",
            &IP_JSON,
            &["interface", "address", "prefix_length"],
            2,
            "`Get-NetIPAddress` objects (`InterfaceAlias`, `IPAddress` or `IPv4Address`/`IPv6Address`, `PrefixLength`); `ipconfig /all` (`IPv4 Address` with the `Subnet Mask` printed after it, `IPv6 Address`, `Link-local IPv6 Address`; ipconfig prints no IPv6 prefix length)",
        ),
    ],
    registry: &[],
    documents: &[(DocKind::Text, ipconfig)],
};

/// `Get-NetAdapter`. Its `Status` would also fit `Get-Service`, so it is tried before services.
pub(super) fn adapter(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, name)) = o
        .text("Name")
        .filter(|_| o.has("InterfaceDescription") && o.has("MacAddress"))
    else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    for (field, key) in [
        ("description", "InterfaceDescription"),
        ("mac", "MacAddress"),
        ("status", "Status"),
    ] {
        if let Some((n, v)) = o.text(key) {
            r.field(field, FactValue::Str(v), doc, n);
        }
    }
    let physical = o
        .get("ConnectorPresent")
        .and_then(|n| bool_of(doc, n).map(|b| (n, b)))
        .or_else(|| {
            o.get("Virtual")
                .and_then(|n| bool_of(doc, n).map(|b| (n, !b)))
        });
    if let Some((n, p)) = physical {
        r.field("physical", FactValue::Bool(p), doc, n);
    }
    facts.add_record("nics", r);
    true
}

/// `Get-NetIPAddress`: `IPAddress`, or `IPv4Address` and `IPv6Address` of which one is null.
pub(super) fn ip(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, interface)), Some(prefix)) = (o.text("InterfaceAlias"), o.get("PrefixLength"))
    else {
        return false;
    };
    let Some(address) = ["IPAddress", "IPv4Address", "IPv6Address"]
        .iter()
        .filter_map(|k| o.get(k))
        .find(|&a| str_of(doc, a).is_some())
    else {
        return false;
    };
    let prefix = int_of(doc, prefix).map(|p| (prefix, p));
    ip_address(facts, doc, (n, interface), address, prefix);
    true
}

/// `ipconfig /all`: its adapters and their addresses.
fn ipconfig(facts: &mut FactSet, doc: &Arc<Document>) {
    if let Some(adapters) = doc
        .child(Document::ROOT, "adapters")
        .filter(|&a| doc.kind(a) == NodeKind::Array)
    {
        for &adapter in doc.children(adapters) {
            ipconfig_adapter(facts, doc, adapter);
        }
    }
}

/// One adapter of `ipconfig /all`. Output in another language has no `type` and its labels
/// are not translated, so it gives nothing rather than a guess.
fn ipconfig_adapter(facts: &mut FactSet, doc: &Arc<Document>, adapter: NodeIdx) {
    let field = |k: &str| {
        doc.child(adapter, k)
            .and_then(|n| str_of(doc, n).map(|s| (n, s)))
    };
    let Some((_, kind)) = field("type") else {
        return;
    };
    // ISATAP, Teredo and 6to4 pseudo-interfaces are not network cards.
    if kind.eq_ignore_ascii_case("Tunnel adapter") {
        return;
    }
    let Some((name_node, name)) = field("name") else {
        return;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, name_node);
    if let Some((n, d)) = field("Description") {
        r.field("description", FactValue::Str(d), doc, n);
    }
    if let Some((n, mac)) = field("Physical Address") {
        r.field("mac", FactValue::Str(mac), doc, n);
    }
    // Get-NetAdapter's words: ipconfig prints only enabled adapters, and a media state only
    // for those without a link.
    let status = match field("Media State") {
        Some((n, s)) if s.eq_ignore_ascii_case("Media disconnected") => (n, "Disconnected"),
        Some((n, _)) => (n, "Up"),
        None => (name_node, "Up"),
    };
    r.field("status", FactValue::Str(status.1.into()), doc, status.0);
    facts.add_record("nics", r);
    ipconfig_addresses(facts, doc, adapter, name_node);
}

/// The addresses of one `ipconfig /all` adapter. The n-th IPv4 address goes with the n-th
/// subnet mask; ipconfig prints no IPv6 prefix length, so IPv6 records have none.
fn ipconfig_addresses(facts: &mut FactSet, doc: &Arc<Document>, adapter: NodeIdx, name: NodeIdx) {
    let Some(interface) = str_of(doc, name) else {
        return;
    };
    // A label printed once is a value, printed several times an array of them.
    let values = |label: &str| -> Vec<NodeIdx> {
        match doc.child(adapter, label) {
            Some(n) if doc.kind(n) == NodeKind::Array => doc.children(n).to_vec(),
            Some(n) => vec![n],
            None => Vec::new(),
        }
    };
    let masks = values("Subnet Mask");
    // Windows XP and 2003 say `IP Address`; APIPA addresses are `Autoconfiguration`.
    let v4 = [
        "IPv4 Address",
        "IP Address",
        "Autoconfiguration IPv4 Address",
    ]
    .iter()
    .flat_map(|l| values(l));
    for (i, address) in v4.enumerate() {
        let prefix = masks.get(i).and_then(|&m| {
            str_of(doc, m)
                .and_then(|s| prefix_of_mask(&s))
                .map(|p| (m, p))
        });
        ip_address(facts, doc, (name, interface.clone()), address, prefix);
    }
    for label in [
        "IPv6 Address",
        "Temporary IPv6 Address",
        "Link-local IPv6 Address",
    ] {
        for address in values(label) {
            ip_address(facts, doc, (name, interface.clone()), address, None);
        }
    }
}

/// `255.255.254.0` → 23; `None` for text that is not a contiguous IPv4 mask.
fn prefix_of_mask(mask: &str) -> Option<i64> {
    let bits = mask.parse::<std::net::Ipv4Addr>().ok().map(u32::from)?;
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(i64::from(bits.leading_ones()))
}

fn ip_address(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    (interface_node, interface): (NodeIdx, ImmutableString),
    address: NodeIdx,
    prefix: Option<(NodeIdx, i64)>,
) {
    let Some(text) = str_of(doc, address) else {
        return;
    };
    let mut r = Record::default();
    r.field("interface", FactValue::Str(interface), doc, interface_node);
    r.field("address", FactValue::Str(text), doc, address);
    if let Some((n, p)) = prefix {
        r.field("prefix_length", FactValue::Int(p), doc, n);
    }
    facts.add_record("ip_addresses", r);
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;
    use super::prefix_of_mask;

    #[test]
    fn ip_addresses_from_get_netipaddress_and_ipconfig() {
        let f = facts_of(
            "[{\"InterfaceAlias\": \"vEthernet (External)\", \"IPAddress\": \"10.1.2.3\", \"PrefixLength\": 23, \"AddressFamily\": 2}, {\"InterfaceAlias\": \"Loopback\", \"IPv4Address\": null, \"IPv6Address\": \"::1\", \"PrefixLength\": 128}]",
        );
        assert_eq!(
            record_values(&f, "ip_addresses"),
            vec![
                pairs(&[
                    ("interface", "vEthernet (External)"),
                    ("address", "10.1.2.3"),
                    ("prefix_length", "23"),
                ]),
                pairs(&[
                    ("interface", "Loopback"),
                    ("address", "::1"),
                    ("prefix_length", "128"),
                ]),
            ]
        );
        let f = facts_of(concat!(
            "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : HV01\r\n\r\n",
            "Ethernet adapter Management:\r\n\r\n",
            "   Description . . . . . . . . . . . : Hyper-V Virtual Ethernet Adapter\r\n",
            "   Physical Address. . . . . . . . . : 00-15-5D-01-02-03\r\n",
            "   Link-local IPv6 Address . . . . . : fe80::1234:5678:9abc:def0%4(Preferred)\r\n",
            "   IPv4 Address. . . . . . . . . . . : 10.20.30.40(Preferred)\r\n",
            "   Subnet Mask . . . . . . . . . . . : 255.255.254.0\r\n",
            "   IPv4 Address. . . . . . . . . . . : 10.20.30.41(Preferred)\r\n",
            "   Subnet Mask . . . . . . . . . . . : 255.0.255.0\r\n",
        ));
        assert_eq!(
            record_values(&f, "ip_addresses"),
            vec![
                pairs(&[
                    ("interface", "Management"),
                    ("address", "10.20.30.40"),
                    ("prefix_length", "23"),
                ]),
                // Not a contiguous mask: no prefix rather than a wrong one.
                pairs(&[("interface", "Management"), ("address", "10.20.30.41")]),
                pairs(&[
                    ("interface", "Management"),
                    ("address", "fe80::1234:5678:9abc:def0%4"),
                ]),
            ]
        );
    }
    #[test]
    fn prefix_lengths_of_subnet_masks() {
        assert_eq!(prefix_of_mask("255.255.255.0"), Some(24));
        assert_eq!(prefix_of_mask("0.0.0.0"), Some(0));
        assert_eq!(prefix_of_mask("255.255.255.255"), Some(32));
        assert_eq!(prefix_of_mask("255.0.255.0"), None);
        assert_eq!(prefix_of_mask("255.255.255"), None);
    }
    const GET_NETADAPTER: &str = "[\r\n    {\r\n        \"Name\":  \"Ethernet0\",\r\n        \"InterfaceDescription\":  \"Contoso Virtual NIC\",\r\n        \"MacAddress\":  \"00-15-5D-0A-1B-2C\",\r\n        \"Status\":  \"Up\"\r\n    },\r\n    {\r\n        \"Name\":  \"Wi-Fi\",\r\n        \"InterfaceDescription\":  \"Contoso Wireless\",\r\n        \"MacAddress\":  \"3C-A9-F4-00-11-22\",\r\n        \"Status\":  \"Disconnected\"\r\n    }\r\n]\r\n";
    const IPCONFIG_ALL: &str = "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : HV07\r\n   Primary Dns Suffix  . . . . . . . : fabrikam.test\r\n\r\nEthernet adapter Ethernet0:\r\n\r\n   Connection-specific DNS Suffix  . :\r\n   Description . . . . . . . . . . . : Contoso Virtual NIC\r\n   Physical Address. . . . . . . . . : 00-15-5D-0A-1B-2C\r\n   DHCP Enabled. . . . . . . . . . . : No\r\n   IPv4 Address. . . . . . . . . . . : 10.20.30.40(Preferred)\r\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n\r\nWireless LAN adapter Wi-Fi:\r\n\r\n   Media State . . . . . . . . . . . : Media disconnected\r\n   Connection-specific DNS Suffix  . :\r\n   Description . . . . . . . . . . . : Contoso Wireless\r\n   Physical Address. . . . . . . . . : 3C-A9-F4-00-11-22\r\n\r\nTunnel adapter isatap.{00000000-1111-2222-3333-444444444444}:\r\n\r\n   Media State . . . . . . . . . . . : Media disconnected\r\n   Description . . . . . . . . . . . : Microsoft ISATAP Adapter\r\n   Physical Address. . . . . . . . . : 00-00-00-00-00-00-00-E0\r\n";
    #[test]
    fn nics_from_get_netadapter_and_ipconfig_are_the_same_records() {
        let expected = vec![
            pairs(&[
                ("name", "Ethernet0"),
                ("description", "Contoso Virtual NIC"),
                ("mac", "00-15-5D-0A-1B-2C"),
                ("status", "Up"),
            ]),
            pairs(&[
                ("name", "Wi-Fi"),
                ("description", "Contoso Wireless"),
                ("mac", "3C-A9-F4-00-11-22"),
                ("status", "Disconnected"),
            ]),
        ];
        let f = facts_of(GET_NETADAPTER);
        assert_eq!(record_values(&f, "nics"), expected);
        assert_eq!(keys(&f), ["nics"], "Status must not make it a service");

        let f = facts_of(IPCONFIG_ALL);
        assert_eq!(record_values(&f, "nics"), expected, "the tunnel is skipped");
        assert_eq!(keys(&f), ["ip_addresses", "nics"]);

        let mut both = facts_of(GET_NETADAPTER);
        add(&mut both, 1, IPCONFIG_ALL);
        assert_eq!(record_values(&both, "nics"), expected);
    }
    #[test]
    fn ipconfig_in_another_language_gives_no_nics() {
        let f = facts_of(
            "\r\nWindows-IP-Konfiguration\r\n\r\n   Hostname  . . . . . . . . . . . . : PC-DE01\r\n\r\nEthernet-Adapter Ethernet:\r\n\r\n   Beschreibung. . . . . . . . . . . : Contoso Virtual NIC\r\n   Physische Adresse . . . . . . . . : 00-15-5D-0A-1B-2C\r\n   IPv4-Adresse  . . . . . . . . . . : 192.0.2.20(Bevorzugt)\r\n",
        );
        assert!(f.is_empty(), "{:?}", keys(&f));
    }
}
