import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import fc from "fast-check";

/**
 * Shared machinery of the fuzzing suite: the case budget and seed, a wrapper that runs one property
 * and records how many cases ran, the end-of-run totals table, the span check every parser's output
 * goes through, corpus mutation, and the timing helpers of the linear-time checks.
 *
 * `npm test` runs a small fixed-seed budget so that CI stays short and deterministic; `npm run fuzz`
 * (or `PINSIGHT_FUZZ_RUNS=N npm run test:fuzz`) runs a long one. A failure prints fast-check's report
 * with the seed and path, so `PINSIGHT_FUZZ_SEED=<seed>` with the same budget replays it.
 */

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** The CI budget: small enough that the whole `npm run test:fuzz` takes well under half a minute. */
const defaultRuns = 150;

/** Cases per property (scaled per property by its weight). */
export const fuzzRuns = envInteger("PINSIGHT_FUZZ_RUNS") ?? defaultRuns;

/** The base seed; every property derives its own from it, so that properties do not share a stream. */
export const fuzzSeed = envInteger("PINSIGHT_FUZZ_SEED") ?? 0x5eed_440;

/** True when a budget larger than the CI one was asked for: per-test timeouts are then lifted. */
export const longRun = fuzzRuns > defaultRuns;

/** The seed of one property: the base seed mixed with a hash of its name (FNV-1a). */
function propertySeed(target: string, property: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${target}\u0000${property}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash ^ fuzzSeed) | 0;
}

interface PropertyRecord {
  readonly target: string;
  readonly property: string;
  readonly cases: number;
  readonly milliseconds: number;
  readonly failed: boolean;
}

interface TimingRecord {
  readonly target: string;
  readonly input: string;
  /** Best wall-clock and CPU times, in milliseconds. */
  readonly oneMb: { readonly wall: number; readonly cpu: number };
  readonly twoMb: { readonly wall: number; readonly cpu: number };
}

const records: PropertyRecord[] = [];
const timings: TimingRecord[] = [];

/**
 * A small input must never take long: anything beyond this for one case is a hang or a super-linear
 * path, reported as a failure with the input that caused it (shrunk by fast-check).
 */
const maxCaseMs = 1500;

export interface FuzzOptions {
  /** Multiplies the budget for this property (expensive inputs such as whole lock files use less). */
  readonly weight?: number;
}

/**
 * Declares a mocha test that checks `check` (which throws on a violation) for `fuzzRuns × weight`
 * inputs from `arbitrary`, and records the number of cases that ran.
 */
export function fuzzIt<T>(
  target: string,
  property: string,
  arbitrary: fc.Arbitrary<T>,
  check: (value: T) => void,
  options: FuzzOptions = {},
): void {
  it(property, function () {
    if (longRun) this.timeout(0);
    const numRuns = Math.max(1, Math.round(fuzzRuns * (options.weight ?? 1)));
    let cases = 0;
    const started = performance.now();
    const details = fc.check(
      fc.property(arbitrary, (value) => {
        cases++;
        const before = performance.now();
        check(value);
        const elapsed = performance.now() - before;
        if (elapsed > maxCaseMs) throw new Error(`one case took ${elapsed.toFixed(0)} ms (limit ${maxCaseMs} ms)`);
      }),
      { numRuns, seed: propertySeed(target, property) },
    );
    const milliseconds = performance.now() - started;
    // `numRuns` counts the cases of the run proper; `cases` also counts shrinking attempts after a failure.
    const ran = details.failed ? cases : details.numRuns;
    records.push({ target, property, cases: ran, milliseconds, failed: details.failed });
    console.log(`      fuzz: ${target} ${property}: ${ran} cases (${milliseconds.toFixed(0)} ms)`);
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${fc.defaultReportMessage(details) ?? "property failed"}\nError: ${cause}`);
    }
  });
}

/** Records cases run outside `fuzzIt` (the regression replays), so that the totals include them. */
export function recordCases(target: string, property: string, cases: number, milliseconds: number): void {
  records.push({ target, property, cases, milliseconds, failed: false });
  console.log(`      fuzz: ${target} ${property}: ${cases} cases (${milliseconds.toFixed(0)} ms)`);
}

export function recordTiming(
  target: string,
  input: string,
  oneMb: TimingRecord["oneMb"],
  twoMb: TimingRecord["twoMb"],
): void {
  timings.push({ target, input, oneMb, twoMb });
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (/^[0-9.]+$/.test(cell) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

// A root-level hook (this module is loaded while mocha loads the spec files, outside any `describe`):
// after every file has run, print the totals and, when asked, write them as JSON.
after(function () {
  if (records.length === 0 && timings.length === 0) return;
  const total = records.reduce((sum, r) => sum + r.cases, 0);
  const totalMs = records.reduce((sum, r) => sum + r.milliseconds, 0);
  console.log(`\nfuzz totals (seed ${fuzzSeed}, budget ${fuzzRuns} cases per property × weight)\n`);
  console.log(
    table(
      ["target", "property", "cases", "ms"],
      [
        ...records.map((r) => [
          r.target,
          r.failed ? `${r.property} (FAILED)` : r.property,
          String(r.cases),
          r.milliseconds.toFixed(0),
        ]),
        ["all", `${records.length} properties`, String(total), totalMs.toFixed(0)],
      ],
    ),
  );
  if (timings.length > 0) {
    console.log("\nlinear time (best of 3, wall-clock and CPU ms; 1 MB must stay under 100 ms)\n");
    console.log(
      table(
        ["target", "input", "1 MB wall", "1 MB CPU", "2 MB wall", "2 MB CPU"],
        timings.map((t) => [
          t.target,
          t.input,
          t.oneMb.wall.toFixed(1),
          t.oneMb.cpu.toFixed(1),
          t.twoMb.wall.toFixed(1),
          t.twoMb.cpu.toFixed(1),
        ]),
      ),
    );
  }
  const reportFile = process.env["PINSIGHT_FUZZ_REPORT"];
  if (reportFile !== undefined && reportFile !== "") {
    fs.writeFileSync(reportFile, JSON.stringify({ seed: fuzzSeed, runs: fuzzRuns, records, timings }, null, 2));
  }
});

// ---------------------------------------------------------------------------------------------------
// Spans.

/**
 * Checks every span in a parser's output against its document: any object with numeric `start` and
 * `end` (the `Span` shape, wherever it is nested, including inside Maps) must satisfy
 * `0 <= start <= end <= length` with integer offsets. The path of the first bad span is reported.
 */
export function assertSpansInside(output: unknown, length: number, what = "output"): void {
  const seen = new Set<object>();
  const visit = (value: unknown, at: string): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) {
      for (const [key, item] of value) visit(item, `${at}.get(${JSON.stringify(String(key))})`);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${at}[${i}]`));
      return;
    }
    const record = value as Record<string, unknown>;
    const start = record["start"];
    const end = record["end"];
    if (typeof start === "number" && typeof end === "number") {
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > length) {
        throw new Error(
          `${what}: span ${at} = {start: ${start}, end: ${end}} is outside the document (length ${length})`,
        );
      }
    }
    for (const key of Object.keys(record)) {
      // The document text itself is not output to check.
      if (key === "text" && typeof record[key] === "string") continue;
      visit(record[key], `${at}.${key}`);
    }
  };
  visit(output, what);
}

// ---------------------------------------------------------------------------------------------------
// Random text.

/**
 * Characters that stress text handling: line ends of every kind (CR-only, CRLF, Python's extra line
 * breaks), BOM, NUL and other controls, lone and paired surrogates, non-ASCII letters and digits.
 */
export const awkwardCharacters: readonly string[] = [
  "\r",
  "\n",
  "\r\n",
  "\n\r",
  "\ufeff",
  "\u0000",
  "\t",
  "\v",
  "\f",
  "\u001c",
  "\u0085",
  "\u2028",
  "\u2029",
  "\u00a0",
  "\u3000",
  "\ud800",
  "\udfff",
  "\ud83d\ude00",
  "\u00e9",
  "\u0130",
  "\u017f",
  "\u212a",
  "\u0663",
  "\u00bd",
  "\\",
  "\\\n",
  "\\\r\n",
  "\x7f",
  "\x1b",
];

/** One UTF-16 code unit of any value (lone surrogates included). */
const anyCodeUnit: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/**
 * Text made of pieces: mostly the given format's tokens, plus awkward characters, printable ASCII and
 * any UTF-16 code unit. Tokens make the text reach deep into a parser; the rest makes it hostile.
 */
export function chaosText(tokens: readonly string[], maxPieces = 60): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...tokens) },
    { weight: 2, arbitrary: fc.constantFrom(...awkwardCharacters) },
    { weight: 3, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 4 }) },
    { weight: 1, arbitrary: anyCodeUnit },
  );
  return fc.array(piece, { maxLength: maxPieces }).map((pieces) => pieces.join(""));
}

/** Arbitrary bytes, biased towards encodings' interesting prefixes (BOMs) and invalid UTF-8. */
export const randomBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(
      [],
      [0xef, 0xbb, 0xbf],
      [0xff, 0xfe],
      [0xfe, 0xff],
      [0xff, 0xfe, 0x00, 0x00],
      [0x00, 0x00, 0xfe, 0xff],
      [0xc3],
      [0xed, 0xa0, 0x80],
    ),
    fc.uint8Array({ maxLength: 200 }),
  )
  .map(([prefix, rest]) => Uint8Array.from([...prefix, ...rest]));

// ---------------------------------------------------------------------------------------------------
// The corpus and its mutations.

export const fixturesDir = path.resolve(__dirname, "../fixtures");

/** Reads corpus files (paths relative to test/fixtures) as text. */
export function readFixtures(relativePaths: readonly string[]): string[] {
  return relativePaths.map((p) => fs.readFileSync(path.join(fixturesDir, p), "utf8"));
}

type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly unit: string }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number; readonly to: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | {
      readonly kind: "splice";
      readonly at: number;
      readonly donor: number;
      readonly from: number;
      readonly length: number;
    };

function mutationArbitrary(tokens: readonly string[], unit: fc.Arbitrary<string>): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  const length = fc.integer({ min: 1, max: 80 });
  return fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at, unit }),
    fc.record({ kind: fc.constant("delete" as const), at, length }),
    fc.record({ kind: fc.constant("duplicate" as const), at, length, to: fc.nat() }),
    fc.record({ kind: fc.constant("truncate" as const), at }),
    fc.record({
      kind: fc.constant("insert" as const),
      at,
      text: fc.oneof(fc.constantFrom(...tokens), fc.constantFrom(...awkwardCharacters)),
    }),
    fc.record({ kind: fc.constant("splice" as const), at, donor: fc.nat(), from: fc.nat(), length }),
  );
}

function applyMutation(text: string, mutation: Mutation, donors: readonly string[]): string {
  const position = (n: number): number => n % (text.length + 1);
  switch (mutation.kind) {
    case "flip": {
      if (text.length === 0) return mutation.unit;
      const at = mutation.at % text.length;
      return text.slice(0, at) + mutation.unit + text.slice(at + 1);
    }
    case "delete": {
      const at = position(mutation.at);
      return text.slice(0, at) + text.slice(at + mutation.length);
    }
    case "duplicate": {
      const at = position(mutation.at);
      const chunk = text.slice(at, at + mutation.length);
      const to = position(mutation.to);
      return text.slice(0, to) + chunk + text.slice(to);
    }
    case "truncate":
      return text.slice(0, position(mutation.at));
    case "insert": {
      const at = position(mutation.at);
      return text.slice(0, at) + mutation.text + text.slice(at);
    }
    case "splice": {
      const donor = donors[mutation.donor % donors.length] ?? "";
      const from = mutation.from % (donor.length + 1);
      const at = position(mutation.at);
      return text.slice(0, at) + donor.slice(from, from + mutation.length) + text.slice(at);
    }
  }
}

/**
 * A corpus file with 1–8 mutations applied: code-unit flips (to awkward characters, format tokens or
 * any code unit), deletions, duplications, truncation, inserted tokens and splices from other files.
 * With `bytes`, the texts are Latin-1 strings of the files' bytes and flips stay within 0–255.
 */
export function mutatedCorpus(
  texts: readonly string[],
  tokens: readonly string[],
  options: { readonly bytes?: boolean } = {},
): fc.Arbitrary<string> {
  if (texts.length === 0) throw new Error("mutatedCorpus needs at least one corpus file");
  const unit = options.bytes
    ? fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c))
    : fc.oneof(anyCodeUnit, fc.constantFrom(...awkwardCharacters), fc.constantFrom(...tokens));
  return fc
    .record({
      index: fc.nat({ max: texts.length - 1 }),
      mutations: fc.array(mutationArbitrary(options.bytes ? ["\n", "\r", "\\"] : tokens, unit), {
        minLength: 1,
        maxLength: 8,
      }),
    })
    .map(({ index, mutations }) =>
      mutations.reduce((text, mutation) => applyMutation(text, mutation, texts), texts[index] ?? ""),
    );
}

/** The bytes of a Latin-1 string made by `mutatedCorpus(…, { bytes: true })`. */
export function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "latin1"));
}

// ---------------------------------------------------------------------------------------------------
// Timing.

/** The size of the pathological inputs: one mebibyte of UTF-16 code units. */
export const oneMb = 1024 * 1024;

/**
 * Builds an input of exactly `size` code units: `prefix`, then `body` repeated, then `suffix`, the body
 * cut so that the total is `size`.
 */
export function pathological(size: number, body: string, prefix = "", suffix = ""): string {
  const room = Math.max(0, size - prefix.length - suffix.length);
  return prefix + body.repeat(Math.ceil(room / body.length)).slice(0, room) + suffix;
}
