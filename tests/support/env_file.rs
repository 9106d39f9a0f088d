//! Reading the env file `mcpform export --env-file` writes (`NAME='value'` lines in
//! POSIX shell quoting, `#` comments), as `set -a; . ./FILE; set +a` would.

/// The variables of an env file, in file order.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if rest.starts_with('#') || rest.starts_with('\n') {
            rest = rest.split_once('\n').map_or("", |(_, tail)| tail);
            continue;
        }
        let (name, tail) = rest.split_once("='").expect("a NAME='value' line");
        let mut value = String::new();
        let mut tail = tail;
        loop {
            let close = tail.find('\'').expect("a closing quote");
            value.push_str(&tail[..close]);
            tail = &tail[close + 1..];
            match tail.strip_prefix("\\''") {
                Some(t) => {
                    value.push('\'');
                    tail = t;
                }
                None => break,
            }
        }
        out.push((name.to_owned(), value));
        rest = tail.strip_prefix('\n').unwrap_or(tail);
    }
    out
}

#[test]
fn quotes_and_line_breaks_come_back() {
    let vars = parse("# c\nA='it'\\''s'\nB='x\ny'\n");
    assert_eq!(
        vars,
        [
            ("A".to_owned(), "it's".to_owned()),
            ("B".to_owned(), "x\ny".to_owned())
        ]
    );
}
