/**
 * A half-open range of UTF-16 code-unit offsets into a document's text. These are JavaScript string
 * indices and also the LSP default position encoding, so a span converts to an LSP range without
 * re-encoding. Spans are produced by the parsers and turned into line/character ranges only at the
 * LSP edge (`server/src/convert.ts`).
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Creates a span; `end` is clamped so that it is never before `start`. */
export function span(start: number, end: number): Span {
  return { start, end: Math.max(start, end) };
}
