//! A tool's MCP result as the engine's tool content: text and the image types every provider
//! takes, everything else as a line of text, within caps on text and images.

use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use serde_json::Value;

use crate::chat::ToolContent;

use super::stdout::size;

/// What a tool gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpOutput {
    /// Its content, within the caps.
    pub content: Vec<ToolContent>,
    /// Whether it failed: the tool said so (`isError`), or the server refused the call (a
    /// JSON-RPC error such as an unknown tool or invalid arguments). The model reads it and can
    /// correct itself.
    pub is_error: bool,
}

impl McpOutput {
    /// An error the model reads.
    pub fn error(message: impl Into<String>) -> Self {
        McpOutput {
            content: vec![ToolContent::Text {
                text: message.into(),
            }],
            is_error: true,
        }
    }

    /// The text pieces, joined by line breaks (images named in brackets).
    pub fn text(&self) -> String {
        self.content
            .iter()
            .map(|c| match c {
                ToolContent::Text { text } => text.clone(),
                ToolContent::Image { media_type, .. } => format!("[image: {media_type}]"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// How much of a result is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caps {
    /// Text, all pieces together, in bytes.
    pub(crate) text: usize,
    /// One image's base64, in bytes.
    pub(crate) image: usize,
    /// Images per result.
    pub(crate) images: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            text: 256 * 1024,
            image: 5 * 1024 * 1024,
            images: 8,
        }
    }
}

/// The image types passed on as images.
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Builds an output within `caps`.
struct Builder {
    caps: Caps,
    content: Vec<ToolContent>,
    text: usize,
    cut: bool,
    images: usize,
}

impl Builder {
    fn push_text(&mut self, text: &str) {
        if self.cut {
            return;
        }
        let room = self.caps.text.saturating_sub(self.text);
        if text.len() <= room {
            self.text += text.len();
            self.content.push(ToolContent::Text {
                text: text.to_string(),
            });
            return;
        }
        let mut end = room;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.text = self.caps.text;
        self.cut = true;
        self.content.push(ToolContent::Text {
            text: format!("{}\n[output cut at {}]", &text[..end], size(self.caps.text)),
        });
    }

    fn push_image(&mut self, data: &str, media_type: &str) {
        let media_type = media_type.trim().to_ascii_lowercase();
        let media_type = if media_type == "image/jpg" {
            "image/jpeg".to_string()
        } else {
            media_type
        };
        if !IMAGE_TYPES.contains(&media_type.as_str()) {
            self.push_text(&format!(
                "[an image of type {media_type} was left out: only PNG, JPEG, GIF and WebP are passed on]"
            ));
        } else if data.len() > self.caps.image {
            self.push_text(&format!(
                "[a {media_type} image of {} was left out: over the {} limit per image]",
                size(data.len()),
                size(self.caps.image)
            ));
        } else if self.images >= self.caps.images {
            self.push_text(&format!(
                "[a {media_type} image was left out: at most {} images are passed on]",
                self.caps.images
            ));
        } else {
            self.images += 1;
            self.content.push(ToolContent::Image {
                media_type,
                data: data.to_string(),
            });
        }
    }
}

/// Whether a text block already carries `structured`: as its JSON, or — as SDKs wrap a plain
/// value (`{"result": …}` in Python's, `{"content": …}` in server-filesystem) — as the value of
/// a one-key object.
fn carried(texts: &[&str], structured: &Value) -> bool {
    let wrapped = structured
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.values().next());
    texts.iter().any(|t| {
        let parsed = serde_json::from_str::<Value>(t).ok();
        parsed.as_ref() == Some(structured)
            || wrapped.is_some_and(|w| w.as_str() == Some(t) || parsed.as_ref() == Some(w))
    })
}

/// A tool's result as content within `caps`.
pub(crate) fn convert(result: CallToolResult, caps: Caps) -> McpOutput {
    let mut b = Builder {
        caps,
        content: Vec::new(),
        text: 0,
        cut: false,
        images: 0,
    };
    let texts: Vec<&str> = result
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    let structured = result
        .structured_content
        .as_ref()
        .filter(|s| !carried(&texts, s))
        .map(|s| s.to_string());
    for block in &result.content {
        match block {
            ContentBlock::Text(t) => b.push_text(&t.text),
            ContentBlock::Image(i) => b.push_image(&i.data, &i.mime_type),
            ContentBlock::Audio(a) => b.push_text(&format!(
                "[audio ({}, {}) was left out: audio is not passed on]",
                a.mime_type,
                size(a.data.len() / 4 * 3)
            )),
            ContentBlock::ResourceLink(r) => {
                let mut line = format!("[resource link: {} <{}>", r.name, r.uri);
                if let Some(mime) = &r.mime_type {
                    line.push_str(&format!(" ({mime})"));
                }
                if let Some(d) = r.description.as_deref().filter(|d| !d.is_empty()) {
                    line.push_str(&format!(": {d}"));
                }
                line.push(']');
                b.push_text(&line);
            }
            ContentBlock::Resource(r) => match &r.resource {
                ResourceContents::TextResourceContents { text, .. } => b.push_text(text),
                ResourceContents::BlobResourceContents {
                    uri,
                    mime_type,
                    blob,
                    ..
                } => b.push_text(&format!(
                    "[resource <{uri}> ({}, {} of binary data) was left out]",
                    mime_type.as_deref().unwrap_or("no type"),
                    size(blob.len() / 4 * 3)
                )),
                _ => b.push_text(
                    "[an embedded resource of a kind this client does not know was left out]",
                ),
            },
            _ => b.push_text("[a content block of a type this client does not know was left out]"),
        }
    }
    if let Some(json) = structured {
        b.push_text(&json);
    }
    McpOutput {
        content: b.content,
        is_error: result.is_error.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(value: Value) -> CallToolResult {
        serde_json::from_value(value).unwrap()
    }

    fn texts(o: &McpOutput) -> Vec<String> {
        o.content
            .iter()
            .filter_map(|c| match c {
                ToolContent::Text { text } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_content_type_has_a_place() {
        let out = convert(
            result(serde_json::json!({"content":[
                {"type":"text","text":"hello"},
                {"type":"image","data":"iVBORw0KGgo=","mimeType":"image/png"},
                {"type":"image","data":"PHN2Zz4=","mimeType":"image/svg+xml"},
                {"type":"audio","data":"AAAA","mimeType":"audio/wav"},
                {"type":"resource_link","uri":"file:///x/main.rs","name":"main.rs","mimeType":"text/x-rust"},
                {"type":"resource","resource":{"uri":"file:///x/a.rs","mimeType":"text/x-rust","text":"fn main() {}"}},
                {"type":"resource","resource":{"uri":"file:///x/a.bin","blob":"AAAA"}}
            ],"isError":false})),
            Caps::default(),
        );
        assert!(!out.is_error);
        assert_eq!(
            out.content[1],
            ToolContent::Image {
                media_type: "image/png".into(),
                data: "iVBORw0KGgo=".into()
            }
        );
        let t = texts(&out);
        assert_eq!(t[0], "hello");
        assert!(t[1].contains("image/svg+xml was left out"), "{t:?}");
        assert!(t[2].starts_with("[audio (audio/wav"), "{t:?}");
        assert_eq!(
            t[3],
            "[resource link: main.rs <file:///x/main.rs> (text/x-rust)]"
        );
        assert_eq!(t[4], "fn main() {}");
        assert!(t[5].contains("<file:///x/a.bin>"), "{t:?}");
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn structured_content_is_added_only_when_no_text_carries_it() {
        let carried_as_json = convert(
            result(
                serde_json::json!({"content":[{"type":"text","text":"{\"temperature\":36}"}],
                "structuredContent":{"temperature":36}}),
            ),
            Caps::default(),
        );
        assert_eq!(texts(&carried_as_json), ["{\"temperature\":36}"]);
        let wrapped = convert(
            result(serde_json::json!({"content":[{"type":"text","text":"hi"}],
                "structuredContent":{"result":"hi"}})),
            Caps::default(),
        );
        assert_eq!(texts(&wrapped), ["hi"]);
        let alone = convert(
            result(serde_json::json!({"content":[], "structuredContent":{"a":[1,2]}})),
            Caps::default(),
        );
        assert_eq!(texts(&alone), ["{\"a\":[1,2]}"]);
        let different = convert(
            result(
                serde_json::json!({"content":[{"type":"text","text":"see below"}],
                "structuredContent":{"a":1}, "isError": true}),
            ),
            Caps::default(),
        );
        assert!(different.is_error);
        assert_eq!(texts(&different), ["see below", "{\"a\":1}"]);
    }

    #[test]
    fn text_and_images_are_capped() {
        let caps = Caps {
            text: 10,
            image: 8,
            images: 1,
        };
        let out = convert(
            result(serde_json::json!({"content":[
                {"type":"text","text":"0123456"},
                {"type":"text","text":"789é-and-more"},
                {"type":"text","text":"dropped"},
                {"type":"image","data":"AAAA","mimeType":"image/png"},
                {"type":"image","data":"BBBB","mimeType":"image/jpg"},
                {"type":"image","data":"CCCCCCCCCCCC","mimeType":"image/gif"}
            ]})),
            caps,
        );
        let t = texts(&out);
        assert_eq!(t[0], "0123456");
        assert_eq!(t[1], "789\n[output cut at 1 KB]");
        assert_eq!(t.len(), 2, "nothing is added after the cut: {t:?}");
        let images = out
            .content
            .iter()
            .filter(|c| matches!(c, ToolContent::Image { .. }))
            .count();
        assert_eq!(images, 1);
    }
}
