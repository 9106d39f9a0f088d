//! The order of writes. Names and aliases are one namespace on the proxy, unique
//! ignoring case, so a plan is checked against the state it ends in, not today's:
//! renames and swaps work. Then each action learns what it waits for.
//!
//! ```text
//!   free_names          apply                          delete
//!   ──────────          ─────                          ──────
//!   deletes that free   creates and updates, each      other deletes
//!   a name; temporary   after the servers whose
//!   writes of a swap    write frees a name it takes
//! ```
//!
//! A cycle of renames (two servers swapping aliases) is broken by a temporary write in
//! the first phase: all but one member of the cycle first take a temporary name.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::{Action, ActionKind, Notice, Phase, Plan};
use crate::live::{LiveState, PendingServer};
use crate::model::cleared_on_auth_change;

/// Identifiers (lower case) a body gives its server.
fn idents(body: Option<&serde_json::Map<String, Value>>) -> Vec<(String, String)> {
    let Some(body) = body else {
        return Vec::new();
    };
    ["server_name", "alias"]
        .into_iter()
        .filter_map(|f| {
            let v = body.get(f)?.as_str()?;
            Some((f.to_owned(), v.to_owned()))
        })
        .collect()
}

/// Checks the final state for clashes, then sets `phase`, `order`, `after`,
/// `temp_names` and `writes` of every action, and sorts them by order.
pub(super) fn arrange(plan: &mut Plan, live: &LiveState, pending: &[PendingServer]) {
    let acting: HashMap<String, usize> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.server_id.clone(), i))
        .collect();
    // Who holds each identifier today.
    let mut now: HashMap<String, Vec<String>> = HashMap::new();
    for l in &live.servers {
        for n in [l.server_name(), l.alias()].into_iter().flatten() {
            let holders = now.entry(n.to_lowercase()).or_default();
            if !holders.iter().any(|h| h == l.server_id()) {
                holders.push(l.server_id().to_owned());
            }
        }
    }
    check_final_state(plan, live, &acting, pending, &now);
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); plan.actions.len()];
    for (i, a) in plan.actions.iter().enumerate() {
        if a.action == ActionKind::Delete {
            continue;
        }
        for (_, name) in idents(a.body.as_ref()) {
            for holder in now.get(&name.to_lowercase()).into_iter().flatten() {
                if holder != &a.server_id
                    && let Some(&j) = acting.get(holder)
                    && !after[i].contains(&j)
                {
                    after[i].push(j);
                }
            }
        }
    }
    for deps in &after {
        for &j in deps {
            if plan.actions[j].action == ActionKind::Delete {
                plan.actions[j].phase = Phase::FreeNames;
            }
        }
    }
    let temped = break_cycles(plan, &after, &now);
    let order = execution_order(plan, &after, &temped);
    for (position, &i) in order.iter().enumerate() {
        plan.actions[i].order = position;
    }
    for (i, deps) in after.iter().enumerate() {
        let mut ids: Vec<String> = deps
            .iter()
            .map(|&j| plan.actions[j].server_id.clone())
            .collect();
        ids.sort();
        let a = &mut plan.actions[i];
        a.after = ids;
        // A create writes its ownership proof in a second write (see `ownership`).
        a.writes = 1
            + u8::from(a.temp_names.is_some())
            + u8::from(a.restores_oauth)
            + u8::from(a.action == ActionKind::Create);
    }
    plan.actions.sort_by_key(|a| a.order);
}

/// Errors for every identifier two servers would share after the plan. A clash that
/// exists on the proxy already and that the plan does not touch is not the plan's.
fn check_final_state(
    plan: &mut Plan,
    live: &LiveState,
    acting: &HashMap<String, usize>,
    pending: &[PendingServer],
    now: &HashMap<String, Vec<String>>,
) {
    // identifier → (owner id, shown name, action index when planned)
    let mut owners: HashMap<String, Vec<(String, String, Option<usize>)>> = HashMap::new();
    let mut claim = |name: &str, id: &str, shown: &str, action: Option<usize>| {
        let entry = owners.entry(name.to_lowercase()).or_default();
        if !entry.iter().any(|(o, _, _)| o == id) {
            entry.push((id.to_owned(), shown.to_owned(), action));
        }
    };
    for l in &live.servers {
        if acting.contains_key(l.server_id()) {
            continue;
        }
        for n in [l.server_name(), l.alias()].into_iter().flatten() {
            claim(n, l.server_id(), l.display_name(), None);
        }
    }
    for (i, a) in plan.actions.iter().enumerate() {
        for (_, n) in idents(a.body.as_ref()) {
            claim(&n, &a.server_id, &a.server_name, Some(i));
        }
    }
    for p in pending {
        for n in [p.server_name.as_deref(), p.alias.as_deref()]
            .into_iter()
            .flatten()
        {
            claim(n, &format!("pending:{}", p.server_id), n, None);
        }
    }
    let mut errors = Vec::new();
    let mut names: Vec<&String> = owners.keys().collect();
    names.sort();
    for name in names {
        let list = &owners[name];
        if list.len() < 2 {
            continue;
        }
        for (id, _, action) in list {
            let Some(i) = action else { continue };
            let holds_today = now.get(name).is_some_and(|h| h.contains(id));
            if holds_today
                && list
                    .iter()
                    .all(|(o, _, _)| now.get(name).is_some_and(|h| h.contains(o)))
            {
                continue;
            }
            let (other_id, other_name, _) =
                list.iter().find(|(o, _, _)| o != id).expect("two owners");
            let a = &plan.actions[*i];
            errors.push(Notice {
                server: Some(a.server_name.clone()),
                message: format!(
                    "`{name}` would be a name or alias of both this server and `{other_name}` (server_id `{}`) after this plan; the proxy keeps names and aliases unique, ignoring case",
                    other_id.trim_start_matches("pending:")
                ),
                origin: a.origin.clone(),
                source: None,
            });
        }
    }
    plan.errors.extend(errors);
}

/// Gives temporary names to all but one member of every cycle of renames, so that the
/// rest can run in dependency order. Returns the members given one.
fn break_cycles(
    plan: &mut Plan,
    after: &[Vec<usize>],
    now: &HashMap<String, Vec<String>>,
) -> HashSet<usize> {
    let mut temped = HashSet::new();
    let mut taken: HashSet<String> = now.keys().cloned().collect();
    for a in &plan.actions {
        for (_, n) in idents(a.body.as_ref()) {
            taken.insert(n.to_lowercase());
        }
    }
    for scc in strongly_connected(after) {
        if scc.len() < 2 {
            continue;
        }
        for &i in scc.iter().skip(1) {
            let a = &plan.actions[i];
            let mut temp = BTreeMap::new();
            for (field, n) in idents(a.body.as_ref()) {
                let held_by_other = now
                    .get(&n.to_lowercase())
                    .is_some_and(|h| h.iter().any(|id| id != &a.server_id));
                if held_by_other {
                    let t = temp_name(&n, &taken);
                    taken.insert(t.to_lowercase());
                    temp.insert(field, t);
                }
            }
            if !temp.is_empty() {
                let names: Vec<String> = temp
                    .iter()
                    .map(|(field, name)| format!("{field} `{name}`"))
                    .collect();
                plan.actions[i].notes.push(format!(
                    "first takes the temporary {} (a swap: what it takes is freed by a server that takes what it has), then its own",
                    names.join(" and ")
                ));
                plan.actions[i].temp_names = Some(temp);
                temped.insert(i);
            }
        }
    }
    temped
}

/// `<name>_mcpform_tmp` (cut to the proxy's 128 characters), numbered until free.
fn temp_name(name: &str, taken: &HashSet<String>) -> String {
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            "_mcpform_tmp".to_owned()
        } else {
            format!("_mcpform_tmp{n}")
        };
        let keep = 128usize.saturating_sub(suffix.len());
        let base: String = name.chars().take(keep).collect();
        let candidate = format!("{base}{suffix}");
        if !taken.contains(&candidate.to_lowercase()) {
            return candidate;
        }
        n += 1;
    }
}

/// Tarjan's strongly connected components of the `after` graph, each in action order.
fn strongly_connected(after: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct Walk<'a> {
        after: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(w: &mut Walk<'_>, v: usize) {
        w.index[v] = Some(w.next);
        w.low[v] = w.next;
        w.next += 1;
        w.stack.push(v);
        w.on_stack[v] = true;
        for &u in &w.after[v] {
            match w.index[u] {
                None => {
                    visit(w, u);
                    w.low[v] = w.low[v].min(w.low[u]);
                }
                Some(iu) if w.on_stack[u] => w.low[v] = w.low[v].min(iu),
                Some(_) => {}
            }
        }
        if Some(w.low[v]) == w.index[v] {
            let mut scc = Vec::new();
            while let Some(u) = w.stack.pop() {
                w.on_stack[u] = false;
                scc.push(u);
                if u == v {
                    break;
                }
            }
            scc.sort_unstable();
            w.out.push(scc);
        }
    }
    let n = after.len();
    let mut w = Walk {
        after,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if w.index[v].is_none() {
            visit(&mut w, v);
        }
    }
    w.out
}

/// Actions by phase; within `apply`, each after what it waits for (edges to members
/// with a temporary write are met in the first phase), ties in plan order.
fn execution_order(plan: &Plan, after: &[Vec<usize>], temped: &HashSet<usize>) -> Vec<usize> {
    let n = plan.actions.len();
    let phase_of = |i: usize| plan.actions[i].phase;
    let mut order: Vec<usize> = (0..n)
        .filter(|&i| phase_of(i) == Phase::FreeNames)
        .collect();
    let apply: Vec<usize> = (0..n).filter(|&i| phase_of(i) == Phase::Apply).collect();
    let waits = |i: usize| {
        after[i]
            .iter()
            .copied()
            .filter(|j| phase_of(*j) == Phase::Apply && !temped.contains(j))
            .collect::<Vec<_>>()
    };
    let mut done: HashSet<usize> = HashSet::new();
    let mut remaining = apply;
    while !remaining.is_empty() {
        let ready: Vec<usize> = remaining
            .iter()
            .copied()
            .filter(|&i| waits(i).iter().all(|j| done.contains(j)))
            .collect();
        // Cycles are broken above; should one remain, plan order keeps it finite.
        let next = if ready.is_empty() {
            vec![remaining[0]]
        } else {
            ready
        };
        for i in &next {
            done.insert(*i);
            order.push(*i);
        }
        remaining.retain(|i| !done.contains(i));
    }
    order.extend((0..n).filter(|&i| phase_of(i) == Phase::Delete));
    order
}

/// Whether an update needs a second write: it changes `url`, `issuer` or the auth class
/// while the body sets OAuth fields the proxy clears in that same request unless they
/// change too.
pub(super) fn restores_oauth(a: &Action) -> bool {
    let changes_flow = a
        .changes
        .iter()
        .any(|c| matches!(c.field.as_str(), "url" | "issuer" | "auth_type"));
    changes_flow
        && a.body.as_ref().is_some_and(|b| {
            cleared_on_auth_change().any(|f| b.get(f).is_some_and(|v| !v.is_null()))
        })
}
