//! `[presets.NAME]`: a named system prompt, model (or route) and parameters, used by
//! `roundtable chat -p NAME`, `compare -p NAME` / `-m MODEL#NAME` and the app's preset picker.
//!
//! Every key is optional. While the config has no `[presets]` table at all, a few built-in
//! examples ([`BUILT_IN`]) are offered; the first edit in Settings writes them into the file, where
//! the person can change or delete them like their own.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::chat::ReasoningEffort;

/// One preset. Every field is optional; a flag given beside `-p` wins over it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[ts(optional_fields = nullable, rename = "PresetFields")]
pub struct PresetConfig {
    /// The system prompt.
    pub system: Option<String>,
    /// `provider/model` or `@route`.
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub max_tokens: Option<u32>,
    pub reasoning: Option<ReasoningEffort>,
    pub stop: Option<Vec<String>>,
    pub seed: Option<u64>,
}

/// The most stop sequences a preset (or a conversation) has; providers take 4 or 5.
pub const MAX_STOP: usize = 4;

/// The built-in examples, offered while the config has no `[presets]` table.
pub const BUILT_IN: &[(&str, &str, Option<f32>)] = &[
    (
        "terse",
        "Answer in one or two sentences. No preamble, no lists unless asked.",
        Some(0.2),
    ),
    (
        "precise",
        "Be exact. Say when you are unsure, and never invent facts, names or numbers.",
        Some(0.0),
    ),
    (
        "creative",
        "Be inventive: offer fresh angles and vivid wording.",
        Some(1.0),
    ),
    (
        "code-review",
        "You review code. List bugs first (with line references), then risks, then style. Be brief.",
        Some(0.2),
    ),
];

/// The built-in examples as presets.
pub fn built_in() -> Vec<(String, PresetConfig)> {
    BUILT_IN
        .iter()
        .map(|(name, system, temperature)| {
            (
                (*name).to_string(),
                PresetConfig {
                    system: Some((*system).to_string()),
                    temperature: *temperature,
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// Whether `name` can name a preset: 1–40 of letters, digits, `-`, `_` and `.`.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= 40
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a preset name (1–40 letters, digits, `-`, `_` or `.`)"
        ))
    }
}

impl PresetConfig {
    /// What is wrong with its values, as (field, why).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Some(("temperature", format!("{t} is out of range (0 to 2)")));
            }
        }
        if let Some(p) = self.top_p {
            if !(p > 0.0 && p <= 1.0) {
                return Some(("top_p", format!("{p} is out of range (above 0, at most 1)")));
            }
        }
        if self.max_tokens == Some(0) {
            return Some(("max_tokens", "0 is not a length (1 or more)".into()));
        }
        if let Some(stop) = &self.stop {
            if stop.len() > MAX_STOP {
                return Some((
                    "stop",
                    format!("{} stop sequences; at most {MAX_STOP}", stop.len()),
                ));
            }
            if stop.iter().any(String::is_empty) {
                return Some(("stop", "a stop sequence is empty".into()));
            }
        }
        if let Some(m) = &self.model {
            if !super::is_model_shape(m) {
                return Some((
                    "model",
                    format!("`{m}` is neither provider/model nor @route"),
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_checked() {
        assert!(check_name("terse").is_ok());
        assert!(check_name("code-review.v2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("x#y").is_err());
        let bad = |p: PresetConfig| p.problem().map(|(f, _)| f);
        assert_eq!(bad(PresetConfig::default()), None);
        let t = |t| PresetConfig {
            temperature: Some(t),
            ..Default::default()
        };
        assert_eq!(bad(t(2.5)), Some("temperature"));
        assert_eq!(bad(t(2.0)), None);
        let p = PresetConfig {
            top_p: Some(0.0),
            ..Default::default()
        };
        assert_eq!(bad(p), Some("top_p"));
        let m = PresetConfig {
            model: Some("gpt".into()),
            ..Default::default()
        };
        assert_eq!(bad(m), Some("model"));
        let s = PresetConfig {
            stop: Some(vec!["a".into(); 5]),
            ..Default::default()
        };
        assert_eq!(bad(s), Some("stop"));
        for (name, p) in built_in() {
            assert!(check_name(&name).is_ok() && p.problem().is_none(), "{name}");
        }
    }
}
