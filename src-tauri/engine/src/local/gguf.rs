//! Reads a GGUF file's header — its metadata and tensor table — in Rust, without loading the
//! model: what `models list` shows (architecture, quantisation, context length), what the memory
//! check needs, and a check that the file is whole and well formed before llama.cpp sees it
//! (llama.cpp asserts, and so aborts the process, on some malformed files).
//!
//! Every length read from the file is checked against the bytes left before anything is
//! allocated for it, so a corrupt length cannot make us allocate gigabytes.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// What a GGUF file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GgufInfo {
    /// `general.architecture` (`llama`, `qwen2`, `gemma3`, …).
    pub architecture: String,
    /// `general.name`, if given.
    pub name: Option<String>,
    /// The quantisation (`Q4_K_M`, `Q8_0`, `F16`, …), from `general.file_type` or else the most
    /// common tensor type.
    pub quantization: String,
    /// The context window it was trained for, in tokens.
    pub context_length: Option<u64>,
    /// Its parameters, counted from the tensor table.
    pub parameters: u64,
    /// Transformer blocks (`{arch}.block_count`).
    pub block_count: Option<u64>,
    /// The embedding width (`{arch}.embedding_length`).
    pub embedding_length: Option<u64>,
    /// Attention heads (`{arch}.attention.head_count`).
    pub head_count: Option<u64>,
    /// Key/value heads (`{arch}.attention.head_count_kv`; the heads when absent).
    pub head_count_kv: Option<u64>,
    /// The width of one block's keys and values per token, averaged (`(key_length +
    /// value_length) × kv heads / 2`), when the file gives the head sizes.
    pub key_value_width: Option<u64>,
    /// Whether `tokenizer.chat_template` is present.
    pub has_chat_template: bool,
    /// The file's size in bytes.
    pub file_size: u64,
}

impl GgufInfo {
    /// Bytes of memory the model needs with a `context`-token window: its weights, the key/value
    /// cache (16-bit keys and values for every block) and a working margin for the compute
    /// buffers (32 MB plus the logits of one batch).
    pub fn memory_needed(&self, context: u64) -> u64 {
        let blocks = self.block_count.unwrap_or(32);
        let embd = self.embedding_length.unwrap_or(4096);
        let heads = self.head_count.unwrap_or(1).max(1);
        let kv_heads = self.head_count_kv.unwrap_or(heads);
        let kv_width = self
            .key_value_width
            .unwrap_or_else(|| embd.saturating_mul(kv_heads) / heads);
        let kv = blocks
            .saturating_mul(context)
            .saturating_mul(kv_width)
            .saturating_mul(4);
        self.file_size
            .saturating_add(kv)
            .saturating_add(32 << 20)
            .saturating_add(embd.saturating_mul(512 * 4))
    }
}

/// Why a file is not a usable GGUF model. The `Display` text says what and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The file does not start with the GGUF magic.
    #[error("not a GGUF file (it starts with {0}; a GGUF model starts with `GGUF`)")]
    NotGguf(String),
    /// A GGUF version this reader does not know.
    #[error("GGUF version {0} is not supported (versions 2 and 3 are)")]
    Version(u32),
    /// The file ends before its header or its tensors do.
    #[error("the file is truncated: {0}; download or copy it again")]
    Truncated(String),
    /// A value in the header cannot be right.
    #[error("the file is corrupt: {0}")]
    Corrupt(String),
    /// An architecture the built-in runtime cannot run.
    #[error("architecture `{0}` is not supported by the built-in runtime (llama.cpp); supported are chat models such as llama, qwen2, qwen3, gemma, gemma2, gemma3, phi3, mistral3, smollm3, granite and olmo2")]
    Architecture(String),
    /// The file could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The architectures llama.cpp (as built here) runs as chat models.
const ARCHITECTURES: &[&str] = &[
    "llama",
    "llama4",
    "deci",
    "falcon",
    "falcon-h1",
    "grok",
    "gpt2",
    "gptj",
    "gptneox",
    "mpt",
    "baichuan",
    "starcoder",
    "starcoder2",
    "refact",
    "bloom",
    "stablelm",
    "qwen",
    "qwen2",
    "qwen2moe",
    "qwen3",
    "qwen3moe",
    "phi2",
    "phi3",
    "phimoe",
    "plamo",
    "plamo2",
    "codeshell",
    "orion",
    "internlm2",
    "minicpm",
    "minicpm3",
    "gemma",
    "gemma2",
    "gemma3",
    "gemma3n",
    "mamba",
    "mamba2",
    "xverse",
    "command-r",
    "cohere2",
    "dbrx",
    "olmo",
    "olmo2",
    "olmoe",
    "openelm",
    "arctic",
    "deepseek",
    "deepseek2",
    "chatglm",
    "glm4",
    "glm4moe",
    "bitnet",
    "jais",
    "nemotron",
    "exaone",
    "exaone4",
    "rwkv6",
    "rwkv6qwen2",
    "rwkv7",
    "arwkv7",
    "granite",
    "granitemoe",
    "granitehybrid",
    "chameleon",
    "plm",
    "bailingmoe",
    "dots1",
    "arcee",
    "ernie4_5",
    "ernie4_5-moe",
    "hunyuan-moe",
    "hunyuan-dense",
    "smollm3",
    "gpt-oss",
    "lfm2",
    "mistral3",
    "seed_oss",
    "apertus",
    "jamba",
    "minimax-m2",
    "smallthinker",
];

/// Whether the built-in runtime runs this architecture.
pub fn supported(architecture: &str) -> bool {
    ARCHITECTURES.contains(&architecture)
}

/// The most key/value pairs and tensors a header may declare.
const MAX_KV: u64 = 1 << 20;
const MAX_TENSORS: u64 = 1 << 20;
/// The most elements of one metadata array (a vocabulary of 1M tokens fits).
const MAX_ARRAY: u64 = 1 << 24;

/// Reads `path`'s header and checks that every tensor lies inside the file.
pub fn read(path: &Path) -> Result<GgufInfo, GgufError> {
    let file = File::open(path)?;
    let file_size = file.metadata()?.len();
    let mut r = Reader {
        inner: BufReader::with_capacity(64 * 1024, file),
        pos: 0,
        size: file_size,
    };
    let mut magic = [0u8; 4];
    if file_size < 4 {
        return Err(GgufError::NotGguf(format!("only {file_size} bytes")));
    }
    r.bytes(&mut magic, "the magic")?;
    if &magic != b"GGUF" {
        return Err(GgufError::NotGguf(describe_magic(&magic)));
    }
    let version = r.u32("the version")?;
    if !(2..=3).contains(&version) {
        return Err(GgufError::Version(version));
    }
    let tensors = r.u64("the tensor count")?;
    let kvs = r.u64("the metadata count")?;
    if tensors > MAX_TENSORS || kvs > MAX_KV {
        return Err(GgufError::Corrupt(format!(
            "it declares {tensors} tensors and {kvs} metadata entries"
        )));
    }
    let mut meta = Meta::default();
    for _ in 0..kvs {
        let key = r.string("a metadata key")?;
        let ty = r.u32("a metadata type")?;
        meta.read_value(&mut r, &key, ty)?;
    }
    let alignment = meta.alignment.unwrap_or(32);
    if alignment == 0 || !alignment.is_power_of_two() || alignment > 1 << 20 {
        return Err(GgufError::Corrupt(format!(
            "general.alignment is {alignment}"
        )));
    }
    let mut parameters = 0u64;
    let mut data_end = 0u64;
    let mut type_counts: Vec<(u32, u64)> = Vec::new();
    for _ in 0..tensors {
        let name = r.string("a tensor name")?;
        let dims = r.u32("a tensor's dimension count")?;
        if dims == 0 || dims > 4 {
            return Err(GgufError::Corrupt(format!(
                "tensor `{name}` has {dims} dimensions"
            )));
        }
        let mut elements = 1u64;
        for _ in 0..dims {
            let d = r.u64("a tensor dimension")?;
            elements = elements.checked_mul(d).ok_or_else(|| {
                GgufError::Corrupt(format!("tensor `{name}` is impossibly large"))
            })?;
        }
        let ty = r.u32("a tensor type")?;
        let offset = r.u64("a tensor offset")?;
        let (block, bytes) = type_size(ty).ok_or_else(|| {
            GgufError::Corrupt(format!(
                "tensor `{name}` has type {ty}, which this runtime does not know"
            ))
        })?;
        if !elements.is_multiple_of(block) {
            return Err(GgufError::Corrupt(format!(
                "tensor `{name}` has {elements} elements, not a whole number of blocks"
            )));
        }
        let size = (elements / block)
            .checked_mul(bytes)
            .ok_or_else(|| GgufError::Corrupt(format!("tensor `{name}` is impossibly large")))?;
        if !offset.is_multiple_of(alignment) {
            return Err(GgufError::Corrupt(format!(
                "tensor `{name}` is not aligned"
            )));
        }
        data_end = data_end.max(offset.saturating_add(size));
        parameters = parameters.saturating_add(elements);
        match type_counts.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, n)) => *n = n.saturating_add(elements),
            None => type_counts.push((ty, elements)),
        }
    }
    let data_start = r.pos.div_ceil(alignment) * alignment;
    let needed = data_start.saturating_add(data_end);
    if needed > file_size {
        return Err(GgufError::Truncated(format!(
            "its tensors need {needed} bytes but the file has {file_size}"
        )));
    }
    let architecture = meta
        .architecture
        .clone()
        .ok_or_else(|| GgufError::Corrupt("general.architecture is missing".into()))?;
    let quantization = match meta.file_type {
        Some(ft) => file_type_name(ft).map(str::to_string),
        None => None,
    }
    .or_else(|| {
        type_counts
            .iter()
            .filter(|(t, _)| *t != 0)
            .max_by_key(|(_, n)| *n)
            .and_then(|(t, _)| tensor_type_name(*t))
            .map(str::to_string)
    })
    .unwrap_or_else(|| "F32".into());
    let arch_key = |suffix: &str| {
        meta.numbers
            .get(&format!("{architecture}.{suffix}"))
            .copied()
    };
    // (An architecture the runtime does not run is refused by `read_runnable`, by name.)
    if supported(&architecture) {
        check_sizes(&arch_key)?;
    }
    let key_value_width = match (
        arch_key("attention.key_length"),
        arch_key("attention.value_length"),
        arch_key("attention.head_count_kv").or(arch_key("attention.head_count")),
    ) {
        (Some(k), Some(v), Some(heads)) => Some(k.saturating_add(v).saturating_mul(heads) / 2),
        _ => None,
    };
    Ok(GgufInfo {
        key_value_width,
        context_length: arch_key("context_length"),
        block_count: arch_key("block_count"),
        embedding_length: arch_key("embedding_length"),
        head_count: arch_key("attention.head_count"),
        head_count_kv: arch_key("attention.head_count_kv"),
        architecture,
        name: meta.name,
        quantization,
        parameters,
        has_chat_template: meta.chat_template,
        file_size,
    })
}

/// The sizes llama.cpp checks with assertions (which abort the process) while loading a model:
/// refused here with an error instead.
fn check_sizes(arch_key: &dyn Fn(&str) -> Option<u64>) -> Result<(), GgufError> {
    let blocks = arch_key("block_count")
        .ok_or_else(|| GgufError::Corrupt("the block count is missing".into()))?;
    if !(1..=512).contains(&blocks) {
        return Err(GgufError::Corrupt(format!("the block count is {blocks}")));
    }
    if arch_key("nextn_predict_layers").is_some_and(|n| n > blocks) {
        return Err(GgufError::Corrupt(
            "more prediction layers than blocks".into(),
        ));
    }
    let experts = arch_key("expert_count").unwrap_or(0);
    let used = arch_key("expert_used_count").unwrap_or(0);
    if experts > 1024 || used > experts || (experts > 0 && used == 0) {
        return Err(GgufError::Corrupt(format!(
            "{experts} experts with {used} used per token"
        )));
    }
    Ok(())
}

/// Reads [`read`] and refuses an architecture the runtime cannot run.
pub fn read_runnable(path: &Path) -> Result<GgufInfo, GgufError> {
    let info = read(path)?;
    if !supported(&info.architecture) {
        return Err(GgufError::Architecture(info.architecture));
    }
    Ok(info)
}

fn describe_magic(magic: &[u8; 4]) -> String {
    if magic.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("`{}`", String::from_utf8_lossy(magic))
    } else {
        format!(
            "bytes {:02x} {:02x} {:02x} {:02x}",
            magic[0], magic[1], magic[2], magic[3]
        )
    }
}

/// The metadata this reader keeps.
#[derive(Default)]
struct Meta {
    architecture: Option<String>,
    name: Option<String>,
    file_type: Option<u64>,
    alignment: Option<u64>,
    chat_template: bool,
    /// Integer values by key (only the `{arch}.*` sizes are looked up).
    numbers: std::collections::HashMap<String, u64>,
}

impl Meta {
    fn read_value(&mut self, r: &mut Reader, key: &str, ty: u32) -> Result<(), GgufError> {
        match ty {
            8 => {
                let wanted = matches!(key, "general.architecture" | "general.name");
                if wanted {
                    let v = r.string(key)?;
                    if key == "general.architecture" {
                        self.architecture = Some(v);
                    } else {
                        self.name = Some(v);
                    }
                } else {
                    if key == "tokenizer.chat_template" {
                        self.chat_template = true;
                    }
                    r.skip_string(key)?;
                }
            }
            9 => {
                let item = r.u32(key)?;
                let n = r.u64(key)?;
                if n > MAX_ARRAY {
                    return Err(GgufError::Corrupt(format!("`{key}` declares {n} items")));
                }
                match item {
                    8 => {
                        for _ in 0..n {
                            r.skip_string(key)?;
                        }
                    }
                    9 => return Err(GgufError::Corrupt(format!("`{key}` nests arrays"))),
                    t => {
                        let each = scalar_size(t).ok_or_else(|| {
                            GgufError::Corrupt(format!("`{key}` has items of unknown type {t}"))
                        })?;
                        r.skip(n * each, key)?;
                    }
                }
            }
            t => {
                let size = scalar_size(t)
                    .ok_or_else(|| GgufError::Corrupt(format!("`{key}` has unknown type {t}")))?;
                let mut buf = [0u8; 8];
                r.bytes(&mut buf[..size as usize], key)?;
                let value = match t {
                    0 | 7 => u64::from(buf[0]),
                    1 => (buf[0] as i8).max(0) as u64,
                    2 => u64::from(u16::from_le_bytes([buf[0], buf[1]])),
                    3 => i16::from_le_bytes([buf[0], buf[1]]).max(0) as u64,
                    4 => u64::from(u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]])),
                    5 => i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]).max(0) as u64,
                    10 => u64::from_le_bytes(buf),
                    11 => i64::from_le_bytes(buf).max(0) as u64,
                    _ => return Ok(()), // floats: nothing kept
                };
                match key {
                    "general.file_type" => self.file_type = Some(value),
                    "general.alignment" => self.alignment = Some(value),
                    // Only the sizes this reader uses are kept (a file may hold many keys).
                    _ if key.len() <= 256 && KEPT.iter().any(|k| key.ends_with(k)) => {
                        self.numbers.insert(key.to_string(), value);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// The `{arch}.…` integer keys kept: the sizes shown and used for the memory estimate, and
/// those llama.cpp asserts on while loading (checked here instead, see [`check_sizes`]).
const KEPT: &[&str] = &[
    ".context_length",
    ".block_count",
    ".embedding_length",
    ".attention.head_count",
    ".attention.head_count_kv",
    ".attention.key_length",
    ".attention.value_length",
    ".expert_count",
    ".expert_used_count",
    ".nextn_predict_layers",
];

/// The size of a scalar metadata type, in bytes.
fn scalar_size(ty: u32) -> Option<u64> {
    Some(match ty {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        10..=12 => 8,
        _ => return None,
    })
}

/// A tensor type's block: (elements per block, bytes per block).
fn type_size(ty: u32) -> Option<(u64, u64)> {
    Some(match ty {
        0 => (1, 4),     // F32
        1 => (1, 2),     // F16
        2 => (32, 18),   // Q4_0
        3 => (32, 20),   // Q4_1
        6 => (32, 22),   // Q5_0
        7 => (32, 24),   // Q5_1
        8 => (32, 34),   // Q8_0
        9 => (32, 36),   // Q8_1
        10 => (256, 84), // Q2_K
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        16 => (256, 66), // IQ2_XXS
        17 => (256, 74),
        18 => (256, 98),
        19 => (256, 50),
        20 => (32, 18), // IQ4_NL
        21 => (256, 110),
        22 => (256, 82),
        23 => (256, 136),
        24 => (1, 1), // I8
        25 => (1, 2),
        26 => (1, 4),
        27 => (1, 8),
        28 => (1, 8), // F64
        29 => (256, 56),
        30 => (1, 2), // BF16
        34 => (256, 54),
        35 => (256, 66),
        39 => (32, 17), // MXFP4
        _ => return None,
    })
}

fn tensor_type_name(ty: u32) -> Option<&'static str> {
    Some(match ty {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        6 => "Q5_0",
        7 => "Q5_1",
        8 => "Q8_0",
        10 => "Q2_K",
        11 => "Q3_K",
        12 => "Q4_K",
        13 => "Q5_K",
        14 => "Q6_K",
        30 => "BF16",
        _ => return None,
    })
}

/// llama.cpp's `llama_ftype` names.
fn file_type_name(ft: u64) -> Option<&'static str> {
    Some(match ft {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4",
        _ => return None,
    })
}

/// A bounded little-endian reader that knows how much of the file is left.
struct Reader {
    inner: BufReader<File>,
    pos: u64,
    size: u64,
}

impl Reader {
    fn need(&self, n: u64, what: &str) -> Result<(), GgufError> {
        if self.pos.saturating_add(n) > self.size {
            return Err(GgufError::Truncated(format!(
                "it ends at byte {} while reading {what}",
                self.size
            )));
        }
        Ok(())
    }

    fn bytes(&mut self, buf: &mut [u8], what: &str) -> Result<(), GgufError> {
        self.need(buf.len() as u64, what)?;
        self.inner.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn u32(&mut self, what: &str) -> Result<u32, GgufError> {
        let mut b = [0u8; 4];
        self.bytes(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self, what: &str) -> Result<u64, GgufError> {
        let mut b = [0u8; 8];
        self.bytes(&mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), GgufError> {
        self.need(n, what)?;
        let n_i64 =
            i64::try_from(n).map_err(|_| GgufError::Corrupt(format!("`{what}` is too long")))?;
        self.inner.seek_relative(n_i64)?;
        self.pos += n;
        Ok(())
    }

    fn string(&mut self, what: &str) -> Result<String, GgufError> {
        let len = self.u64(what)?;
        if len > 1 << 20 {
            return Err(GgufError::Corrupt(format!("{what} is {len} bytes long")));
        }
        let mut buf = vec![0u8; len as usize];
        self.bytes(&mut buf, what)?;
        String::from_utf8(buf).map_err(|_| GgufError::Corrupt(format!("{what} is not UTF-8")))
    }

    fn skip_string(&mut self, what: &str) -> Result<(), GgufError> {
        let len = self.u64(what)?;
        self.skip(len, what)
    }
}
