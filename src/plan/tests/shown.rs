//! How a plan shows values: numbers as the file wrote them.

use super::*;

/// `timeout: 30` is a float to the model and the proxy, but a plan shows the number as
/// the file wrote it, not `30.0`.
#[test]
fn a_whole_number_is_shown_as_the_file_wrote_it() {
    let d = desired(&format!("{S}    timeout: 30\n    rpm: 60\n"));
    let shown = |p: &Plan, field: &str| {
        let c = p.actions[0]
            .changes
            .iter()
            .find(|c| c.field == field)
            .unwrap();
        (
            crate::render::shown_text(&c.old),
            crate::render::shown_text(&c.new),
        )
    };
    let p = run(&d, &live(vec![]));
    assert_eq!(shown(&p, "timeout").1, "30");
    let p = run(&d, &live(vec![row(json!({"timeout": 12.5}))]));
    assert_eq!(shown(&p, "timeout"), ("12.5".to_owned(), "30".to_owned()));
    let p = run(
        &desired(&format!("{S}    timeout: 12.5\n")),
        &live(vec![row(json!({"timeout": 30.0}))]),
    );
    assert_eq!(shown(&p, "timeout"), ("30".to_owned(), "12.5".to_owned()));
    assert!(
        run(&d, &live(vec![row(json!({"timeout": 30.0, "rpm": 60}))]))
            .actions
            .is_empty()
    );
}
