//! The built-in providers: real base URLs, so that no config is needed for them.

use url::Url;

use super::{Provider, ProviderKind, Quirks};

/// Every preset id, in listing order.
pub const PRESET_IDS: &[&str] = &[
    "openai",
    "anthropic",
    "gemini",
    "ollama",
    "openrouter",
    "mistral",
    "deepseek",
    "groq",
    "together",
    "fireworks",
    "xai",
    "lmstudio",
    "local",
];

/// The preset with this id.
pub fn preset(id: &str) -> Option<Provider> {
    let (kind, base, needs_key) = match id {
        "openai" => (ProviderKind::OpenAi, "https://api.openai.com/v1", true),
        "anthropic" => (
            ProviderKind::Anthropic,
            "https://api.anthropic.com/v1",
            true,
        ),
        "gemini" => (
            ProviderKind::Gemini,
            "https://generativelanguage.googleapis.com/v1beta",
            true,
        ),
        "ollama" => (ProviderKind::Ollama, "http://127.0.0.1:11434", false),
        "openrouter" => (ProviderKind::OpenAi, "https://openrouter.ai/api/v1", true),
        "mistral" => (ProviderKind::OpenAi, "https://api.mistral.ai/v1", true),
        "deepseek" => (ProviderKind::OpenAi, "https://api.deepseek.com/v1", true),
        "groq" => (ProviderKind::OpenAi, "https://api.groq.com/openai/v1", true),
        "together" => (ProviderKind::OpenAi, "https://api.together.xyz/v1", true),
        "fireworks" => (
            ProviderKind::OpenAi,
            "https://api.fireworks.ai/inference/v1",
            true,
        ),
        "xai" => (ProviderKind::OpenAi, "https://api.x.ai/v1", true),
        "lmstudio" => (ProviderKind::OpenAi, "http://127.0.0.1:1234/v1", false),
        // In this process: the URL is never used (nothing is sent over HTTP).
        "local" => (ProviderKind::Local, "http://127.0.0.1/", false),
        _ => return None,
    };
    let headers = if id == "openrouter" {
        // OpenRouter's app attribution headers.
        vec![
            (
                "HTTP-Referer".to_string(),
                "https://github.com/roundtable-llm/roundtable".to_string(),
            ),
            ("X-Title".to_string(), "Roundtable".to_string()),
        ]
    } else {
        Vec::new()
    };
    Some(Provider {
        id: id.to_string(),
        kind,
        base_url: Url::parse(base).expect("preset URLs are valid"),
        headers,
        enabled: true,
        needs_key,
        builtin: true,
        quirks: Quirks {
            openrouter: id == "openrouter",
            max_completion_tokens: id == "openai",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_resolves() {
        for id in PRESET_IDS {
            let p = preset(id).unwrap();
            assert_eq!(&p.id, id);
            assert!(p.base_url.scheme().starts_with("http"));
        }
        assert!(preset("nope").is_none());
        assert!(preset("openrouter")
            .unwrap()
            .headers
            .iter()
            .any(|(n, _)| n == "X-Title"));
    }
}
