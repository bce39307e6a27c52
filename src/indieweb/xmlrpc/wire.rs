//! XML-RPC on the wire: reading a method call (size cap, well-formedness, the `dxr` crate's
//! types) and writing the answer, which is always HTTP 200 and `text/xml`, a fault included.

use std::borrow::Cow;

use dxr::{FaultResponse, MethodCall, MethodResponse, Value};
use poem::http::header;
use poem::{Body, Request, Response};
use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::media::process::MAX_UPLOAD_BYTES;

/// The largest request read. Images arrive base64-encoded inside the XML: the media cap of
/// 25 MB becomes about 33.4 MB, plus line breaks some clients add every 76 characters and the
/// post around it.
pub const MAX_REQUEST_BYTES: usize = MAX_UPLOAD_BYTES / 3 * 4 + MAX_UPLOAD_BYTES / 16 + (1 << 20);

/// A fault: WordPress's HTTP-like codes for the application's refusals, which clients know,
/// and the interoperability codes (-32xxx) for protocol errors.
#[derive(Debug, PartialEq, Eq)]
pub struct Fault {
    pub code: i32,
    pub message: String,
}

impl Fault {
    fn new(code: i32, message: impl Into<String>) -> Fault {
        Fault {
            code,
            message: message.into(),
        }
    }

    /// The body is not well-formed XML.
    pub fn not_xml(detail: impl std::fmt::Display) -> Fault {
        Fault::new(-32700, format!("Parse error: not well formed ({detail})."))
    }

    /// Well-formed XML, but not an XML-RPC method call.
    pub fn not_xmlrpc(detail: &str) -> Fault {
        Fault::new(-32600, format!("Invalid XML-RPC: {detail}."))
    }

    pub fn unknown_method(name: &str) -> Fault {
        Fault::new(-32601, format!("Requested method {name} not found."))
    }

    pub fn params(detail: impl Into<String>) -> Fault {
        Fault::new(-32602, detail)
    }

    pub fn too_large() -> Fault {
        Fault::new(
            -32300,
            format!(
                "The request is too large ({} MB at most).",
                MAX_REQUEST_BYTES.div_ceil(1 << 20)
            ),
        )
    }

    pub fn login() -> Fault {
        Fault::new(403, "Incorrect username or password.")
    }

    /// The token is good but lacks what this call needs.
    pub fn not_allowed(detail: impl Into<String>) -> Fault {
        Fault::new(401, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Fault {
        Fault::new(404, detail)
    }

    /// The content cannot be saved as sent (a save's or an upload's message).
    pub fn refused(detail: impl Into<String>) -> Fault {
        Fault::new(400, detail)
    }
}

/// Anything the store or the file system fails at is the server's: logged, and a plain fault.
impl From<anyhow::Error> for Fault {
    fn from(e: anyhow::Error) -> Fault {
        tracing::error!(error = format!("{e:#}"), "xmlrpc: request failed");
        Fault::new(
            -32603,
            "Something went wrong on the server; the error was logged.",
        )
    }
}

/// One method call, its name trimmed.
#[derive(Debug)]
pub struct Call {
    pub name: String,
    pub params: Vec<Value>,
}

/// Reads the request body under the size cap, refusing early when it announces more.
pub async fn read(req: &Request, body: Body) -> Result<Call, Fault> {
    let announced = req
        .header(header::CONTENT_LENGTH)
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return Err(Fault::too_large());
    }
    let bytes = body
        .into_bytes_limit(MAX_REQUEST_BYTES)
        .await
        .map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => Fault::too_large(),
            e => Fault::new(-32300, format!("The request could not be read ({e}).")),
        })?;
    // An upload makes tens of megabytes of XML: read it off the async threads.
    tokio::task::spawn_blocking(move || parse(&bytes))
        .await
        .map_err(|e| Fault::from(anyhow::Error::from(e)))?
}

/// Parses a method call. The document is first read event by event, which checks that it is
/// well-formed and passes on scalars that `dxr` is stricter about than clients are (see
/// `write_scalar`); then `dxr` reads it. Its deserializer refuses nesting deeper than 128
/// elements (quick-xml's recursion limit), far beyond any blogging call, so a hostile document
/// cannot exhaust the stack.
pub fn parse(bytes: &[u8]) -> Result<Call, Fault> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Fault::new(-32701, "Unsupported encoding: send UTF-8."))?;
    // .NET's writers start UTF-8 with a byte order mark.
    let document = normalize(text.strip_prefix('\u{feff}').unwrap_or(text))?;
    // dxr's error repeats the whole document: say what was wrong instead.
    let call = MethodCall::from_xml(&document)
        .map_err(|_| Fault::not_xmlrpc("the body is not a methodCall of XML-RPC values"))?;
    Ok(Call {
        name: call.name.trim().to_string(),
        params: call.params,
    })
}

/// The document written again with its scalars in `dxr`'s form, comments and processing
/// instructions left out; anything not well-formed is refused.
fn normalize(text: &str) -> Result<String, Fault> {
    let mut reader = Reader::from_str(text);
    let mut out = Writer::new(Vec::with_capacity(text.len()));
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader.read_event().map_err(Fault::not_xml)?;
        let at_top = depth == 0;
        let written = match event {
            Event::Start(start) => {
                if at_top {
                    roots += 1;
                }
                if let Some(kind) = Scalar::named(start.name().as_ref()) {
                    let raw = reader.read_text(start.name()).map_err(Fault::not_xml)?;
                    let raw = raw.decode().map_err(Fault::not_xml)?;
                    write_scalar(&mut out, kind, &start, &raw)
                } else {
                    depth += 1;
                    out.write_event(Event::Start(start))
                }
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                out.write_event(Event::End(end))
            }
            Event::Empty(empty) => {
                if at_top {
                    roots += 1;
                }
                out.write_event(Event::Empty(empty))
            }
            Event::Text(t) if at_top => {
                if !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(Fault::not_xml("text outside the document element"));
                }
                Ok(())
            }
            Event::CData(_) | Event::GeneralRef(_) if at_top => {
                return Err(Fault::not_xml("text outside the document element"));
            }
            e @ (Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) | Event::Decl(_)) => {
                out.write_event(e)
            }
            // XML-RPC has no use for a DTD, and its entities could only be a way in.
            Event::DocType(_) => return Err(Fault::not_xmlrpc("a DTD is not allowed")),
            Event::Comment(_) | Event::PI(_) => Ok(()),
            Event::Eof => break,
        };
        written.map_err(|e| Fault::from(anyhow::Error::from(e)))?;
        if roots > 1 {
            return Err(Fault::not_xml("more than one document element"));
        }
    }
    if depth != 0 || roots == 0 {
        return Err(Fault::not_xml("the document ends early"));
    }
    String::from_utf8(out.into_inner()).map_err(|e| Fault::from(anyhow::Error::from(e)))
}

/// The typed scalars whose text `dxr` reads strictly.
#[derive(Clone, Copy)]
enum Scalar {
    Int,
    Double,
    Boolean,
    DateTime,
}

impl Scalar {
    fn named(name: &[u8]) -> Option<Scalar> {
        match name {
            b"i4" | b"int" => Some(Scalar::Int),
            b"double" => Some(Scalar::Double),
            b"boolean" => Some(Scalar::Boolean),
            b"dateTime.iso8601" => Some(Scalar::DateTime),
            _ => None,
        }
    }

    /// The text `dxr` accepts for this value, if it is one.
    fn canonical(self, text: &str) -> Option<String> {
        let t = text.trim();
        match self {
            Scalar::Int => t.parse::<i32>().ok().map(|n| n.to_string()),
            Scalar::Double => t
                .parse::<f64>()
                .ok()
                .filter(|d| d.is_finite())
                .map(|d| d.to_string()),
            Scalar::Boolean => match t.to_ascii_lowercase().as_str() {
                "1" | "true" => Some("1".into()),
                "0" | "false" => Some("0".into()),
                _ => None,
            },
            Scalar::DateTime => t.parse::<dxr::DateTime>().ok().map(|d| d.to_string()),
        }
    }
}

/// Writes a scalar in the form `dxr` reads, or — when the client wrote it another way, as
/// clients do (`true` for a boolean, a date with `Z` or dashes) — as a string, left for the
/// method's reader to understand or refuse with a parameter fault.
fn write_scalar(
    out: &mut Writer<Vec<u8>>,
    kind: Scalar,
    start: &BytesStart,
    raw: &str,
) -> std::io::Result<()> {
    let plain = quick_xml::escape::unescape(raw).ok();
    match plain.as_deref().and_then(|p| kind.canonical(p)) {
        Some(text) => {
            out.write_event(Event::Start(start.borrow()))?;
            out.write_event(Event::Text(BytesText::new(&text)))?;
            out.write_event(Event::End(start.to_end()))
        }
        None => {
            out.write_event(Event::Start(BytesStart::new("string")))?;
            out.write_event(Event::Text(BytesText::from_escaped(Cow::Borrowed(raw))))?;
            out.write_event(Event::End(BytesEnd::new("string")))
        }
    }
}

/// The HTTP answer: a value or a fault, always 200 and `text/xml`, as XML-RPC requires.
pub fn respond(answer: Result<Value, Fault>) -> Response {
    let xml = match answer {
        Ok(value) => MethodResponse { value }.to_xml(),
        Err(fault) => FaultResponse {
            fault: dxr::Fault::new(fault.code, fault.message),
        }
        .to_xml(),
    };
    let xml = xml.unwrap_or_else(|e| {
        tracing::error!(error = %e, "xmlrpc: could not write the answer");
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-32603</int></value></member><member><name>faultString</name><value><string>The answer could not be written.</string></value></member></struct></value></fault></methodResponse>".into()
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(params: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><methodCall><methodName>a.b</methodName>\
             <params>{params}</params></methodCall>"
        )
    }

    fn value(v: &str) -> String {
        call(&format!("<param><value>{v}</value></param>"))
    }

    #[test]
    fn reads_the_scalars_clients_write_loosely() {
        let c = parse(
            value(
                "<struct><member><name>a</name><value><boolean>true</boolean></value></member>\
                 <member><name>b</name><value><dateTime.iso8601>20260102T03:04:05Z</dateTime.iso8601></value></member>\
                 <member><name>c</name><value><dateTime.iso8601> 20260102T03:04:05 </dateTime.iso8601></value></member>\
                 <member><name>d</name><value><int> 7 </int></value></member>\
                 <member><name>e</name><value><boolean>maybe</boolean></value></member></struct>",
            )
            .as_bytes(),
        )
        .unwrap();
        let Value::Struct(s) = &c.params[0] else {
            panic!("{c:?}")
        };
        assert_eq!(s["a"], Value::Boolean(true));
        assert_eq!(s["b"], Value::String("20260102T03:04:05Z".into()));
        assert_eq!(
            s["c"],
            Value::DateTime("20260102T03:04:05".parse().unwrap())
        );
        assert_eq!(s["d"], Value::Integer(7));
        assert_eq!(s["e"], Value::String("maybe".into()));
    }

    #[test]
    fn keeps_escaped_text_and_cdata_as_sent() {
        let c = parse(
            call(
                "<param><value><string>a &amp; &lt;b&gt;</string></value></param>\
                 <param><value><![CDATA[<img src=\"x\">]]></value></param>",
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(c.name, "a.b");
        assert_eq!(
            parse(format!("\u{feff}{}", call("")).as_bytes())
                .unwrap()
                .params,
            vec![]
        );
        assert_eq!(
            c.params,
            vec![
                Value::String("a & <b>".into()),
                Value::String("<img src=\"x\">".into())
            ]
        );
    }

    #[test]
    fn tells_malformed_xml_from_xml_that_is_not_xmlrpc() {
        for bad in [
            "",
            "hello",
            "<methodCall><methodName>a</methodName>",
            "<methodCall></methodName></methodCall>",
            "<a/><b/>",
            "<methodCall/>trailing",
        ] {
            assert_eq!(parse(bad.as_bytes()).unwrap_err().code, -32700, "{bad:?}");
        }
        for wrong in [
            "<methodResponse/>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><methodCall><methodName>a</methodName></methodCall>",
            &value("<foo>1</foo>"),
        ] {
            assert_eq!(
                parse(wrong.as_bytes()).unwrap_err().code,
                -32600,
                "{wrong:?}"
            );
        }
        assert_eq!(parse(b"<a>\xff</a>").unwrap_err().code, -32701);
    }

    #[test]
    fn refuses_nesting_deeper_than_any_call_needs() {
        let deep = format!(
            "{}{}",
            "<value><array><data>".repeat(10_000),
            "</data></array></value>".repeat(10_000)
        );
        let fault = parse(call(&format!("<param>{deep}</param>")).as_bytes()).unwrap_err();
        assert_eq!(fault.code, -32600);
    }
}
