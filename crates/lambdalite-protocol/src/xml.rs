//! A small XML writer for the query protocol's answers.

/// Builds an XML document element by element, escaping text.
#[derive(Debug, Default)]
pub struct Xml {
    buf: String,
}

impl Xml {
    pub fn new() -> Xml {
        Xml {
            buf: String::from("<?xml version=\"1.0\"?>"),
        }
    }

    /// A document starting with `declaration`.
    pub fn new_with(declaration: &str) -> Xml {
        Xml {
            buf: declaration.to_string(),
        }
    }

    /// Text inside the current element.
    pub fn text(&mut self, text: &str) -> &mut Xml {
        escape_into(&mut self.buf, text);
        self
    }

    /// `<tag>` (with an `xmlns` when given).
    pub fn open(&mut self, tag: &str, xmlns: Option<&str>) -> &mut Xml {
        self.buf.push('<');
        self.buf.push_str(tag);
        if let Some(ns) = xmlns {
            self.buf.push_str(" xmlns=\"");
            escape_into(&mut self.buf, ns);
            self.buf.push('"');
        }
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Xml {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag>text</tag>`.
    pub fn leaf(&mut self, tag: &str, text: &str) -> &mut Xml {
        self.open(tag, None);
        escape_into(&mut self.buf, text);
        self.close(tag)
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// Escapes text for an element or an attribute: `& < > " '` and the
/// carriage return (which XML parsers would otherwise fold into `\n`).
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_escapes() {
        let mut x = Xml::new();
        x.open("A", Some("urn:x"))
            .leaf("B", "1 < 2 & \"q\"\r")
            .close("A");
        assert_eq!(
            x.finish(),
            "<?xml version=\"1.0\"?><A xmlns=\"urn:x\"><B>1 &lt; 2 &amp; &quot;q&quot;&#xD;</B></A>"
        );
    }
}
