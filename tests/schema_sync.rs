//! The committed schema must equal what the model generates.
//! Regenerate with: UPDATE_SCHEMA=1 cargo test --test schema_sync

#[test]
fn committed_schema_matches_the_model() {
    let generated = serde_json::to_string_pretty(&mcpform::schema::generated()).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/mcpform.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
    assert!(
        committed == generated,
        "schema drift: the model and schemas/mcpform.schema.json disagree; run UPDATE_SCHEMA=1 cargo test --test schema_sync"
    );
}
