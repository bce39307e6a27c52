//! Reading a call's positional parameters and struct members into Rust values, each refusal a
//! parameter fault that names what was wrong, and writing Porch's values back as XML-RPC ones.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use dxr::Value;

use crate::store::ids::{CategoryId, PostId};

use super::wire::Fault;

pub type Struct = BTreeMap<String, Value>;

/// Dates before this are refused: no post is older than the Unix epoch, and later years keep
/// to the four digits XML-RPC dates have.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// A call's parameters, by position. `<nil/>` reads as absent.
pub struct Params(Vec<Value>);

impl Params {
    pub fn new(values: Vec<Value>) -> Params {
        Params(values)
    }

    /// Checks that there are `min` to `max` parameters.
    pub fn count(&self, min: usize, max: usize) -> Result<(), Fault> {
        let n = self.0.len();
        if n < min || n > max {
            let expected = if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            };
            return Err(Fault::params(format!(
                "Invalid method parameters: {n} given, {expected} expected."
            )));
        }
        Ok(())
    }

    fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !matches!(v, Value::Nil))
    }

    fn wrong(i: usize, what: &str) -> Fault {
        Fault::params(format!("Parameter {} must be {what}.", i + 1))
    }

    pub fn string(&self, i: usize) -> Result<String, Fault> {
        match self.get(i) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Integer(n)) => Ok(n.to_string()),
            _ => Err(Params::wrong(i, "a string")),
        }
    }

    /// A post or page id, which clients send as a string or an int. A string that is no
    /// number names no post.
    pub fn id(&self, i: usize) -> Result<PostId, Fault> {
        match self.get(i) {
            Some(Value::Integer(n)) => Ok(PostId(i64::from(*n))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(PostId)
                .map_err(|_| Fault::not_found("Invalid post ID.")),
            _ => Err(Params::wrong(i, "a post id")),
        }
    }

    /// A boolean, or None when it was left out.
    pub fn boolean(&self, i: usize) -> Result<Option<bool>, Fault> {
        self.get(i)
            .map(|v| boolean(v).ok_or_else(|| Params::wrong(i, "a boolean")))
            .transpose()
    }

    pub fn int_or(&self, i: usize, default: i64) -> Result<i64, Fault> {
        match self.get(i) {
            None => Ok(default),
            Some(Value::Integer(n)) => Ok(i64::from(*n)),
            Some(Value::String(s)) => s.trim().parse().map_err(|_| Params::wrong(i, "an int")),
            Some(_) => Err(Params::wrong(i, "an int")),
        }
    }

    pub fn structure(&self, i: usize) -> Result<&Struct, Fault> {
        match self.get(i) {
            Some(Value::Struct(s)) => Ok(s),
            _ => Err(Params::wrong(i, "a struct")),
        }
    }

    pub fn array(&self, i: usize) -> Result<&[Value], Fault> {
        match self.get(i) {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(Params::wrong(i, "an array")),
        }
    }
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Boolean(b) => Some(*b),
        Value::Integer(n) => Some(*n != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn member<'a>(s: &'a Struct, name: &str) -> Option<&'a Value> {
    s.get(name).filter(|v| !matches!(v, Value::Nil))
}

fn wrong_member(name: &str, what: &str) -> Fault {
    Fault::params(format!("The member {name} must be {what}."))
}

pub fn member_string(s: &Struct, name: &str) -> Result<Option<String>, Fault> {
    match member(s, name) {
        None => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone())),
        Some(Value::Integer(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(wrong_member(name, "a string")),
    }
}

/// A category id, which a client may send as an int or a string of digits.
pub fn member_id(s: &Struct, name: &str) -> Result<Option<CategoryId>, Fault> {
    match member(s, name) {
        None => Ok(None),
        Some(Value::Integer(n)) => Ok(Some(CategoryId(i64::from(*n)))),
        Some(Value::String(v)) => v
            .trim()
            .parse()
            .map(|n| Some(CategoryId(n)))
            .map_err(|_| wrong_member(name, "an id")),
        Some(_) => Err(wrong_member(name, "an id")),
    }
}

/// A list of strings; a lone string is a list of one.
pub fn member_strings(s: &Struct, name: &str) -> Result<Option<Vec<String>>, Fault> {
    match member(s, name) {
        None => Ok(None),
        Some(Value::String(v)) => Ok(Some(vec![v.clone()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(wrong_member(name, "an array of strings")),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(wrong_member(name, "an array of strings")),
    }
}

/// File contents: `<base64>`, or base64 text in a string as some clients send it.
pub fn member_bytes(s: &Struct, name: &str) -> Result<Option<Vec<u8>>, Fault> {
    match member(s, name) {
        None => Ok(None),
        Some(Value::Base64(b)) => Ok(Some(b.clone())),
        Some(Value::String(text)) => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(Some)
                .map_err(|_| wrong_member(name, "base64"))
        }
        Some(_) => Err(wrong_member(name, "base64")),
    }
}

/// How a date without a zone is read.
#[derive(Clone, Copy)]
pub enum Naive {
    Utc,
    In(Tz),
}

/// A date as Unix seconds. `dateTime.iso8601` has no zone, so `naive` says which one it is
/// in; the forms clients also send (a trailing `Z`, an offset, dashes) carry their own. An
/// empty string is no date.
pub fn member_date(s: &Struct, name: &str, naive: Naive) -> Result<Option<i64>, Fault> {
    let text = match member(s, name) {
        None => return Ok(None),
        Some(Value::DateTime(d)) => d.to_string(),
        Some(Value::String(t)) if t.trim().is_empty() => return Ok(None),
        Some(Value::String(t)) => t.trim().to_string(),
        Some(_) => return Err(wrong_member(name, "a date")),
    };
    parse_date(&text, naive)
        .filter(|t| YEARS.contains(&chrono::Datelike::year(&t.naive_utc())))
        .map(|t| Some(t.timestamp()))
        .ok_or_else(|| wrong_member(name, "a date such as 20260105T14:30:00"))
}

fn parse_date(text: &str, naive: Naive) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    for format in ["%Y%m%dT%H:%M:%S%z", "%Y%m%dT%H%M%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.to_utc());
        }
    }
    let (bare, zone) = match text.strip_suffix(['Z', 'z']) {
        Some(bare) => (bare, Naive::Utc),
        None => (text, naive),
    };
    let local = [
        "%Y%m%dT%H:%M:%S%.f",
        "%Y%m%dT%H%M%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())?;
    match zone {
        Naive::Utc => Some(local.and_utc()),
        // In the hour a clock skips the time does not exist; an hour later does.
        Naive::In(tz) => tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + TimeDelta::hours(1)))
                    .earliest()
            })
            .map(|t| t.to_utc()),
    }
}

/// A string for an answer, without the control characters XML 1.0 cannot carry.
pub fn text(s: &str) -> Value {
    Value::String(
        s.chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            .collect(),
    )
}

/// A time as a `dateTime.iso8601`, which has no zone: in `tz` (UTC for the `_gmt` members).
pub fn date(ts: i64, tz: Tz) -> Value {
    let local = crate::render::time::local(ts, tz)
        .naive_local()
        .format("%Y%m%dT%H:%M:%S")
        .to_string();
    match local.parse() {
        Ok(d) => Value::DateTime(d),
        Err(_) => Value::String(local),
    }
}

pub fn structure<'a>(members: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::Struct(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date_of(v: Value, naive: Naive) -> Result<Option<i64>, Fault> {
        let s: Struct = [("d".to_string(), v)].into();
        member_date(&s, "d", naive)
    }

    #[test]
    fn reads_dates_in_the_forms_clients_send() {
        let paris = Naive::In(chrono_tz::Europe::Paris);
        // 2026-01-05 13:30 UTC
        let want = Some(1_767_619_800);
        let dt = Value::DateTime("20260105T14:30:00".parse().unwrap());
        assert_eq!(date_of(dt.clone(), paris).unwrap(), want);
        assert_eq!(date_of(dt, Naive::Utc).unwrap(), Some(1_767_619_800 + 3600));
        for s in [
            "20260105T13:30:00Z",
            "2026-01-05T13:30:00Z",
            "2026-01-05T14:30:00+01:00",
            "20260105T14:30:00+0100",
            "2026-01-05T13:30:00.000Z",
        ] {
            assert_eq!(
                date_of(Value::String(s.into()), paris).unwrap(),
                want,
                "{s}"
            );
        }
        assert_eq!(date_of(Value::String("".into()), paris).unwrap(), None);
        assert_eq!(date_of(Value::Nil, paris).unwrap(), None);
        for bad in ["yesterday", "19000101T00:00:00", "20261305T00:00:00"] {
            assert_eq!(
                date_of(Value::String(bad.into()), paris).unwrap_err().code,
                -32602,
                "{bad}"
            );
        }
    }

    #[test]
    fn writes_dates_in_the_zone_asked() {
        assert_eq!(
            date(1_767_619_800, chrono_tz::Europe::Paris),
            Value::DateTime("20260105T14:30:00".parse().unwrap())
        );
        assert_eq!(
            date(1_767_619_800, Tz::UTC),
            Value::DateTime("20260105T13:30:00".parse().unwrap())
        );
    }

    #[test]
    fn answers_carry_no_control_characters() {
        assert_eq!(text("a\u{0}b\u{b}\tc\n"), Value::String("ab\tc\n".into()));
    }

    #[test]
    fn counts_and_types_of_parameters_are_checked() {
        let p = Params::new(vec![
            Value::String("7".into()),
            Value::Integer(3),
            Value::Struct(Struct::new()),
        ]);
        assert!(p.count(3, 3).is_ok());
        assert_eq!(p.count(4, 5).unwrap_err().code, -32602);
        assert_eq!(p.id(0).unwrap(), PostId(7));
        assert_eq!(p.id(1).unwrap(), PostId(3));
        assert_eq!(p.id(2).unwrap_err().code, -32602);
        assert_eq!(p.string(1).unwrap(), "3");
        assert_eq!(p.structure(0).unwrap_err().code, -32602);
        assert_eq!(p.boolean(5).unwrap(), None);
        assert_eq!(p.boolean(1).unwrap(), Some(true));
        let nan = Params::new(vec![Value::String("abc".into())]);
        assert_eq!(nan.id(0).unwrap_err().code, 404);
    }
}
