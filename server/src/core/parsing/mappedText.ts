import { isPythonWhitespace } from "../pep440/pyString";

/**
 * Text derived from a document (joined continuation lines, stripped comments, expanded variables)
 * that remembers where each piece came from, so tokens found in the derived text get spans in the
 * document. A segment is either copied (one derived character per document character) or
 * substituted (an expanded `${VAR}`: its derived characters all map to the `${VAR}` span).
 */
interface Segment {
  /** Start and end in the derived text. */
  readonly ls: number;
  readonly le: number;
  /** Start and end in the document. */
  readonly ds: number;
  readonly de: number;
  readonly copied: boolean;
}

export class MappedText {
  private constructor(
    readonly text: string,
    private readonly segments: readonly Segment[],
  ) {}

  /** A copy of `document[start, end)`. */
  static of(document: string, start: number, end: number): MappedText {
    return new MappedText(document.slice(start, end), [{ ls: 0, le: end - start, ds: start, de: end, copied: true }]);
  }

  /** Text inserted by the joining rules (pip's " " before an absorbed comment line), mapped to `at`. */
  static synthetic(text: string, at: number): MappedText {
    return new MappedText(text, [{ ls: 0, le: text.length, ds: at, de: at, copied: false }]);
  }

  static concat(parts: readonly MappedText[]): MappedText {
    const segments: Segment[] = [];
    let offset = 0;
    for (const part of parts) {
      for (const s of part.segments) segments.push({ ...s, ls: s.ls + offset, le: s.le + offset });
      offset += part.text.length;
    }
    return new MappedText(parts.map((p) => p.text).join(""), segments);
  }

  get length(): number {
    return this.text.length;
  }

  slice(start: number, end: number = this.text.length): MappedText {
    const segments: Segment[] = [];
    for (const s of this.segments) {
      const a = Math.max(s.ls, start);
      const b = Math.min(s.le, end);
      if (a >= b) continue;
      segments.push(
        s.copied
          ? { ls: a - start, le: b - start, ds: s.ds + (a - s.ls), de: s.ds + (b - s.ls), copied: true }
          : { ls: a - start, le: b - start, ds: s.ds, de: s.de, copied: false },
      );
    }
    if (segments.length === 0) {
      // An empty slice still needs an anchor, so that spans of empty tokens land in the right place.
      const at = this.toDocument(start, "start");
      segments.push({ ls: 0, le: 0, ds: at, de: at, copied: true });
    }
    return new MappedText(this.text.slice(start, end), segments);
  }

  /** Replaces ranges (sorted, non-overlapping) by values whose characters map to the replaced range. */
  substitute(replacements: readonly { start: number; end: number; value: string }[]): MappedText {
    const parts: MappedText[] = [];
    let position = 0;
    for (const r of replacements) {
      parts.push(this.slice(position, r.start));
      parts.push(
        new MappedText(r.value, [
          {
            ls: 0,
            le: r.value.length,
            ds: this.toDocument(r.start, "start"),
            de: this.toDocument(r.end, "end"),
            copied: false,
          },
        ]),
      );
      position = r.end;
    }
    parts.push(this.slice(position));
    return MappedText.concat(parts);
  }

  /**
   * The document offset of a derived offset. For a substituted segment, a start maps to the
   * beginning of what it replaced and an end to its end, so a token inside an expanded variable
   * spans the whole `${VAR}`.
   */
  toDocument(offset: number, side: "start" | "end"): number {
    const segments = this.segments;
    if (segments.length === 0) return 0;
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      const s = segments[mid] as Segment;
      if (side === "start" ? s.le <= offset : s.le < offset) low = mid + 1;
      else high = mid;
    }
    const s = segments[low] as Segment;
    if (!s.copied) return side === "start" ? s.ds : s.de;
    const clamped = Math.max(s.ls, Math.min(offset, s.le));
    return s.ds + (clamped - s.ls);
  }

  span(start: number, end: number): { start: number; end: number } {
    const a = this.toDocument(start, "start");
    const b = end <= start ? a : this.toDocument(end, "end");
    return { start: a, end: Math.max(a, b) };
  }

  /** Python's `str.strip()`. */
  strip(): MappedText {
    let start = 0;
    let end = this.text.length;
    while (start < end && isPythonWhitespace(this.text.charCodeAt(start))) start++;
    while (end > start && isPythonWhitespace(this.text.charCodeAt(end - 1))) end--;
    return this.slice(start, end);
  }
}
