//! Turning text into pages: Markdown to sanitized HTML, and the template environment.

pub mod markdown;
pub mod nesting;
pub mod sanitize;
pub mod templates;
pub mod text;
pub mod time;

pub use templates::Templates;

/// Escapes text for an HTML element or a quoted attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds a template context like minijinja's `context!`, but takes any `Serialize` value
/// (minijinja's own macro wants `Into<Value>`, which our view structs do not implement):
/// `ctx! { site, meta, posts => list }`.
#[macro_export]
macro_rules! ctx {
    ($($key:ident $(=> $value:expr)?),* $(,)?) => {{
        let mut map = std::collections::BTreeMap::<&'static str, minijinja::Value>::new();
        $(
            map.insert(
                stringify!($key),
                minijinja::Value::from(minijinja::value::Serde(&$crate::ctx!(@value $key $(, $value)?))),
            );
        )*
        minijinja::Value::from(minijinja::value::Serde(&map))
    }};
    (@value $key:ident) => { $key };
    (@value $key:ident, $value:expr) => { $value };
}
