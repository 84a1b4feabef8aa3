// What the command palette offers and how it filters: pure functions, tested on their own.

export interface Command {
  /** Unique among the palette's entries. */
  id: string;
  label: string;
  group: string;
  /** Shown on the right (a shortcut, a price, a date). */
  hint?: string;
  /** More words that find it. */
  keywords?: string;
  run: () => void;
}

/**
 * The commands that match `query` (every word must be found in the label or keywords, in any
 * order), best first within each group: a label starting with the query, then a word starting
 * with it, then anywhere. Groups keep their order; each shows at most `perGroup` entries.
 */
export function filter(all: Command[], query: string, perGroup = 8): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored: { c: Command; score: number; order: number }[] = [];
  all.forEach((c, order) => {
    const label = c.label.toLowerCase();
    const hay = `${label} ${(c.keywords ?? "").toLowerCase()}`;
    if (!words.every((w) => hay.includes(w))) return;
    const q = words.join(" ");
    const score = !q ? 0 : label.startsWith(q) ? 0 : new RegExp(`(^|[\\s/@._-])${escape(words[0])}`).test(label) ? 1 : label.includes(words[0]) ? 2 : 3;
    scored.push({ c, score, order });
  });
  const groups = [...new Set(all.map((c) => c.group))];
  const out: Command[] = [];
  for (const g of groups) {
    const inGroup = scored.filter((s) => s.c.group === g).sort((a, b) => a.score - b.score || a.order - b.order);
    out.push(...inGroup.slice(0, perGroup).map((s) => s.c));
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
