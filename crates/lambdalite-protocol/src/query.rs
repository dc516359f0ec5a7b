//! The query protocol: a form of `Name.1.Member=value` pairs in, XML out.

use bytes::Bytes;
use http::{HeaderValue, Response};

use crate::dispatch::percent_decode;
use crate::json::ServiceError;
use crate::xml::Xml;

/// The parameters of a query request, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses a form body (or a URL's query).
    pub fn parse(form: &str) -> Params {
        Params(
            form.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (percent_decode(k), percent_decode(v)),
                    None => (percent_decode(p), String::new()),
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The numbered members `prefix.1`, `prefix.2`, ... in number order
    /// (each with what follows its number: `""` or `.Name`).
    pub fn numbered(&self, prefix: &str) -> Vec<(u32, Vec<(String, String)>)> {
        let mut out: std::collections::BTreeMap<u32, Vec<(String, String)>> = Default::default();
        let head = format!("{prefix}.");
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix(&head) else {
                continue;
            };
            let (n, tail) = match rest.split_once('.') {
                Some((n, tail)) => (n, format!(".{tail}")),
                None => (rest, String::new()),
            };
            if let Ok(n) = n.parse::<u32>() {
                out.entry(n).or_default().push((tail, v.clone()));
            }
        }
        out.into_iter().collect()
    }
}

/// A query answer: `<ActionResponse xmlns=...><ActionResult>...</ActionResult>
/// <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata></ActionResponse>`.
/// `result` writes the result's members; `None` writes no result element.
pub fn answer(
    action: &str,
    xmlns: &str,
    request_id: &str,
    result: Option<&dyn Fn(&mut Xml)>,
) -> Response<Bytes> {
    let mut x = Xml::new();
    let response = format!("{action}Response");
    x.open(&response, Some(xmlns));
    if let Some(write) = result {
        let tag = format!("{action}Result");
        x.open(&tag, None);
        write(&mut x);
        x.close(&tag);
    }
    x.open("ResponseMetadata", None)
        .leaf("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&response);
    xml_response(x.finish(), request_id)
}

/// A query error: `<ErrorResponse><Error><Type>Sender</Type><Code>...`.
pub fn error(xmlns: &str, request_id: &str, e: &ServiceError) -> Response<Bytes> {
    let mut x = Xml::new();
    x.open("ErrorResponse", Some(xmlns))
        .open("Error", None)
        .leaf("Type", if e.sender_fault { "Sender" } else { "Receiver" })
        .leaf("Code", e.query_code())
        .leaf("Message", &e.message)
        .leaf("Detail", "")
        .close("Error")
        .leaf("RequestId", request_id)
        .close("ErrorResponse");
    let mut resp = xml_response(x.finish(), request_id);
    *resp.status_mut() = e.status;
    resp
}

fn xml_response(body: String, request_id: &str) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_members_in_order() {
        let p = Params::parse(
            "Action=SendMessage&MessageAttribute.2.Name=b&MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=x%20y&AttributeName.1=All",
        );
        assert_eq!(p.get("Action"), Some("SendMessage"));
        let attrs = p.numbered("MessageAttribute");
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].0, 1);
        assert_eq!(
            attrs[0].1,
            vec![
                (".Name".to_string(), "a".to_string()),
                (".Value.StringValue".to_string(), "x y".to_string())
            ]
        );
        assert_eq!(
            p.numbered("AttributeName")[0].1,
            vec![(String::new(), "All".to_string())]
        );
    }
}
