/**
 * Decoding a requirements file's bytes as pip's `_decode_req_file` does: a BOM first (checked in
 * pip's order, UTF-32 before UTF-16 because the UTF-16-LE BOM prefixes the UTF-32-LE one), then a
 * PEP 263 coding comment on one of the first two lines, then UTF-8.
 */

export interface Decoded {
  readonly text: string;
  readonly encoding: string;
  /** Set when the bytes were not valid in the chosen encoding and were decoded with replacements. */
  readonly warning?: string;
}

const boms: readonly [readonly number[], string][] = [
  [[0xef, 0xbb, 0xbf], "utf-8"],
  [[0xff, 0xfe, 0x00, 0x00], "utf-32"],
  [[0x00, 0x00, 0xfe, 0xff], "utf-32-be"],
  [[0xff, 0xfe, 0x00, 0x00], "utf-32-le"],
  [[0xff, 0xfe], "utf-16"],
  [[0xfe, 0xff], "utf-16-be"],
  [[0xff, 0xfe], "utf-16-le"],
];

/** Python codec names (as written in coding comments) to WHATWG TextDecoder labels. */
function decoderLabel(encoding: string): string | undefined {
  const name = encoding.toLowerCase().replace(/_/g, "-");
  const aliases: Readonly<Record<string, string>> = {
    "utf-8": "utf-8",
    utf8: "utf-8",
    "utf-8-sig": "utf-8",
    latin1: "latin1",
    "latin-1": "latin1",
    "iso-8859-1": "latin1",
    "iso8859-1": "latin1",
    l1: "latin1",
    cp1252: "windows-1252",
    "windows-1252": "windows-1252",
    ascii: "latin1",
    "us-ascii": "latin1",
    "utf-16": "utf-16le",
    "utf-16-le": "utf-16le",
    "utf-16le": "utf-16le",
    "utf-16-be": "utf-16be",
    "utf-16be": "utf-16be",
  };
  const label = aliases[name] ?? name;
  try {
    new TextDecoder(label);
    return label;
  } catch {
    return undefined;
  }
}

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): { text: string; ok: boolean } {
  let text = "";
  let ok = bytes.length % 4 === 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const code = view.getUint32(i, littleEndian);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      ok = false;
      parts.push("\ufffd");
    } else {
      parts.push(String.fromCodePoint(code));
    }
    if (parts.length >= 4096) {
      text += parts.join("");
      parts.length = 0;
    }
  }
  return { text: text + parts.join(""), ok };
}

function decodeWith(bytes: Uint8Array, encoding: string): { text: string; ok: boolean } {
  if (encoding === "utf-32" || encoding === "utf-32-le") return decodeUtf32(bytes, true);
  if (encoding === "utf-32-be") return decodeUtf32(bytes, false);
  const label = decoderLabel(encoding) ?? "utf-8";
  try {
    return { text: new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes), ok: true };
  } catch {
    return { text: new TextDecoder(label, { fatal: false, ignoreBOM: true }).decode(bytes), ok: false };
  }
}

const codingPattern = /coding[:=]\s*([-\w.]+)/;

export function decodeRequirementsBytes(bytes: Uint8Array): Decoded {
  for (const [bom, encoding] of boms) {
    if (bom.every((b, i) => bytes[i] === b)) {
      const { text, ok } = decodeWith(bytes.subarray(bom.length), encoding);
      return ok
        ? { text, encoding: `${encoding} (BOM)` }
        : { text, encoding, warning: `The file has a ${encoding} BOM but is not valid ${encoding}.` };
    }
  }
  // A PEP 263 coding comment counts only on the first two lines, and only on a line starting with '#'.
  let lineStart = 0;
  for (let line = 0; line < 2 && lineStart <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, lineStart);
    if (end < 0) end = bytes.length;
    if (bytes[lineStart] === 0x23 /* # */) {
      const head = String.fromCharCode(...bytes.subarray(lineStart, Math.min(end, lineStart + 200)));
      const match = codingPattern.exec(head);
      if (match?.[1] !== undefined) {
        const declared = match[1];
        if (decoderLabel(declared) === undefined && !declared.toLowerCase().startsWith("utf-32")) {
          const { text } = decodeWith(bytes, "utf-8");
          return {
            text,
            encoding: "utf-8",
            warning: `Unknown encoding '${declared}' in the coding comment; read as UTF-8.`,
          };
        }
        const { text, ok } = decodeWith(bytes, declared);
        return ok
          ? { text, encoding: declared }
          : { text, encoding: declared, warning: `The file is not valid ${declared} as its coding comment declares.` };
      }
    }
    lineStart = end + 1;
  }
  const { text, ok } = decodeWith(bytes, "utf-8");
  if (ok) return { text, encoding: "utf-8" };
  return {
    text,
    encoding: "utf-8",
    warning:
      "The file is not valid UTF-8: pip falls back to the locale's encoding, and fails on a UTF-8 system. Invalid bytes are shown as \ufffd.",
  };
}
