/**
 * Characters that are invisible or act on the display rather than show as text: C0 and C1 controls
 * (NUL, BEL, ESC of ANSI sequences …), DEL, and the bidirectional marks, embeddings, overrides and
 * isolates (U+202E can make `evil.exe` look like `exe.live`). Untrusted text shown to a user has them
 * removed. Line breaks and tabs are among them; callers that keep the shape of text turn those into
 * spaces first.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point of this pattern.
const invisibleCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Line and paragraph breaks of every kind, including the Unicode separators and NEL. */
// eslint-disable-next-line no-control-regex -- vertical tab and form feed break lines too.
const lineBreaks = /\r\n|[\r\n\t\u000b\u000c\u0085\u2028\u2029]/g;

/** The longest text put into one inline code span; longer text is cut with an ellipsis. */
const maxInlineCode = 500;

/**
 * Escapes text for Markdown hovers. Text from files and package indexes is untrusted: without
 * escaping, a crafted name or summary could inject links, images or HTML into the hover, and control
 * or bidirectional-override characters could disguise what it says.
 */
export function escapeMarkdown(text: string): string {
  // Only characters that can start emphasis, code, links, HTML or tables are escaped, so plain-text
  // clients (which show the Markdown source) stay readable. Escaped text never starts a line, and it is
  // trimmed so that `*summary*` stays emphasis rather than becoming a list item or a literal asterisk.
  return text
    .replace(lineBreaks, " ")
    .replace(invisibleCharacters, "")
    .replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`)
    .trim();
}

/** Inline code that cannot be broken out of: backticks inside become a longer fence. */
export function inlineCode(text: string): string {
  let clean = text.replace(lineBreaks, " ").replace(invisibleCharacters, "");
  if (clean.length > maxInlineCode) clean = `${cut(clean, maxInlineCode - 1)}…`;
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
  // Only a bounded prefix is cleaned: a megabyte of text is not scanned on every analysis to show 200
  // characters of it. Eight times the budget leaves room for whitespace runs that collapse.
  const truncated = text.length > maxLength * 8;
  const head = truncated ? text.slice(0, maxLength * 8) : text;
  const clean = head.replace(lineBreaks, " ").replace(invisibleCharacters, " ");
  const collapsed = clean.replace(/\s+/g, " ").trim();
  return collapsed.length > maxLength || truncated ? `${cut(collapsed, maxLength - 1)}…` : collapsed;
}

/** The first `length` UTF-16 code units of `text`, one fewer rather than half of a surrogate pair. */
function cut(text: string, length: number): string {
  if (text.length <= length) return text;
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
