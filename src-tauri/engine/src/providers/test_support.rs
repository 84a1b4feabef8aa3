//! Decoding helpers shared by the protocol tests: every split point, whole answers, text of events.

use super::*;
use crate::chat::{ChatResponse, StreamEnd, ToolCall};
use crate::config::preset;

fn provider(kind: ProviderKind) -> Provider {
    let mut p = preset(kind.as_str()).expect("a preset per kind");
    p.id = "test".into();
    p
}

fn decode(
    kind: ProviderKind,
    pieces: &[&[u8]],
) -> (Vec<ChatEvent>, Result<StreamEnd, ProviderError>) {
    let mut framer =
        crate::providers::framing::Framer::new(crate::providers::framing(kind), usize::MAX);
    let mut decoder = decoder(&provider(kind));
    let mut out = VecDeque::new();
    let mut result = Ok(Flow::More);
    for p in pieces {
        let mut cb = |e: Option<&str>, d: &str| decoder.frame(e, d, &mut out);
        result = framer.push(p, &mut cb);
        if !matches!(result, Ok(Flow::More)) {
            break;
        }
    }
    if matches!(result, Ok(Flow::More)) {
        let mut cb = |e: Option<&str>, d: &str| decoder.frame(e, d, &mut out);
        result = framer.finish(&mut cb);
        if matches!(result, Ok(Flow::More)) {
            result = decoder.eof(&mut out).map(|_| Flow::Done);
        }
    }
    let mut events: Vec<ChatEvent> = out.into_iter().collect();
    let end = match (result, events.last()) {
        (Err(e), _) => Err(e),
        (Ok(_), Some(ChatEvent::End(_))) => match events.pop() {
            Some(ChatEvent::End(end)) => Ok(end),
            _ => unreachable!(),
        },
        (Ok(_), _) => panic!("a stream that did not fail must end with End"),
    };
    (events, end)
}

/// Decodes `input` in one read, at every split into two reads, and one byte per read;
/// asserts all agree and returns the events (without `End`) and the end or the error.
pub(crate) fn decode_every_split(
    kind: ProviderKind,
    input: &[u8],
) -> (Vec<ChatEvent>, Result<StreamEnd, ProviderError>) {
    let whole = decode(kind, &[input]);
    for i in 0..=input.len() {
        assert_eq!(
            decode(kind, &[&input[..i], &input[i..]]),
            whole,
            "split at byte {i}"
        );
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(decode(kind, &bytes), whole, "one byte per read");
    whole
}

/// Reads a whole answer.
pub(crate) fn whole(kind: ProviderKind, body: &[u8]) -> Result<ChatResponse, ProviderError> {
    let mut out = VecDeque::new();
    decode_whole(&provider(kind), body, &mut out)?;
    Ok(ChatResponse::from_events(out).expect("an End"))
}

/// The answer text of some events.
pub(crate) fn text_of(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| {
            if let ChatEvent::Delta(t) = e {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect()
}

/// The reasoning text of some events.
pub(crate) fn reasoning_of(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| {
            if let ChatEvent::Reasoning(t) = e {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect()
}

/// The tool calls of some events.
pub(crate) fn calls_of(events: &[ChatEvent]) -> Vec<ToolCall> {
    events
        .iter()
        .filter_map(|e| {
            if let ChatEvent::ToolCall(c) = e {
                Some(c.clone())
            } else {
                None
            }
        })
        .collect()
}
