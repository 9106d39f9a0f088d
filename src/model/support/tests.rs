//! The support table's own consistency, and the facts of the three tested proxies.

use super::*;
use crate::model::server_field;
use serde_json::json;

#[test]
fn every_row_names_a_server_field_once_with_ordered_versions() {
    let mut seen = std::collections::HashSet::new();
    for r in fields() {
        assert!(server_field(r.field).is_some(), "{}", r.field);
        assert!(seen.insert(r.field), "{} twice", r.field);
        assert!(r.last_without < r.since, "{}", r.field);
        assert!(r.older.windows(2).all(|w| w[0].0 > w[1].0), "{}", r.field);
        assert_eq!(r.older.last().map(|s| s.0), Some(ANY), "{}", r.field);
        assert!(r.older.iter().all(|s| s.0 < r.since), "{}", r.field);
    }
    for r in BEHAVIOURS {
        assert!(r.last_without < r.since);
        assert_eq!(r.behaviour.support(), r);
    }
}

#[test]
fn the_three_tested_proxies() {
    let old = ProxyVersion::new(1, 87, 5);
    let reference = ProxyVersion::new(1, 108, 7);
    for f in fields() {
        assert_eq!(reference.lacks(f.field), None, "{}", f.field);
    }
    let lacking: Vec<(&str, Older)> = fields()
        .filter_map(|f| Some((f.field, old.lacks(f.field)?)))
        .collect();
    assert!(lacking.contains(&("rpm", Older::Dropped)));
    assert!(lacking.contains(&("tool_name_to_display_name", Older::Unlisted)));
    assert!(lacking.contains(&("source_url", Older::Unlisted)));
    assert!(lacking.contains(&("oauth2_flow", Older::Refused)));
    assert!(
        !lacking
            .iter()
            .any(|(f, _)| *f == "is_byok" || *f == "instructions")
    );
    assert!(!old.has(Behaviour::PartialUpdate) && !old.has(Behaviour::AdminCredentialList));
    assert!(old.has(Behaviour::ReadinessDetails) && old.has(Behaviour::Byok));
    assert!(BEHAVIOURS.iter().all(|b| NEWEST_CHECKED.has(b.behaviour)));
    // The reference lacks only what came after it, which the newest has.
    let after: Vec<Behaviour> = BEHAVIOURS
        .iter()
        .filter(|b| !reference.has(b.behaviour))
        .map(|b| b.behaviour)
        .collect();
    assert_eq!(
        after,
        [
            Behaviour::TeamBoundAdminScoped,
            Behaviour::SkipToolOutputValidation
        ]
    );
    assert!(reference.has(Behaviour::UserMcpCeiling) && !old.has(Behaviour::UserMcpCeiling));
    assert_eq!(old.lacks("description"), None);
}

#[test]
fn stages_and_boundaries() {
    let flow = field_support("oauth2_flow").unwrap();
    assert_eq!(flow.at(v(1, 82, 1)), Some(Older::Dropped));
    assert_eq!(flow.at(v(1, 85, 0)), Some(Older::Refused));
    assert_eq!(flow.at(v(1, 88, 6)), Some(Older::Refused));
    assert_eq!(flow.at(v(1, 89, 0)), Some(Older::Unlisted));
    assert_eq!(flow.at(v(1, 93, 0)), None);
    assert_eq!(
        field_support("rpm").unwrap().at(v(1, 105, 7)),
        Some(Older::Dropped)
    );
    assert_eq!(field_support("rpm").unwrap().at(v(1, 106, 0)), None);
}

#[test]
fn absent_values_are_what_a_proxy_without_the_field_behaves_like() {
    let rpm = field_support("rpm").unwrap();
    assert!(rpm.is_absent(&Value::Null) && !rpm.is_absent(&json!(0)));
    let env = field_support("env_vars").unwrap();
    assert!(env.is_absent(&json!([])) && !env.is_absent(&json!([{"name": "A"}])));
    let maps = field_support("tool_name_to_description").unwrap();
    assert!(maps.is_absent(&json!({})) && !maps.is_absent(&json!({"a": "b"})));
    let public = field_support("available_on_public_internet").unwrap();
    assert!(public.is_absent(&json!(true)) && !public.is_absent(&json!(false)));
    let bridge = field_support("dcr_bridge").unwrap();
    assert!(bridge.is_absent(&json!(false)) && !bridge.is_absent(&json!(true)));
}

#[test]
fn problems_name_the_field_the_version_and_the_first_version() {
    let old = v(1, 87, 5);
    let text = field_support("rpm").unwrap().problem(old, Older::Dropped);
    assert!(text.contains("`rpm`") && text.contains("`1.87.5`") && text.contains("`1.106.0`"));
    let text = field_support("oauth2_flow")
        .unwrap()
        .problem(old, Older::Refused);
    assert!(text.contains("500") && text.contains("`1.93.0`"), "{text}");
}
