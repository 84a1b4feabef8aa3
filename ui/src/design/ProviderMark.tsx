// A provider's mark: a small monochrome tile with its initials, drawn here (nothing is fetched,
// no trademark is copied). Routes get "@".

const KNOWN: Record<string, string> = {
  openai: "AI", anthropic: "A\\", gemini: "G", google: "G", mistral: "M", groq: "GQ", deepseek: "DS", openrouter: "OR",
  xai: "X", ollama: "OL", lmstudio: "LM", together: "TG", fireworks: "FW", perplexity: "PX", cohere: "CO", azure: "AZ",
  cerebras: "CB", routes: "@", local: "LC",
};

/** The initials shown for a provider id (or a `provider/model` or `@route`). */
export function initials(id: string): string {
  if (id.startsWith("@")) return "@";
  const p = id.split("/")[0].toLowerCase();
  if (KNOWN[p]) return KNOWN[p];
  const words = p.split(/[^a-z0-9]+/).filter(Boolean);
  if (words.length >= 2) return (words[0][0] + words[1][0]).toUpperCase();
  return (p.slice(0, 2) || "?").toUpperCase();
}

/** Drawn by CSS from an attribute, so the initials never mix into the text around it. */
export function ProviderMark(props: { id: string; size?: "md" | "lg" }) {
  return <span class={`mark ${props.size === "lg" ? "mark-lg" : ""}`} aria-hidden="true" data-initials={initials(props.id)} />;
}
