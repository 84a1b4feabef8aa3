//! The cases CSV of a suite (RFC 4180): a header row naming the variables, then one case per
//! row. Fields may be quoted (`"a, b"`, `""` for a quote, line breaks inside quotes); a UTF-8
//! byte-order mark and `\r\n` line ends are accepted; blank lines are skipped.

use std::collections::BTreeMap;

/// A row's variables, with the line it starts on.
pub type Row = (usize, BTreeMap<String, String>);

/// The rows as variables, each with the line it starts on; an error names the line.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = records(text)?;
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        return Err("empty: the first row names the variables".into());
    };
    let header: Vec<String> = header.into_iter().map(|h| h.trim().to_string()).collect();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "line 1: column {} is named {h:?}; a variable's name is letters, digits and _",
                i + 1
            ));
        }
        if header[..i].contains(h) {
            return Err(format!("line 1: column {h:?} is named twice"));
        }
    }
    let mut rows = Vec::new();
    for (line, fields) in records {
        if fields.len() != header.len() {
            return Err(format!(
                "line {line}: {} fields, the header has {}",
                fields.len(),
                header.len()
            ));
        }
        rows.push((line, header.iter().cloned().zip(fields).collect()));
    }
    Ok(rows)
}

/// Every non-blank record with its first line.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    loop {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut any = false;
        let mut ended = false;
        loop {
            let Some(c) = chars.next() else {
                if quoted {
                    return Err(format!("line {start}: a quoted field is never closed"));
                }
                ended = true;
                break;
            };
            any = true;
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        line += 1;
                        field.push('\n');
                    }
                    c => field.push(c),
                }
                continue;
            }
            match c {
                '"' if field.is_empty() => quoted = true,
                ',' => fields.push(std::mem::take(&mut field)),
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    line += 1;
                    break;
                }
                c => field.push(c),
            }
        }
        fields.push(field);
        let blank = fields.len() == 1 && fields[0].trim().is_empty();
        if any && !blank {
            out.push((start, fields));
        }
        if ended {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_breaks_and_bom() {
        let rows = parse("\u{feff}name,text\r\nAda,\"a, \"\"b\"\"\nc\"\n\nBob,plain\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1["text"], "a, \"b\"\nc");
        assert_eq!(rows[1].0, 5);
        assert_eq!(rows[1].1["name"], "Bob");
    }

    #[test]
    fn names_the_bad_line() {
        assert!(parse("a,b\n1\n").unwrap_err().contains("line 2"));
        assert!(parse("a,b\n\"1,2\n").unwrap_err().contains("never closed"));
        assert!(parse("a,a\n1,2\n").unwrap_err().contains("twice"));
        assert!(parse("a b\n1\n").unwrap_err().contains("letters"));
        assert!(parse("").unwrap_err().contains("empty"));
    }
}
