//! XML-RPC on the wire: reading a method call (size cap, well-formedness, the `dxr` crate's
//! types) and writing the answer, which is always HTTP 200 and `text/xml`, a fault included.

use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::Path;

use dxr::{FaultResponse, MethodCall, MethodResponse, Value};
use poem::http::{StatusCode, header};
use poem::{Body, Request, Response};
use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::error::Failure;
use crate::forms::spool::{self, BodyError, Spooled};
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

    /// A body that could not be read: too large, or no slot free to read it.
    pub fn body(e: BodyError) -> Fault {
        match e {
            BodyError::TooLarge(_) => Fault::too_large(),
            e => Fault::new(-32300, e.to_string()),
        }
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

/// A failure of the rest of Porch (the publish path, a store) as XML-RPC tells it: by the code
/// WordPress would use for its status.
impl From<Failure> for Fault {
    fn from(f: Failure) -> Fault {
        f.log();
        let code = match f.status().as_u16() {
            status @ (400 | 401 | 403 | 404) => i32::from(status),
            413 => -32300,
            status if status >= 500 => -32603,
            _ => 400,
        };
        Fault::new(code, f.message())
    }
}

/// A fault carried through the publish path, as the failure it stands for.
impl From<Fault> for Failure {
    fn from(fault: Fault) -> Failure {
        let status = match fault.code {
            code @ (400 | 401 | 403 | 404) => {
                StatusCode::from_u16(code as u16).unwrap_or(StatusCode::BAD_REQUEST)
            }
            -32603 => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Failure::new(status, fault.message)
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

/// The largest call parsed whole before its username and password are checked: every call but
/// an upload or a very long post is smaller.
pub const MAX_UNCHECKED_BYTES: u64 = 64 * 1024;
/// How far into a call its username and password are looked for. They are among the first few
/// parameters, before any post or file.
const MAX_HEAD_BYTES: u64 = 64 * 1024;

/// Reads the request body under the size cap (refusing early when it announces more), into a
/// temporary file in `dir` if it is large.
pub async fn receive(req: &Request, body: Body, dir: &Path) -> Result<Spooled, Fault> {
    let announced = req
        .header(header::CONTENT_LENGTH)
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return Err(Fault::too_large());
    }
    spool::spool(body, dir, MAX_REQUEST_BYTES as u64)
        .await
        .map_err(Fault::body)
}

/// The start of a call: its method and its leading scalar parameters, up to the first struct or
/// array (where a post or a file begins).
#[derive(Debug)]
pub struct Head {
    pub name: String,
    pub params: Vec<Value>,
}

/// Reads only the start of a call (off the async threads, as the body may be a file).
pub async fn read_head(body: Spooled) -> Result<(Spooled, Head), Fault> {
    tokio::task::spawn_blocking(move || {
        let head = {
            let reader = body
                .reader()
                .map_err(|e| Fault::from(anyhow::Error::from(e)))?;
            head(reader.take(MAX_HEAD_BYTES))?
        };
        Ok((body, head))
    })
    .await
    .map_err(|e| Fault::from(anyhow::Error::from(e)))?
}

/// Reads a whole call (off the async threads: an upload makes tens of megabytes of XML).
pub async fn read_call(body: Spooled) -> Result<Call, Fault> {
    tokio::task::spawn_blocking(move || {
        let bytes = body
            .into_bytes()
            .map_err(|e| Fault::from(anyhow::Error::from(e)))?;
        parse(&bytes)
    })
    .await
    .map_err(|e| Fault::from(anyhow::Error::from(e)))?
}

/// Reads `<methodName>` and the scalar `<param>`s after it, event by event, stopping at the
/// first struct or array, at the end of the params, or where the reader ends. Scalars of any
/// type come back as their text.
pub fn head(reader: impl BufRead) -> Result<Head, Fault> {
    let mut reader = Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut head = Head {
        name: String::new(),
        params: Vec::new(),
    };
    let mut text = String::new();
    let mut typed: Option<String> = None;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            // Cut off mid-tag where the reading stopped: what came before is the head. The
            // whole call is checked later.
            Err(_) if !head.name.is_empty() => break,
            Err(e) => return Err(Fault::not_xml(e)),
        };
        match event {
            Event::Start(start) => {
                let name = start.name().as_ref().to_vec();
                // methodCall > params > param > value > (a type): deeper is a struct or array.
                if path.len() == 4 && matches!(name.as_slice(), b"struct" | b"array") {
                    break;
                }
                if path.len() >= 5 {
                    return Err(Fault::not_xmlrpc("a scalar value holds elements"));
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(Fault::not_xml)?),
            Event::CData(t) => text.push_str(&t.decode().map_err(Fault::not_xml)?),
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(Fault::not_xml)?;
                let resolved = match r.resolve_char_ref().map_err(Fault::not_xml)? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| Fault::not_xml(format!("unknown entity &{name};")))?
                        .to_string(),
                };
                text.push_str(&resolved);
            }
            Event::End(_) => {
                let closed = path.pop();
                match (path.as_slice(), closed.as_deref()) {
                    ([call], Some(b"methodName")) if call == b"methodCall" => {
                        head.name = text.trim().to_string();
                    }
                    // A value's text: its type element's, or its own when it has none (an
                    // untyped value is a string, spaces and all).
                    ([.., param], Some(b"value")) if param == b"param" => {
                        let value = typed.take().unwrap_or_else(|| std::mem::take(&mut text));
                        head.params.push(Value::String(value));
                    }
                    ([.., value], Some(_)) if value == b"value" => {
                        typed = Some(std::mem::take(&mut text));
                    }
                    ([call], Some(b"params")) if call == b"methodCall" => break,
                    _ => text.clear(),
                }
            }
            Event::Eof => break,
            // A DTD could only be a way in; a method name is needed either way.
            Event::DocType(_) => return Err(Fault::not_xmlrpc("a DTD is not allowed")),
            Event::Empty(_) | Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
        }
        buf.clear();
    }
    if head.name.is_empty() {
        return Err(Fault::not_xmlrpc("the call has no methodName"));
    }
    Ok(head)
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
    fn the_head_of_a_call_holds_its_name_and_leading_scalars() {
        let read = |xml: &str| head(xml.as_bytes()).unwrap();
        let h = read(&call(
            "<param><value><string>1</string></value></param>\
             <param><value> alice </value></param>\
             <param><value>\n<string>a &amp; b&#33;</string>\n</value></param>\
             <param><value><i4>7</i4></value></param>\
             <param><value><struct><member><name>x</name><value>y</value></member></struct></value></param>\
             <param><value><string>after</string></value></param>",
        ));
        assert_eq!(h.name, "a.b");
        let texts: Vec<&str> = h
            .params
            .iter()
            .map(|v| match v {
                Value::String(s) => s.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(texts, ["1", " alice ", "a & b!", "7"]);
        // Only as far as it was read: a body cut short still gives what came before.
        let cut = call("<param><value>u</value></param><param><value>p</value></param>");
        let h = head(&cut.as_bytes()[..cut.len() - 20]).unwrap();
        assert_eq!(h.params.len(), 2);
        assert_eq!(
            head(b"<methodCall><params/></methodCall>".as_slice())
                .unwrap_err()
                .code,
            -32600
        );
        assert_eq!(
            head(b"<methodCall><methodName>a".as_slice())
                .unwrap_err()
                .code,
            -32600
        );
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
