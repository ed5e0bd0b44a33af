//! Evaluating a parsed restriction against one item.

use super::{Expr, Field, Op, Value};

/// Whether an item matches; `get` gives the item's value of a field (`None`: unset).
pub fn eval(expr: &Expr, get: &dyn Fn(Field) -> Option<Value>) -> bool {
    match expr {
        Expr::And(all) => all.iter().all(|e| eval(e, get)),
        Expr::Or(any) => any.iter().any(|e| eval(e, get)),
        Expr::Not(e) => !eval(e, get),
        Expr::Exists(f) => match get(*f) {
            None => false,
            Some(Value::Text(v)) => v.iter().any(|s| !s.is_empty()),
            Some(_) => true,
        },
        Expr::Compare(op, f, constant) => get(*f).is_some_and(|v| compare(*op, &v, constant)),
        Expr::Contains {
            field,
            constant,
            mode,
            ignore_case,
        } => match get(*field) {
            Some(Value::Text(values)) => values
                .iter()
                .any(|v| contains(v, constant, mode, *ignore_case)),
            _ => false,
        },
    }
}

fn ordering(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
    }
}

fn compare(op: Op, value: &Value, constant: &str) -> bool {
    match value {
        Value::Bool(b) => {
            let c = matches!(constant.trim().to_ascii_lowercase().as_str(), "true" | "1");
            ordering(op, b.cmp(&c))
        }
        Value::Date(t) => {
            crate::mime::parse_datetime(constant).is_some_and(|c| ordering(op, t.cmp(&c)))
        }
        Value::Int(i) => constant
            .trim()
            .parse::<i64>()
            .is_ok_and(|c| ordering(op, i.cmp(&c))),
        Value::Text(values) => {
            let c = constant.to_lowercase();
            let mut each = values.iter().map(|v| v.to_lowercase().cmp(&c));
            if op == Op::Ne {
                each.all(|o| o != std::cmp::Ordering::Equal)
            } else {
                each.any(|o| ordering(op, o))
            }
        }
    }
}

/// Contains with Exchange's ContainmentMode.
pub fn contains(value: &str, constant: &str, mode: &str, ignore_case: bool) -> bool {
    let (v, c) = if ignore_case {
        (value.to_lowercase(), constant.to_lowercase())
    } else {
        (value.to_string(), constant.to_string())
    };
    let word_start = |i: usize| {
        i == 0
            || !v[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
    };
    let word_end =
        |j: usize| j == v.len() || !v[j..].chars().next().is_some_and(char::is_alphanumeric);
    match mode {
        "FullString" => v == c,
        "Prefixed" => v.starts_with(&c),
        "Substring" => v.contains(&c),
        "PrefixOnWords" => v.match_indices(&c).any(|(i, _)| word_start(i)),
        "ExactPhrase" => v
            .match_indices(&c)
            .any(|(i, m)| word_start(i) && word_end(i + m.len())),
        _ => v.contains(&c),
    }
}
