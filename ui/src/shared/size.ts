// A file's size in words, the one way the app writes it: 512 B, 9.5 KB, 234 KB, 2.1 MB (steps of
// 1024, as the engine counts its limits; one decimal below 10, whole numbers above).

const UNITS = ["B", "KB", "MB", "GB"] as const;

/** `bytes` as "12 B", "9.5 KB", "234 KB", "2.1 MB"… */
export function fileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes) || 0)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) { value /= 1024; unit++; }
  let shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.7 KB rounds to 1024 KB: that is 1.0 MB.
  if (shown >= 1024 && unit < UNITS.length - 1) { shown = 1; unit++; }
  return `${shown < 10 ? shown.toFixed(1) : shown} ${UNITS[unit]}`;
}
