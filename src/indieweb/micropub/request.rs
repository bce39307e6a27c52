//! A Micropub request in whichever form it came (form-encoded, multipart, JSON), read into one
//! shape: the action, the target URL, the properties (each a list of values, as in mf2 JSON),
//! the `mp-*` commands, uploaded files, and a token sent in the body.

use std::collections::BTreeMap;
use std::path::Path;

use poem::http::header;
use poem::web::Multipart;
use poem::{Body, FromRequest, Request, RequestBody};
use serde_json::Value;

use crate::forms::{self, multipart, multipart::UploadedFile};
use crate::media::process::MAX_UPLOAD_BYTES;

use super::invalid;
use crate::error::Failure;

/// Properties as mf2 JSON has them: a name and its values.
pub type Props = BTreeMap<String, Vec<Value>>;

/// The largest form or JSON body: a long post; files come by multipart or the media endpoint.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Default)]
pub struct Parsed {
    pub action: Option<String>,
    pub url: Option<String>,
    /// The object type without `h-` (`entry`).
    pub h: Option<String>,
    pub props: Props,
    /// `mp-*` commands (not stored as properties).
    pub commands: Props,
    pub files: Vec<UploadedFile>,
    pub body_token: Option<String>,
    /// The JSON body, for updates (replace / add / delete).
    pub json: Option<Value>,
}

/// Reads the request body by its content type; files wait in `dir`.
pub async fn read(req: &Request, body: Body, dir: &Path) -> Result<Parsed, Failure> {
    let content_type = req
        .header(header::CONTENT_TYPE)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        let bytes = read_bytes(body).await?;
        let json: Value = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(format!("The body is not valid JSON: {e}")))?;
        from_json(json)
    } else if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(req, &mut RequestBody::new(body))
            .await
            .map_err(|e| invalid(format!("The multipart body could not be read: {e}")))?;
        let form = multipart::read(multipart, dir, MAX_UPLOAD_BYTES as u64)
            .await
            .map_err(|e| Failure::new(e.status(), e.to_string()).with_code("invalid_request"))?;
        let mut parsed = from_pairs(form.fields);
        parsed.files = form.files;
        Ok(parsed)
    } else if content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.is_empty()
    {
        let bytes = read_bytes(body).await?;
        let pairs = forms::pairs(&bytes).map_err(|e| invalid(e.to_string()))?;
        Ok(from_pairs(pairs))
    } else {
        Err(invalid(format!(
            "Send application/x-www-form-urlencoded, multipart/form-data or application/json, not {content_type}."
        )))
    }
}

async fn read_bytes(body: Body) -> Result<Vec<u8>, Failure> {
    body.into_bytes_limit(MAX_BODY_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| {
            Failure::new(
                poem::http::StatusCode::PAYLOAD_TOO_LARGE,
                "The request is too large.",
            )
            .with_code("invalid_request")
        })
}

/// Form fields: `name[]` and `name` both add a value; reserved names are taken out.
pub fn from_pairs(pairs: Vec<(String, String)>) -> Parsed {
    let mut parsed = Parsed::default();
    for (key, value) in pairs {
        let key = key.strip_suffix("[]").unwrap_or(&key).to_string();
        match key.as_str() {
            "access_token" => parsed.body_token = Some(value),
            "h" => parsed.h = Some(value),
            "action" => parsed.action = Some(value),
            "url" => parsed.url = Some(value),
            k if k.starts_with("mp-") => parsed
                .commands
                .entry(key)
                .or_default()
                .push(Value::String(value)),
            _ => parsed
                .props
                .entry(key)
                .or_default()
                .push(Value::String(value)),
        }
    }
    parsed
}

/// A JSON body: an action on a URL, or `{type, properties}` to create.
pub fn from_json(json: Value) -> Result<Parsed, Failure> {
    let Value::Object(map) = &json else {
        return Err(invalid("The JSON body must be an object."));
    };
    let mut parsed = Parsed {
        action: map.get("action").and_then(Value::as_str).map(String::from),
        url: map.get("url").and_then(Value::as_str).map(String::from),
        ..Parsed::default()
    };
    if parsed.action.is_none() {
        let kind = map
            .get("type")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("A JSON create needs \"type\": [\"h-entry\"]."))?;
        parsed.h = Some(kind.trim_start_matches("h-").to_string());
        let Some(Value::Object(props)) = map.get("properties") else {
            return Err(invalid("A JSON create needs a \"properties\" object."));
        };
        for (key, values) in props {
            let Value::Array(values) = values else {
                return Err(invalid(format!(
                    "Property \"{key}\" must be an array of values."
                )));
            };
            if key.starts_with("mp-") {
                parsed.commands.insert(key.clone(), values.clone());
            } else if key != "access_token" {
                parsed.props.insert(key.clone(), values.clone());
            }
        }
    }
    parsed.json = Some(json);
    Ok(parsed)
}

/// The first value of a property as text (a string, or an object's `value`).
pub fn first_text(props: &Props, name: &str) -> Option<String> {
    props.get(name)?.iter().find_map(text_of)
}

pub fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("value").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_become_properties_and_reserved_names_are_taken_out() {
        let parsed = from_pairs(vec![
            ("h".into(), "entry".into()),
            ("content".into(), "hello".into()),
            ("category[]".into(), "a".into()),
            ("category[]".into(), "b".into()),
            ("access_token".into(), "secret".into()),
            ("mp-slug".into(), "my-post".into()),
        ]);
        assert_eq!(parsed.h.as_deref(), Some("entry"));
        assert_eq!(
            parsed.props["category"],
            vec![Value::from("a"), Value::from("b")]
        );
        assert_eq!(parsed.body_token.as_deref(), Some("secret"));
        assert!(!parsed.props.contains_key("access_token"));
        assert_eq!(parsed.commands["mp-slug"], vec![Value::from("my-post")]);
    }

    #[test]
    fn json_creates_need_arrays() {
        let ok = from_json(serde_json::json!({
            "type": ["h-entry"], "properties": {"content": ["hi"], "mp-slug": ["x"]}
        }))
        .unwrap();
        assert_eq!(first_text(&ok.props, "content").as_deref(), Some("hi"));
        assert!(ok.commands.contains_key("mp-slug"));
        assert!(
            from_json(serde_json::json!({"type": ["h-entry"], "properties": {"content": "hi"}}))
                .is_err()
        );
        assert!(from_json(serde_json::json!(["not", "an", "object"])).is_err());
    }
}
