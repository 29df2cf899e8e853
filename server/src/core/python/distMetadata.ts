/**
 * The `Name` and `Version` of an installed distribution, from the header block of its core metadata:
 * `*.dist-info/METADATA`, or `PKG-INFO` in (or as) an `*.egg-info`. The format is RFC 822 headers
 * ending at the first empty line; since Metadata 2.1 the description follows as the body, and it may
 * itself contain `Name:` lines, so nothing after the header block is read.
 *
 * Compared with Python's `email` parser (which `importlib.metadata` and pip use), this reader is a
 * little more forgiving: a line that is neither a header nor a continuation is skipped rather than
 * ending the headers. Like `Message.get`, the first `Name` and the first `Version` win.
 */

/** An installed distribution's name (as written, not normalised) and version string. */
export interface DistMetadata {
  readonly name: string;
  readonly version: string;
}

/** Names and versions are short; a longer value is garbage (and keeps unfolding bounded). */
const maxValueLength = 1024;
/** Longer lines (a long unfolded description, binary junk) are skipped without being matched. */
const maxLineLength = 8192;
/** A header line: a field name of printable ASCII other than `:` and space, then `:`. */
const headerLine = /^([!-9;-~]+)[ \t]*:(.*)$/s;

/**
 * Parses the start of a METADATA or PKG-INFO text. Returns null when the header block has no usable
 * `Name` or `Version` (absent, empty, over-long or containing control characters). Never throws.
 */
export function parseDistMetadata(text: string): DistMetadata | null {
  let name: string | undefined;
  let version: string | undefined;
  // Which of the two fields the previous header line started, so that a folded continuation line
  // (one starting with a space or tab) can be appended to it, as RFC 822 unfolding does.
  let current: "name" | "version" | undefined;
  let overLong = false;
  const start = text.startsWith("\uFEFF") ? 1 : 0;
  for (const line of headerBlockLines(text, start)) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (current === undefined) continue;
      const extra = line.trim();
      if (extra === "") continue;
      if (current === "name") name = unfold(name, extra);
      else version = unfold(version, extra);
      if ((name?.length ?? 0) > maxValueLength || (version?.length ?? 0) > maxValueLength) {
        overLong = true;
        break;
      }
      continue;
    }
    current = undefined;
    // Both found and the last one is complete (this line is not its continuation): done.
    if (name !== undefined && version !== undefined) break;
    const header = line.length > maxLineLength ? null : headerLine.exec(line);
    if (header === null) continue;
    const key = (header[1] ?? "").toLowerCase();
    const value = (header[2] ?? "").trim();
    if (key === "name" && name === undefined) {
      name = value;
      current = "name";
    } else if (key === "version" && version === undefined) {
      version = value;
      current = "version";
    }
  }
  if (overLong || name === undefined || version === undefined) return null;
  return usable(name) && usable(version) ? { name, version } : null;
}

/** Appends a continuation line's text, the line break becoming one space (none after an empty value). */
function unfold(value: string | undefined, extra: string): string {
  return value === undefined || value === "" ? extra : `${value} ${extra}`;
}

/** Non-empty, not over-long, and free of control characters (which never occur in a real name or version). */
function usable(value: string): boolean {
  if (value === "" || value.length > maxValueLength) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/**
 * The lines of the header block, split at CRLF, CR or LF as Python's `email` parser does, up to (not
 * including) the first empty line. Only an empty line ends the headers: a line of blanks is a blank
 * continuation line, which is how old setuptools wrote empty lines inside a folded `Description`. Lazy,
 * so a multi-megabyte body is never split.
 */
function* headerBlockLines(text: string, start: number): Generator<string> {
  let at = start;
  while (at < text.length) {
    let end = at;
    while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
    if (end === at) return;
    yield text.slice(at, end);
    at = text[end] === "\r" && text[end + 1] === "\n" ? end + 2 : end + 1;
  }
}
