/**
 * Escapes text for Markdown hovers. Text from files and (later) from package indexes is untrusted:
 * without escaping, a crafted name or summary could inject links, images or HTML into the hover.
 */
export function escapeMarkdown(text: string): string {
  // Only characters that can start emphasis, code, links, HTML or tables are escaped, so plain-text
  // clients (which show the Markdown source) stay readable. Escaped text never starts a line.
  return text.replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, " ");
}

/** Inline code that cannot be broken out of: backticks inside become a longer fence. */
export function inlineCode(text: string): string {
  const clean = text.replace(/\r?\n|\r/g, " ");
  let fence = "`";
  while (clean.includes(fence)) fence += "`";
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * Untrusted text made safe for a plain-text channel (diagnostic messages, CLI output): control and
 * bidirectional-override characters removed, whitespace runs collapsed, and the length capped so a
 * megabyte-long yank reason cannot flood the Problems panel.
 */
export function plainText(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, " ");
  const collapsed = clean.replace(/\s+/g, " ").trim();
  return collapsed.length > maxLength ? `${collapsed.slice(0, maxLength - 1)}…` : collapsed;
}
