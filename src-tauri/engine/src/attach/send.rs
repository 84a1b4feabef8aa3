//! A request's attachments made fit for one target just before it goes: each provider's limits
//! enforced (images resized and re-encoded, so metadata never leaves), PDFs sent as their text
//! where the protocol or the model takes none, text files as fenced text, and a model known to
//! be text-only refused before anything is sent.

use std::collections::HashMap;
use std::sync::Arc;

use super::{fit_image, pdf_text, ImageLimits};
use crate::chat::{Attachment, ChatRequest, Part};
use crate::config::ProviderKind;
use crate::error::{Error, ErrorClass, ProviderError, Result};

/// One protocol's limits on what a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Per image: longest side and bytes as sent.
    pub image: ImageLimits,
    /// Images in one request (the whole history counts).
    pub images_per_request: usize,
    /// The whole request body, base64 included.
    pub request_bytes: usize,
    /// Whether the protocol takes a PDF as a PDF.
    pub pdf: bool,
}

const MB: usize = 1024 * 1024;

/// The limits of a protocol. Vendor limits drift; each is a pre-flight guess from the
/// provider's documentation (see `shared/reference/wire-formats-parts-tools.md`), and a
/// provider's own refusal is still read and classed.
pub fn limits(kind: ProviderKind) -> Limits {
    match kind {
        // platform.openai.com/docs/guides/images-vision: high detail fits an image inside
        // 2048×2048 (a larger one is only scaled down there); 20 MB per image (older guide);
        // 500 images and 50 MB of images per request (enforced as "Total image size … 50MB").
        // docs/guides/pdf-files: PDFs as `file` parts, 32 MB per request across all files — the
        // lower of the two is the request's cap.
        ProviderKind::OpenAi => Limits {
            image: ImageLimits {
                max_side: 2048,
                max_bytes: 20 * MB,
            },
            images_per_request: 500,
            request_bytes: 32 * MB,
            pdf: true,
        },
        // platform.claude.com/docs/en/build-with-claude/vision: a long edge over 1568 px is
        // downscaled by Anthropic anyway (and over 2000 px is refused once a request holds more
        // than 20 images); per image 10 MB base64-encoded on the direct API, 5 MB on Bedrock and
        // Vertex — 5 MB as base64 (3.75 MB of bytes) holds everywhere; 100 images per request
        // for 200k-context models; 32 MB per request (also the PDF limit, pdf-support page).
        ProviderKind::Anthropic => Limits {
            image: ImageLimits {
                max_side: 1568,
                max_bytes: 5 * MB / 4 * 3,
            },
            images_per_request: 100,
            request_bytes: 32 * MB,
            pdf: true,
        },
        // ai.google.dev/gemini-api/docs/image-understanding: 3,600 images per request, inline
        // data limited to 20 MB of request (the older, stricter of the two pages); images are
        // tiled at 768 px, so 3072 px keeps detail; Vertex documents 7 MB per inline file.
        // docs/document-processing: PDFs as `inline_data`.
        ProviderKind::Gemini => Limits {
            image: ImageLimits {
                max_side: 3072,
                max_bytes: 7 * MB,
            },
            images_per_request: 3600,
            request_bytes: 20 * MB,
            pdf: true,
        },
        // Ollama documents no limits (docs/capabilities/vision.mdx); the model's context is the
        // real one. Vision models there work at 896–1568 px; 1568 px and 20 MB keep requests
        // sane. `api.Message` has no document field: PDFs go as text.
        ProviderKind::Ollama => Limits {
            image: ImageLimits {
                max_side: 1568,
                max_bytes: 10 * MB,
            },
            images_per_request: 100,
            request_bytes: 64 * MB,
            pdf: false,
        },
        // The built-in local models read text only: no image is ever sent, PDFs go as text.
        ProviderKind::Local => Limits {
            image: ImageLimits {
                max_side: 1,
                max_bytes: 0,
            },
            images_per_request: 0,
            request_bytes: 64 * MB,
            pdf: false,
        },
    }
}

/// What a model is known to read besides text; `None` is unknown (then it is tried).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inputs {
    /// Images.
    pub image: Option<bool>,
    /// PDFs (as documents; a model that takes none gets their text).
    pub pdf: Option<bool>,
    /// Tool calling.
    pub tools: Option<bool>,
}

impl Inputs {
    /// From a list of input modalities (OpenRouter's `architecture.input_modalities`: `text`,
    /// `image`, `file`, `audio`; Ollama's `capabilities`: `vision`, …).
    pub fn from_modalities<S: AsRef<str>>(list: &[S]) -> Inputs {
        let has = |w: &str| list.iter().any(|m| m.as_ref() == w);
        Inputs {
            image: Some(has("image") || has("vision")),
            pdf: Some(has("file")),
            // OpenRouter's `supported_parameters` and Ollama's capabilities say `tools`; a
            // list that says `no_tools` is known to lack them; otherwise unknown.
            tools: if has("tools") {
                Some(true)
            } else if has("no_tools") {
                Some(false)
            } else {
                None
            },
        }
    }
}

/// What the direct providers' flagship models read (each provider's model pages); anything not
/// matched is unknown.
pub fn built_in(kind: ProviderKind, model: &str) -> Inputs {
    Inputs {
        tools: tools_built_in(kind, model),
        ..media_built_in(kind, model)
    }
}

/// Which direct providers' models call tools (their model pages): the chat families do; the
/// first reasoning previews, instruct completions and the oldest Claude models do not.
fn tools_built_in(kind: ProviderKind, model: &str) -> Option<bool> {
    let m = model.to_ascii_lowercase();
    match kind {
        ProviderKind::OpenAi => {
            let without = [
                "o1-mini",
                "o1-preview",
                "gpt-3.5-turbo-instruct",
                "davinci",
                "babbage",
            ];
            let with = ["gpt-", "o1", "o3", "o4", "chatgpt-"];
            if without.iter().any(|p| m.starts_with(p)) {
                Some(false)
            } else if with.iter().any(|p| m.starts_with(p)) {
                Some(true)
            } else {
                None
            }
        }
        ProviderKind::Anthropic => {
            if m.starts_with("claude-2") || m.starts_with("claude-instant") {
                Some(false)
            } else if m.starts_with("claude-") {
                Some(true)
            } else {
                None
            }
        }
        ProviderKind::Gemini => {
            let m = m.strip_prefix("models/").unwrap_or(&m);
            m.starts_with("gemini-").then_some(true)
        }
        ProviderKind::Ollama => None,
        // The runtime does not parse tool calls (yet): the router skips local models for tools.
        ProviderKind::Local => Some(false),
    }
}

fn media_built_in(kind: ProviderKind, model: &str) -> Inputs {
    let m = model.to_ascii_lowercase();
    let both = Inputs {
        image: Some(true),
        pdf: Some(true),
        tools: None,
    };
    let text = Inputs {
        image: Some(false),
        pdf: Some(false),
        tools: None,
    };
    match kind {
        ProviderKind::OpenAi => {
            let text_only = ["gpt-3.5", "o1-mini", "o1-preview", "o3-mini", "gpt-4-0"];
            let vision = [
                "gpt-4o",
                "gpt-4.1",
                "gpt-4-turbo",
                "gpt-5",
                "o1",
                "o3",
                "o4",
                "chatgpt-4o",
            ];
            if m == "gpt-4" || text_only.iter().any(|p| m.starts_with(p)) {
                text
            } else if vision.iter().any(|p| m.starts_with(p)) {
                both
            } else {
                Inputs::default()
            }
        }
        ProviderKind::Anthropic => {
            if m.starts_with("claude-2") || m.starts_with("claude-instant") {
                text
            } else if m.starts_with("claude-") {
                both
            } else {
                Inputs::default()
            }
        }
        ProviderKind::Gemini => {
            let m = m.strip_prefix("models/").unwrap_or(&m);
            if m.starts_with("gemini-1.5") || m.starts_with("gemini-2") || m.starts_with("gemini-3")
            {
                both
            } else if m.starts_with("gemini-1.0") || m == "gemini-pro" {
                Inputs {
                    image: Some(false),
                    pdf: Some(false),
                    tools: None,
                }
            } else {
                Inputs::default()
            }
        }
        ProviderKind::Ollama => Inputs::default(),
        ProviderKind::Local => text,
    }
}

/// What is known of models' inputs, learned from catalogs and model lists: `provider/model` →
/// inputs. Shared by an engine's clones.
#[derive(Debug, Default, Clone)]
pub struct Capabilities {
    known: Arc<std::sync::RwLock<HashMap<String, Inputs>>>,
}

impl Capabilities {
    /// Records what a catalog or model list says of `provider/model`.
    pub fn learn(&self, target: &str, inputs: Inputs) {
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        known.insert(target.to_string(), inputs);
    }

    /// Whether anything was learned of `provider/model`.
    pub fn knows(&self, target: &str) -> bool {
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        known.contains_key(target)
    }

    /// What `provider/model` reads: learned first, then the built-in table.
    pub fn of(&self, kind: ProviderKind, target: &str, model: &str) -> Inputs {
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        known
            .get(target)
            .copied()
            .unwrap_or_else(|| built_in(kind, model))
    }
}

/// Refuses, before sending, a request with images for a model known to read none (class
/// `unsupported_input`): the router skips such a target.
pub fn check(req: &ChatRequest, provider: &str, target: &str, inputs: Inputs) -> Result<()> {
    if !req.tools.is_empty() && inputs.tools == Some(false) {
        return Err(ProviderError::new(
            provider,
            ErrorClass::UnsupportedInput,
            format!("{target} cannot call tools, and this request offers them"),
        )
        .into());
    }
    let images = count(req, |p| matches!(p, Part::Image(_)));
    if images > 0 && inputs.image == Some(false) {
        return Err(ProviderError::new(
            provider,
            ErrorClass::UnsupportedInput,
            format!(
                "{target} reads text only and this message has {}",
                plural(images, "image")
            ),
        )
        .into());
    }
    Ok(())
}

fn count(req: &ChatRequest, which: impl Fn(&Part) -> bool) -> usize {
    req.messages
        .iter()
        .flat_map(|m| m.parts.iter())
        .filter(|p| which(p))
        .count()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A request made fit to send, and what was changed that the answer's figures should say.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The request to send.
    pub request: ChatRequest,
    /// `q3.pdf went as its text (12 pages): ollama takes no PDFs`, …
    pub notes: Vec<String>,
}

/// The most characters of a PDF's text sent in its place.
pub const PDF_TEXT_CHARS: usize = 200_000;

/// Makes `req` fit `kind` and a model reading `inputs`. Every attachment must have its bytes
/// loaded (or, for an image, a remote URL). CPU work: run it off the async threads.
pub fn prepare(
    req: &ChatRequest,
    provider: &str,
    kind: ProviderKind,
    inputs: Inputs,
) -> Result<Prepared> {
    let limits = limits(kind);
    let images = count(req, |p| matches!(p, Part::Image(_)));
    if images > limits.images_per_request {
        return Err(ProviderError::new(
            provider,
            ErrorClass::UnsupportedInput,
            format!(
                "this conversation holds {images} images; {provider} takes at most {} in one request",
                limits.images_per_request
            ),
        )
        .with_hint("start a new conversation, or remove some images")
        .into());
    }
    let mut notes = Vec::new();
    let mut request = req.clone();
    let mut total = 0usize;
    for m in &mut request.messages {
        let mut parts = Vec::with_capacity(m.parts.len());
        for part in std::mem::take(&mut m.parts) {
            let part = match part {
                Part::Image(a) => Part::Image(fit(a, provider, kind, limits)?),
                Part::File(a) if a.media_type == "application/pdf" => {
                    if limits.pdf && inputs.pdf != Some(false) {
                        Part::File(Attachment {
                            prepared: true,
                            ..a
                        })
                    } else {
                        let why = if limits.pdf {
                            "this model takes no PDFs"
                        } else {
                            "this provider takes no PDFs"
                        };
                        let (part, pages) = pdf_as_text(&a, provider)?;
                        notes.push(format!(
                            "{} went as its text ({}): {why}",
                            a.name,
                            plural(pages as usize, "page")
                        ));
                        part
                    }
                }
                Part::File(a) => Part::Text(fenced(&a)?),
                other => other,
            };
            total += weight(&part);
            parts.push(part);
        }
        m.parts = parts;
    }
    if total > limits.request_bytes {
        return Err(ProviderError::new(
            provider,
            ErrorClass::UnsupportedInput,
            format!(
                "the attachments come to {} MB as sent; {provider} takes at most {} MB in one request",
                total.div_ceil(MB),
                limits.request_bytes / MB
            ),
        )
        .with_hint("remove some attachments, or start a new conversation")
        .into());
    }
    Ok(Prepared { request, notes })
}

/// Bytes a part adds to the request (base64 is 4/3 of the bytes).
fn weight(part: &Part) -> usize {
    match part {
        Part::Text(t) => t.len(),
        Part::Image(a) | Part::File(a) => a.data.as_ref().map_or(0, |d| d.len().div_ceil(3) * 4),
        Part::ToolCall(c) => c.arguments.len() + c.name.len(),
        Part::ToolResult(r) => r.joined_text().len(),
    }
}

fn data(a: &Attachment) -> Result<&[u8]> {
    a.data.as_deref().map(Vec::as_slice).ok_or_else(|| {
        Error::Internal(format!(
            "the bytes of {} were not loaded before sending",
            a.name
        ))
    })
}

fn fit(a: Attachment, provider: &str, kind: ProviderKind, limits: Limits) -> Result<Attachment> {
    if a.url.is_some() {
        if kind == ProviderKind::OpenAi {
            return Ok(Attachment {
                prepared: true,
                ..a
            });
        }
        return Err(ProviderError::new(
            provider,
            ErrorClass::UnsupportedInput,
            "an image given by URL goes only to OpenAI-kind providers; Roundtable never fetches a URL for you",
        )
        .with_hint("send the image itself, as a data: URL")
        .into());
    }
    let fitted = fit_image(data(&a)?, &a.name, limits.image)?;
    Ok(Attachment {
        media_type: fitted.media_type.to_string(),
        bytes: fitted.bytes.len() as u64,
        width: Some(fitted.width),
        height: Some(fitted.height),
        data: Some(Arc::new(fitted.bytes)),
        prepared: true,
        ..a
    })
}

fn pdf_as_text(a: &Attachment, provider: &str) -> Result<(Part, u32)> {
    data(a)?;
    let (bytes, name) = (a.data.clone().unwrap_or_default(), a.name.clone());
    let text = super::within(&a.name, super::PDF_DEADLINE, move || {
        pdf_text(&bytes, &name, PDF_TEXT_CHARS)
    })
    // This target needs the text; another in a route may take the PDF itself: a skip, not a stop.
    .map_err(|e| {
        Error::from(ProviderError::new(
            provider,
            ErrorClass::UnsupportedInput,
            format!("{e}; this target takes no PDFs, so it needs the text"),
        ))
    })?;
    let body = format!(
        "{} (the text of a PDF of {}):\n\n{}",
        a.name,
        plural(text.pages as usize, "page"),
        text.text
    );
    Ok((Part::Text(body), text.pages))
}

/// A text file as a fenced block named after the file (the fence longer than any run of
/// backticks inside).
fn fenced(a: &Attachment) -> Result<String> {
    let text = std::str::from_utf8(data(a)?).map_err(|_| Error::Attachment {
        name: a.name.clone(),
        message: "this file is not UTF-8 text".into(),
    })?;
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    Ok(format!(
        "{fence}{}\n{}\n{fence}",
        a.name,
        text.trim_end_matches('\n')
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_knows_text_only_models_from_their_vision_siblings() {
        let image = |kind, m| built_in(kind, m).image;
        for m in [
            "o1-mini",
            "o3-mini-2025-01-31",
            "gpt-3.5-turbo",
            "gpt-4",
            "gpt-4-0613",
        ] {
            assert_eq!(image(ProviderKind::OpenAi, m), Some(false), "{m}");
        }
        for m in [
            "o1",
            "o3",
            "o4-mini",
            "gpt-4o-mini",
            "gpt-4-turbo",
            "gpt-4.1",
            "gpt-5",
        ] {
            assert_eq!(image(ProviderKind::OpenAi, m), Some(true), "{m}");
        }
        assert_eq!(image(ProviderKind::Anthropic, "claude-2.1"), Some(false));
        assert_eq!(
            image(ProviderKind::Anthropic, "claude-sonnet-4-5"),
            Some(true)
        );
        assert_eq!(
            image(ProviderKind::Gemini, "models/gemini-2.5-flash"),
            Some(true)
        );
        assert_eq!(
            image(ProviderKind::OpenAi, "some-new-model"),
            None,
            "unknown: tried"
        );
        assert_eq!(
            image(ProviderKind::Ollama, "llava"),
            None,
            "Ollama is asked"
        );
    }

    #[test]
    fn anthropics_per_image_cap_holds_as_base64() {
        let cap = limits(ProviderKind::Anthropic).image.max_bytes;
        assert!(cap.div_ceil(3) * 4 <= 5 * MB);
    }

    fn message(parts: Vec<Part>) -> ChatRequest {
        ChatRequest {
            messages: vec![crate::chat::Message {
                role: crate::chat::Role::User,
                parts,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn too_many_images_or_too_many_bytes_are_refused_before_sending() {
        let image = Part::Image(Attachment {
            name: "dot.png".into(),
            media_type: "image/png".into(),
            url: Some("https://example.com/dot.png".into()),
            ..Default::default()
        });
        let many = message(vec![image; 501]);
        let e = prepare(&many, "o", ProviderKind::OpenAi, Inputs::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("holds 501 images") && e.contains("at most 500"),
            "{e}"
        );
        assert!(e.contains("unsupported_input"), "{e}");

        let pdf = |n: usize| {
            Part::File(Attachment {
                name: format!("big{n}.pdf"),
                media_type: "application/pdf".into(),
                data: Some(Arc::new(vec![0u8; 8 * MB])),
                ..Default::default()
            })
        };
        let heavy = message(vec![pdf(1), pdf(2)]);
        let e = prepare(&heavy, "g", ProviderKind::Gemini, Inputs::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("come to 22 MB as sent") && e.contains("at most 20 MB"),
            "{e}"
        );
        assert!(
            prepare(
                &message(vec![pdf(1)]),
                "g",
                ProviderKind::Gemini,
                Inputs::default()
            )
            .is_ok(),
            "one fits"
        );
    }
}
