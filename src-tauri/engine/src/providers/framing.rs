//! Splits a byte stream into frames: server-sent events, or NDJSON lines.
//!
//! It follows the SSE rules of `wire-formats.md` §0 — comments, CRLF / LF / CR line ends,
//! multi-line `data:`, events split across reads at any byte, unknown fields ignored — and knows
//! nothing of JSON or of any provider. A line or an event longer than its cap stops the framer
//! (see [`Framer::overflowed`]) instead of growing without end.

/// Stream framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Server-sent events.
    Sse,
    /// One JSON object per line.
    Ndjson,
}

/// Whether a stream goes on after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    More,
    /// The protocol's end marker was seen; stop reading.
    Done,
}

/// Incremental framer. Feed it bytes with [`Framer::push`]; call [`Framer::finish`] at the end.
pub(crate) struct Framer {
    mode: Framing,
    /// Bytes of an unfinished line.
    partial: Vec<u8>,
    /// The last byte consumed was a `\r`: a `\n` right after it belongs to the same line end.
    skip_lf: bool,
    /// The `data:` lines of the event being built, joined with `\n`.
    data: String,
    has_data: bool,
    event: Option<String>,
    done: bool,
    /// The most bytes of one line, and of one event's data.
    max: usize,
    /// A line or an event went over `max`: the framer stopped there.
    overflowed: bool,
}

impl Framer {
    /// A framer for SSE or NDJSON whose lines and events hold at most `max` bytes.
    pub(crate) fn new(mode: Framing, max: usize) -> Self {
        Framer {
            mode,
            partial: Vec::new(),
            skip_lf: false,
            data: String::new(),
            has_data: false,
            event: None,
            done: false,
            max,
            overflowed: false,
        }
    }

    /// Whether the framer stopped because a line or an event was longer than its cap.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The most bytes of one line or event.
    pub(crate) fn cap(&self) -> usize {
        self.max
    }

    /// Stops the framer at an over-long line or event.
    fn overflow(&mut self) -> Flow {
        self.overflowed = true;
        self.done = true;
        self.partial = Vec::new();
        self.data = String::new();
        Flow::Done
    }

    /// Feeds bytes; `on_frame(event, data)` is called for each complete frame. Stops early (and
    /// returns [`Flow::Done`]) when `on_frame` does.
    pub(crate) fn push<E>(
        &mut self,
        mut bytes: &[u8],
        on_frame: &mut impl FnMut(Option<&str>, &str) -> Result<Flow, E>,
    ) -> Result<Flow, E> {
        if self.done {
            return Ok(Flow::Done);
        }
        if self.skip_lf && !bytes.is_empty() {
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
            self.skip_lf = false;
        }
        while !bytes.is_empty() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) else {
                if self.partial.len() + bytes.len() > self.max {
                    return Ok(self.overflow());
                }
                self.partial.extend_from_slice(bytes);
                break;
            };
            if self.partial.len() + end > self.max {
                return Ok(self.overflow());
            }
            let after = if bytes[end] == b'\r' {
                match bytes.get(end + 1) {
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                    None => {
                        self.skip_lf = true;
                        end + 1
                    }
                }
            } else {
                end + 1
            };
            let flow = if self.partial.is_empty() {
                self.line(&bytes[..end], on_frame)?
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&bytes[..end]);
                let flow = self.line(&line, on_frame)?;
                line.clear();
                self.partial = line;
                flow
            };
            bytes = &bytes[after..];
            if flow == Flow::Done {
                self.done = true;
                return Ok(Flow::Done);
            }
        }
        Ok(Flow::More)
    }

    /// The body ended: a last line or event without its terminator is still delivered.
    pub(crate) fn finish<E>(
        &mut self,
        on_frame: &mut impl FnMut(Option<&str>, &str) -> Result<Flow, E>,
    ) -> Result<Flow, E> {
        if self.done {
            return Ok(Flow::Done);
        }
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            if self.line(&line, on_frame)? == Flow::Done {
                self.done = true;
                return Ok(Flow::Done);
            }
        }
        let flow = match self.mode {
            Framing::Sse => self.dispatch(on_frame)?,
            Framing::Ndjson => Flow::More,
        };
        self.done = true;
        Ok(flow)
    }

    fn line<E>(
        &mut self,
        line: &[u8],
        on_frame: &mut impl FnMut(Option<&str>, &str) -> Result<Flow, E>,
    ) -> Result<Flow, E> {
        let text = String::from_utf8_lossy(line);
        match self.mode {
            Framing::Ndjson => {
                let t = text.trim();
                if t.is_empty() {
                    Ok(Flow::More)
                } else {
                    on_frame(None, t)
                }
            }
            Framing::Sse => {
                if text.is_empty() {
                    return self.dispatch(on_frame);
                }
                if text.starts_with(':') {
                    return Ok(Flow::More);
                }
                let (field, value) = match text.find(':') {
                    Some(i) => {
                        let v = &text[i + 1..];
                        (&text[..i], v.strip_prefix(' ').unwrap_or(v))
                    }
                    None => (&text[..], ""),
                };
                match field {
                    "data" => {
                        if self.data.len() + value.len() + 1 > self.max {
                            return Ok(self.overflow());
                        }
                        if self.has_data {
                            self.data.push('\n');
                        }
                        self.data.push_str(value);
                        self.has_data = true;
                    }
                    "event" => self.event = Some(value.to_string()),
                    _ => {}
                }
                Ok(Flow::More)
            }
        }
    }

    fn dispatch<E>(
        &mut self,
        on_frame: &mut impl FnMut(Option<&str>, &str) -> Result<Flow, E>,
    ) -> Result<Flow, E> {
        let event = self.event.take();
        if !self.has_data {
            return Ok(Flow::More);
        }
        self.has_data = false;
        let flow = on_frame(event.as_deref(), &self.data);
        self.data.clear();
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Frames = Vec<(Option<String>, String)>;

    fn frames(mode: Framing, pieces: &[&[u8]]) -> Frames {
        let mut f = Framer::new(mode, usize::MAX);
        let mut out = Vec::new();
        let mut cb = |e: Option<&str>, d: &str| -> Result<Flow, ()> {
            out.push((e.map(str::to_string), d.to_string()));
            Ok(if d == "[DONE]" {
                Flow::Done
            } else {
                Flow::More
            })
        };
        for p in pieces {
            if f.push(p, &mut cb).unwrap() == Flow::Done {
                return out;
            }
        }
        f.finish(&mut cb).unwrap();
        out
    }

    /// Every way of cutting `input` into two reads gives the same frames as one read.
    fn same_at_every_split(mode: Framing, input: &[u8]) -> Frames {
        let whole = frames(mode, &[input]);
        for i in 0..=input.len() {
            assert_eq!(
                frames(mode, &[&input[..i], &input[i..]]),
                whole,
                "split at byte {i}"
            );
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(frames(mode, &bytes), whole, "one byte per read");
        whole
    }

    #[test]
    fn sse_rules() {
        let input = b": OPENROUTER PROCESSING\n\nevent: message_start\ndata: {\"a\":1}\n\ndata: line1\ndata:line2\r\n\r\nid: 7\nretry: 10\ndata: x\rdata: y\r\rdata: [DONE]\n\ndata: ignored\n\n";
        let got = same_at_every_split(Framing::Sse, input);
        assert_eq!(
            got,
            vec![
                (Some("message_start".to_string()), "{\"a\":1}".to_string()),
                (None, "line1\nline2".to_string()),
                (None, "x\ny".to_string()),
                (None, "[DONE]".to_string()),
            ]
        );
    }

    #[test]
    fn sse_last_event_without_blank_line_is_delivered() {
        assert_eq!(
            frames(Framing::Sse, &[b"data: {}\n"]),
            vec![(None, "{}".to_string())]
        );
        assert_eq!(
            frames(Framing::Sse, &[b"data: {}"]),
            vec![(None, "{}".to_string())]
        );
        assert!(frames(Framing::Sse, &[b": only a comment\n\n"]).is_empty());
    }

    #[test]
    fn sse_crlf_gemini_style() {
        let input = b"data: {\"n\":1}\r\n\r\ndata: {\"n\":2}\r\n\r\n";
        let got = same_at_every_split(Framing::Sse, input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, "{\"n\":2}");
    }

    #[test]
    fn sse_multibyte_text_split_mid_character() {
        let input = "data: {\"t\":\"héllo → 世界 🎉\"}\n\n".as_bytes();
        let got = same_at_every_split(Framing::Sse, input);
        assert_eq!(got[0].1, "{\"t\":\"héllo → 世界 🎉\"}");
    }

    /// Feeds `pieces` to a framer capped at `max`: the frames, and whether it overflowed.
    fn capped(mode: Framing, max: usize, pieces: &[&[u8]]) -> (Frames, bool) {
        let mut f = Framer::new(mode, max);
        let mut out = Vec::new();
        let mut cb = |e: Option<&str>, d: &str| -> Result<Flow, ()> {
            out.push((e.map(str::to_string), d.to_string()));
            Ok(Flow::More)
        };
        for p in pieces {
            if f.push(p, &mut cb).unwrap() == Flow::Done {
                break;
            }
        }
        if !f.overflowed() {
            f.finish(&mut cb).unwrap();
        }
        (out, f.overflowed())
    }

    #[test]
    fn a_line_or_event_over_the_cap_stops_the_framer() {
        // A line with no end, fed in pieces: it stops at the cap instead of growing.
        let piece = vec![b'x'; 1000];
        let mut pieces: Vec<&[u8]> = vec![b"data: {\"a\":1}\n\ndata: "];
        pieces.extend(std::iter::repeat_n(&piece[..], 100));
        let (got, over) = capped(Framing::Sse, 10_000, &pieces);
        assert!(over);
        assert_eq!(got, vec![(None, "{\"a\":1}".to_string())]);
        // One long line in one read.
        let long = format!("data: {}\n\n", "y".repeat(20_000));
        assert!(capped(Framing::Sse, 10_000, &[long.as_bytes()]).1);
        // Many short data lines that make one long event.
        let many = "data: zzzzzzzzz\n".repeat(2_000);
        assert!(capped(Framing::Sse, 10_000, &[many.as_bytes()]).1);
        // NDJSON too; and anything under the cap passes.
        let nd = format!("{{\"a\":\"{}\"}}\n", "q".repeat(20_000));
        assert!(capped(Framing::Ndjson, 10_000, &[nd.as_bytes()]).1);
        let (got, over) = capped(Framing::Ndjson, 30_000, &[nd.as_bytes()]);
        assert!(!over && got.len() == 1);
    }

    #[test]
    fn ndjson_lines() {
        let input = b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}";
        let got = same_at_every_split(Framing::Ndjson, input);
        let data: Vec<_> = got.into_iter().map(|(_, d)| d).collect();
        assert_eq!(data, ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
    }
}
