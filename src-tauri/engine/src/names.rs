//! Names every layer shares: the keychain account of the gateway's token, the names no provider
//! may take, and the environment variables a provider's key may come from.

/// The keychain account the token is filed under.
pub const TOKEN_ACCOUNT: &str = "gateway-token";

/// Names no provider may have: keychain accounts that are not provider keys.
pub const RESERVED: &[&str] = &[TOKEN_ACCOUNT];

/// Whether `id` is a name no provider may have.
pub fn is_reserved(id: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(id.trim()))
}

/// The environment variables that may hold `provider_id`'s key, in the order they are tried:
/// `ROUNDTABLE_KEY_<ID>` first, then the provider's usual variable.
pub fn env_var_names(provider_id: &str) -> Vec<String> {
    let own: String = provider_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut names = vec![format!("ROUNDTABLE_KEY_{own}")];
    let usual: &[&str] = match provider_id {
        "openai" => &["OPENAI_API_KEY"],
        "anthropic" => &["ANTHROPIC_API_KEY"],
        "gemini" => &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        "openrouter" => &["OPENROUTER_API_KEY"],
        "mistral" => &["MISTRAL_API_KEY"],
        "deepseek" => &["DEEPSEEK_API_KEY"],
        "groq" => &["GROQ_API_KEY"],
        "together" => &["TOGETHER_API_KEY"],
        "fireworks" => &["FIREWORKS_API_KEY"],
        "xai" => &["XAI_API_KEY"],
        _ => &[],
    };
    names.extend(usual.iter().map(|s| s.to_string()));
    names
}
