//! Micropub updates: `replace`, `add` and `delete` applied to a post's properties. The shape is
//! checked whole before anything changes.

use serde_json::{Map, Value};

use super::invalid;
use super::request::Props;
use crate::error::Failure;

/// Applies an update request (the JSON body) to `props`.
pub fn apply(props: &mut Props, body: &Map<String, Value>) -> Result<(), Failure> {
    let replace = body.get("replace");
    let add = body.get("add");
    let delete = body.get("delete");
    if replace.is_none() && add.is_none() && delete.is_none() {
        return Err(invalid("An update needs replace, add or delete."));
    }
    let replace = object_of_arrays(replace, "replace")?;
    let add = object_of_arrays(add, "add")?;
    let delete = match delete {
        None => Deletion::Nothing,
        Some(Value::Array(names)) => Deletion::Properties(
            names
                .iter()
                .map(|n| n.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("delete must list property names."))?,
        ),
        Some(v @ Value::Object(_)) => Deletion::Values(object_of_arrays(Some(v), "delete")?),
        Some(_) => {
            return Err(invalid(
                "delete must be an array of property names or an object of values.",
            ));
        }
    };
    for (name, values) in replace {
        props.insert(name, values);
    }
    for (name, values) in add {
        props.entry(name).or_default().extend(values);
    }
    match delete {
        Deletion::Nothing => {}
        Deletion::Properties(names) => {
            for name in names {
                props.remove(&name);
            }
        }
        Deletion::Values(values) => {
            for (name, gone) in values {
                if let Some(kept) = props.get_mut(&name) {
                    kept.retain(|v| !gone.contains(v));
                    if kept.is_empty() {
                        props.remove(&name);
                    }
                }
            }
        }
    }
    Ok(())
}

enum Deletion {
    Nothing,
    Properties(Vec<String>),
    Values(Props),
}

fn object_of_arrays(v: Option<&Value>, what: &str) -> Result<Props, Failure> {
    let Some(v) = v else {
        return Ok(Props::new());
    };
    let Value::Object(map) = v else {
        return Err(invalid(format!("{what} must be an object.")));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::Array(values) => Ok((k.clone(), values.clone())),
            _ => Err(invalid(format!("{what}.{k} must be an array of values."))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Props {
        serde_json::from_value(v).unwrap()
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn replaces_adds_and_deletes_as_the_specification_shows() {
        let mut p = props(json!({"content": ["old"], "category": ["test1"]}));
        apply(&mut p, &body(json!({"replace": {"content": ["new"]}}))).unwrap();
        assert_eq!(p["content"], vec![json!("new")]);
        apply(
            &mut p,
            &body(json!({"add": {"category": ["test2"], "syndication": ["https://x.example/1"]}})),
        )
        .unwrap();
        assert_eq!(p["category"], vec![json!("test1"), json!("test2")]);
        apply(&mut p, &body(json!({"delete": {"category": ["test2"]}}))).unwrap();
        assert_eq!(p["category"], vec![json!("test1")]);
        apply(&mut p, &body(json!({"delete": ["category"]}))).unwrap();
        assert!(!p.contains_key("category"));
    }

    #[test]
    fn refuses_a_malformed_update_and_changes_nothing() {
        let original = props(json!({"content": ["keep"]}));
        for bad in [
            json!({"replace": "This is not a valid update request."}),
            json!({"replace": {"content": "not an array"}}),
            json!({"add": ["x"]}),
            json!({"delete": "category"}),
            json!({"delete": [1, 2]}),
            json!({}),
        ] {
            let mut p = original.clone();
            let err = apply(&mut p, &body(bad.clone())).unwrap_err();
            assert_eq!(err.code(), Some("invalid_request"), "{bad}");
            assert_eq!(p, original, "{bad}");
        }
    }
}
