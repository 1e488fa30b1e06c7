//! Security settings that decide whether servers can still talk after an upgrade or a
//! migration: the TLS and SSL protocols SChannel allows, the servers CredSSP may delegate
//! credentials to, who may launch COM servers remotely (`MachineLaunchRestriction`), all from
//! registry exports; and the Windows Firewall rules, from the firewall's COM API or
//! `Get-NetFirewallRule`.

use std::sync::Arc;

use super::collect::{Collect, Command};
use super::read::{Obj, RegKey, bool_of, enum_name, int_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx, Scalar};

static SCHANNEL_REG: Collect = Collect::Run(Command::any_shell(
    r#"reg export "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL" schannel.reg"#,
    &["schannel.reg"],
));
static CREDSSP_REG: Collect = Collect::Run(Command::any_shell(
    r#"reg export "HKLM\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation" credssp.reg"#,
    &["credssp.reg"],
));

static OLE_REG: Collect = Collect::Run(Command::any_shell(
    r#"reg export "HKLM\SOFTWARE\Microsoft\Ole" ole.reg"#,
    &["ole.reg"],
));
static FIREWALL_RULES: Collect = Collect::Run(Command::powershell(
    "(New-Object -ComObject HNetCfg.FwPolicy2).Rules | Select-Object Name,Enabled,Direction,Profiles,Grouping | Export-Clixml firewall-rules.xml",
    &["firewall-rules.xml"],
));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::flag(
            "ole.machine_launch_restriction",
            "Whether COM launch permissions were customised (HKLM\\SOFTWARE\\Microsoft\\Ole MachineLaunchRestriction is set)",
            &OLE_REG,
            r"`true` when the `HKLM\SOFTWARE\Microsoft\Ole` export has a `MachineLaunchRestriction` value, `false` when the key is exported without it",
        ),
        FactDef::records(
            "firewall.rules",
            "Windows Firewall rules",
            &FIREWALL_RULES,
            &["name", "enabled", "direction", "group"],
            0,
            "rules of the firewall's COM API (`HNetCfg.FwPolicy2`: `Name`, `Enabled`, `Direction` 1 inbound / 2 outbound, `Profiles`, `Grouping`) or `Get-NetFirewallRule` objects (`DisplayName`, `Enabled`, `Direction`, `DisplayGroup`). Rule names repeat (one rule per profile), so records are not merged by name",
        ),
        FactDef::records(
            "tls.protocols",
            "SChannel protocol settings (TLS and SSL versions a computer turned on or off)",
            &SCHANNEL_REG,
            &["protocol", "side", "enabled", "disabled_by_default"],
            2,
            r"`SCHANNEL\Protocols\<protocol>\<Client|Server>`: `Enabled` and `DisabledByDefault` (a key without either gives no record: the Windows default applies)",
        ),
        FactDef::records(
            "credssp.delegation",
            "Servers the computer may delegate credentials to with CredSSP (CredentialsDelegation policies)",
            &CREDSSP_REG,
            &["policy", "target", "enabled"],
            2,
            r"each value of a policy subkey (`AllowFreshCredentials\1 = WSMAN/*`); `enabled` is the policy's switch of the same name on the parent key",
        ),
    ],
    registry: &[schannel_protocols, credssp_delegation, ole],
    documents: &[],
};

const OLE_KEY: &str = r"hklm\software\microsoft\ole";

/// `HKLM\SOFTWARE\Microsoft\Ole`: whether `MachineLaunchRestriction` is set. Without it,
/// Windows' default launch permissions apply, which is an answer too.
fn ole(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    for k in keys.iter().filter(|k| k.normalized == OLE_KEY) {
        match doc.child(k.node, "MachineLaunchRestriction") {
            Some(v) => facts.offer(
                "ole.machine_launch_restriction",
                FactValue::Bool(true),
                doc,
                v,
            ),
            None => facts.offer(
                "ole.machine_launch_restriction",
                FactValue::Bool(false),
                doc,
                k.node,
            ),
        }
    }
}

/// `Get-NetFirewallRule` `Direction` by number, and the firewall COM API's (`NET_FW_RULE_DIR`).
const NET_FIREWALL_DIRECTIONS: &[(i64, &str)] = &[(1, "Inbound"), (2, "Outbound")];

/// A Windows Firewall rule: from the firewall's COM API (`HNetCfg.FwPolicy2` rules: `Name`,
/// `Enabled` a bool, `Direction` 1 in / 2 out, `Grouping`), which Windows Server 2008 R2 has,
/// or `Get-NetFirewallRule` (`DisplayName`, `Enabled` "True"/"False", `Direction`,
/// `DisplayGroup`).
pub(super) fn firewall_rule(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some(enabled), Some(direction)) = (o.get("Enabled"), o.get("Direction")) else {
        return false;
    };
    let com = o.has("Grouping") && o.has("Profiles");
    let cmdlet = o.has("DisplayName") && (o.has("DisplayGroup") || o.has("Profile"));
    if !(com || cmdlet) {
        return false;
    }
    let Some((n, name)) = (if com {
        o.text("Name")
    } else {
        o.text("DisplayName")
    }) else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(b) = bool_of(doc, enabled).or_else(|| {
        // Get-NetFirewallRule's Enabled is an enum: 1 True, 2 False.
        match doc.scalar(enabled) {
            Scalar::Int(2) => Some(false),
            _ => None,
        }
    }) {
        r.field("enabled", FactValue::Bool(b), doc, enabled);
    }
    if let Some(d) = enum_name(doc, direction, NET_FIREWALL_DIRECTIONS) {
        r.field("direction", FactValue::Str(d), doc, direction);
    }
    let group = if com { "Grouping" } else { "DisplayGroup" };
    if let Some((n, g)) = o.text(group) {
        r.field("group", FactValue::Str(g), doc, n);
    }
    facts.add_record("firewall.rules", r);
    true
}

const SCHANNEL_PROTOCOLS_KEY: &str =
    r"hklm\system\currentcontrolset\control\securityproviders\schannel\protocols\";
const CREDSSP_POLICY_KEY: &str = r"hklm\software\policies\microsoft\windows\credentialsdelegation";

/// `SCHANNEL\Protocols\<protocol>\<Client|Server>` keys that set `Enabled` or
/// `DisabledByDefault`. A key written twice (hardening scripts do) is read as `reg import`
/// applies it: the later value wins.
fn schannel_protocols(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    type Setting = Option<(NodeIdx, bool)>;
    let mut protocols: Vec<(String, String, NodeIdx, Setting, Setting)> = Vec::new();
    for k in keys {
        let (key, name) = (k.node, k.written);
        let Some(rest) = k.normalized.strip_prefix(SCHANNEL_PROTOCOLS_KEY) else {
            continue;
        };
        let Some((protocol, _)) = rest.split_once('\\').filter(|(_, s)| !s.contains('\\')) else {
            continue;
        };
        // The names as written (`TLS 1.2`, `Server`), from the original key path.
        let written = &name[name.len() - rest.len()..];
        let (protocol, side) = written.split_at(protocol.len());
        let side = &side[1..];
        let flag = |v: &str| {
            doc.child(key, v)
                .and_then(|n| int_of(doc, n).map(|i| (n, i != 0)))
        };
        let (enabled, disabled) = (flag("Enabled"), flag("DisabledByDefault"));
        match protocols
            .iter_mut()
            .find(|p| p.0.eq_ignore_ascii_case(protocol) && p.1.eq_ignore_ascii_case(side))
        {
            Some(p) => {
                p.3 = enabled.or(p.3);
                p.4 = disabled.or(p.4);
            }
            None => protocols.push((protocol.to_owned(), side.to_owned(), key, enabled, disabled)),
        }
    }
    for (protocol, side, key, enabled, disabled) in protocols {
        if enabled.is_none() && disabled.is_none() {
            continue;
        }
        let mut r = Record::default();
        r.field("protocol", FactValue::Str(protocol.into()), doc, key);
        r.field("side", FactValue::Str(side.into()), doc, key);
        if let Some((n, b)) = enabled {
            r.field("enabled", FactValue::Bool(b), doc, n);
        }
        if let Some((n, b)) = disabled {
            r.field("disabled_by_default", FactValue::Bool(b), doc, n);
        }
        facts.add_record("tls.protocols", r);
    }
}

/// The servers a computer may delegate credentials to (CredSSP, as WinRM `-Authentication
/// CredSSP` and Hyper-V remote management use it): one record per listed server of each
/// `CredentialsDelegation` policy, with the policy's switch when the export has it.
fn credssp_delegation(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    for k in keys {
        let (key, name) = (k.node, k.written);
        let Some(policy) = k
            .normalized
            .strip_prefix(CREDSSP_POLICY_KEY)
            .and_then(|p| p.strip_prefix('\\'))
            .filter(|p| !p.is_empty() && !p.contains('\\'))
        else {
            continue;
        };
        let policy = &name[name.len() - policy.len()..];
        let switch = keys
            .iter()
            .rev()
            .filter(|p| p.normalized == CREDSSP_POLICY_KEY)
            .find_map(|p| {
                let n = doc.child(p.node, policy)?;
                int_of(doc, n).map(|i| (n, i != 0))
            });
        for &value in doc.children(key) {
            let Some(target) = str_of(doc, value) else {
                continue;
            };
            let mut r = Record::default();
            r.field("policy", FactValue::Str(policy.into()), doc, key);
            r.field("target", FactValue::Str(target), doc, value);
            if let Some((n, on)) = switch {
                r.field("enabled", FactValue::Bool(on), doc, n);
            }
            facts.add_record("credssp.delegation", r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

    #[test]
    fn schannel_protocols_take_the_later_of_two_sections_for_one_key() {
        let f = facts_of(concat!(
            "Windows Registry Editor Version 5.00\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0]\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\r\n",
            "\"Enabled\"=dword:00000001\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\r\n",
            "[HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server]\r\n",
            "\"Enabled\"=dword:ffffffff\r\n\"DisabledByDefault\"=dword:00000000\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\tls 1.0\\server]\r\n",
            "\"Enabled\"=dword:00000000\r\n\"DisabledByDefault\"=dword:00000001\r\n",
        ));
        // The empty TLS 1.2 Client key leaves the Windows default: no record.
        assert_eq!(
            record_values(&f, "tls.protocols"),
            vec![
                pairs(&[
                    ("protocol", "TLS 1.0"),
                    ("side", "Server"),
                    ("enabled", "false"),
                    ("disabled_by_default", "true"),
                ]),
                pairs(&[
                    ("protocol", "TLS 1.2"),
                    ("side", "Server"),
                    ("enabled", "true"),
                    ("disabled_by_default", "false"),
                ]),
            ]
        );
    }
    #[test]
    fn credssp_delegation_lists_each_server_with_its_policy_switch() {
        let f = facts_of(concat!(
            "Windows Registry Editor Version 5.00\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation]\r\n",
            "\"AllowFreshCredentials\"=dword:00000001\r\n\"AllowSavedCredentials\"=dword:00000000\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowFreshCredentials]\r\n",
            "\"1\"=\"WSMAN/hv01.contoso.local\"\r\n\"2\"=\"WSMAN/*.contoso.local\"\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowSavedCredentials]\r\n",
            "\"1\"=\"TERMSRV/*\"\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowDefaultCredentials]\r\n",
            "\"1\"=\"\"\r\n",
        ));
        assert_eq!(
            record_values(&f, "credssp.delegation"),
            vec![
                pairs(&[
                    ("policy", "AllowFreshCredentials"),
                    ("target", "WSMAN/hv01.contoso.local"),
                    ("enabled", "true"),
                ]),
                pairs(&[
                    ("policy", "AllowFreshCredentials"),
                    ("target", "WSMAN/*.contoso.local"),
                    ("enabled", "true"),
                ]),
                pairs(&[
                    ("policy", "AllowSavedCredentials"),
                    ("target", "TERMSRV/*"),
                    ("enabled", "false"),
                ]),
            ]
        );
    }
}
