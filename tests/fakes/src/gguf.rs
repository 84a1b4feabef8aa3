//! Tiny GGUF files made in the test, so model tests need no real model: a valid header with a
//! `general.architecture`, the `{arch}.*` sizes a loader reads and one small tensor, aligned to
//! 32 bytes — and broken ones (truncated, not GGUF).

/// A valid GGUF v3 file of `architecture` holding one Q8_0 tensor of `blocks` blocks (32
/// weights, 34 bytes each): `general.file_type` Q8_0, context length 2048, 1 block of width 32.
pub fn model(architecture: &str, blocks: u64) -> Vec<u8> {
    let mut kvs: Vec<(String, Value)> = vec![
        (
            "general.architecture".into(),
            Value::Str(architecture.into()),
        ),
        ("general.name".into(), Value::Str("Tiny Test Model".into())),
        ("general.file_type".into(), Value::U32(7)), // MOSTLY_Q8_0
        ("general.alignment".into(), Value::U32(32)),
    ];
    for (key, v) in [
        ("context_length", 2048),
        ("block_count", 1),
        ("embedding_length", 32),
        ("attention.head_count", 2),
        ("attention.head_count_kv", 2),
    ] {
        kvs.push((format!("{architecture}.{key}"), Value::U32(v)));
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"GGUF");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes()); // tensors
    out.extend_from_slice(&(kvs.len() as u64).to_le_bytes());
    for (key, value) in &kvs {
        string(&mut out, key);
        match value {
            Value::Str(s) => {
                out.extend_from_slice(&8u32.to_le_bytes());
                string(&mut out, s);
            }
            Value::U32(n) => {
                out.extend_from_slice(&4u32.to_le_bytes());
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
    // The tensor table: name, dimensions, type (8 = Q8_0), offset in the data.
    string(&mut out, "token_embd.weight");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(blocks * 32).to_le_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    // Weights: a pattern, so two models of one size still differ from garbage.
    out.extend((0..blocks * 34).map(|i| (i % 251) as u8));
    out
}

/// A small valid llama model (a few hundred bytes).
pub fn tiny() -> Vec<u8> {
    model("llama", 4)
}

/// A valid llama model of at least `bytes` bytes.
pub fn of_size(bytes: u64) -> Vec<u8> {
    model("llama", bytes.div_ceil(34).max(1))
}

/// A model cut short: its tensor data ends early.
pub fn truncated() -> Vec<u8> {
    let mut m = tiny();
    m.truncate(m.len() - 20);
    m
}

/// Not a GGUF file at all.
pub fn not_gguf() -> Vec<u8> {
    b"<!DOCTYPE html><html><body>Not the model you were looking for</body></html>".to_vec()
}

enum Value {
    Str(String),
    U32(u32),
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}
