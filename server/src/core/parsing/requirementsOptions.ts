import type { ShlexWord } from "./shlex";

/**
 * The options pip accepts inside a requirements file (req_file.py SUPPORTED_OPTIONS and
 * SUPPORTED_OPTIONS_REQ, pip 26), parsed from shlex words with optparse's rules: `--opt=value`,
 * `--opt value`, `-ovalue`, `-o value`, unambiguous long-option prefixes, and interspersed
 * positional words (which optparse collects and pip then ignores).
 */

interface OptionSpec {
  /** Canonical long name without dashes. */
  readonly name: string;
  readonly longs: readonly string[];
  readonly short?: string;
  readonly takesValue: boolean;
  readonly choices?: readonly string[];
}

const options: readonly OptionSpec[] = [
  { name: "index-url", longs: ["--index-url", "--pypi-url"], short: "-i", takesValue: true },
  { name: "extra-index-url", longs: ["--extra-index-url"], takesValue: true },
  { name: "no-index", longs: ["--no-index"], takesValue: false },
  { name: "constraint", longs: ["--constraint"], short: "-c", takesValue: true },
  { name: "requirement", longs: ["--requirement"], short: "-r", takesValue: true },
  { name: "editable", longs: ["--editable"], short: "-e", takesValue: true },
  { name: "find-links", longs: ["--find-links"], short: "-f", takesValue: true },
  { name: "no-binary", longs: ["--no-binary"], takesValue: true },
  { name: "only-binary", longs: ["--only-binary"], takesValue: true },
  { name: "prefer-binary", longs: ["--prefer-binary"], takesValue: false },
  { name: "require-hashes", longs: ["--require-hashes"], takesValue: false },
  { name: "no-require-hashes", longs: ["--no-require-hashes"], takesValue: false },
  { name: "pre", longs: ["--pre"], takesValue: false },
  { name: "all-releases", longs: ["--all-releases"], takesValue: true },
  { name: "only-final", longs: ["--only-final"], takesValue: true },
  { name: "trusted-host", longs: ["--trusted-host"], takesValue: true },
  {
    name: "use-feature",
    longs: ["--use-feature"],
    takesValue: true,
    choices: [
      "fast-deps",
      "inprocess-build-deps",
      "venv-isolation",
      "truststore",
      "no-binary-enable-wheel-cache",
      "build-constraint",
    ],
  },
  { name: "hash", longs: ["--hash"], takesValue: true },
  { name: "config-settings", longs: ["--config-settings"], short: "-C", takesValue: true },
];

const longOptions = new Map<string, OptionSpec>();
const shortOptions = new Map<string, OptionSpec>();
for (const spec of options) {
  for (const long of spec.longs) longOptions.set(long, spec);
  if (spec.short !== undefined) shortOptions.set(spec.short, spec);
}

export const strongHashes: readonly string[] = ["sha256", "sha384", "sha512"];

/** One parsed option occurrence; offsets are in the options string the words came from. */
export interface ParsedOption {
  readonly name: string;
  /** How it was written, e.g. "-r" or "--hash". */
  readonly spelling: string;
  readonly value?: string;
  readonly start: number;
  readonly end: number;
  readonly valueStart?: number;
  readonly valueEnd?: number;
}

export interface OptionError {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

export interface ParsedOptions {
  readonly options: ParsedOption[];
  /** Positional words optparse collected; pip ignores them. */
  readonly positional: ShlexWord[];
  readonly error?: OptionError;
}

function matchLong(opt: string): { spec?: OptionSpec; error?: string } {
  const exact = longOptions.get(opt);
  if (exact !== undefined) return { spec: exact };
  const candidates = [...longOptions.keys()].filter((long) => long.startsWith(opt));
  if (candidates.length === 1) return { spec: longOptions.get(candidates[0] as string) as OptionSpec };
  if (candidates.length === 0) return { error: `no such option: ${opt}` };
  return { error: `ambiguous option: ${opt} (${candidates.join(", ")}?)` };
}

/** Checks a value as pip's option callbacks do. */
function validate(spec: OptionSpec, spelling: string, value: string): string | undefined {
  if (spec.choices !== undefined && !spec.choices.includes(value)) {
    return `option ${spelling}: invalid choice: '${value}' (choose from ${spec.choices.map((c) => `'${c}'`).join(", ")})`;
  }
  if (spec.name === "hash") {
    const colon = value.indexOf(":");
    if (colon < 0) {
      return `${spelling} error: Arguments to ${spelling} must be a hash name followed by a value, like --hash=sha256:abcde...`;
    }
    if (!strongHashes.includes(value.slice(0, colon))) {
      return `${spelling} error: Allowed hash algorithms for ${spelling} are ${strongHashes.join(", ")}.`;
    }
  }
  if (spec.name === "config-settings" && !value.includes("=")) {
    return `Arguments to ${spelling} must be of the form KEY=VAL`;
  }
  return undefined;
}

export function parseOptionWords(words: readonly ShlexWord[]): ParsedOptions {
  const parsed: ParsedOption[] = [];
  const positional: ShlexWord[] = [];
  const fail = (message: string, start: number, end: number): ParsedOptions => ({
    options: parsed,
    positional,
    error: { message, start, end },
  });
  /**
   * Records an option that takes a value: the `inline` one (`--opt=value`, `-ovalue`) or else the
   * next word. Returns an error message, or the number of extra words consumed.
   */
  const take = (
    spec: OptionSpec,
    spelling: string,
    word: ShlexWord,
    inline: { value: string; start: number } | undefined,
    next: ShlexWord | undefined,
  ): { error: string; end: number } | { consumed: number } => {
    const source = inline ?? (next === undefined ? undefined : { value: next.value, start: next.start });
    if (source === undefined) return { error: `${spelling} option requires 1 argument`, end: word.end };
    const end = inline !== undefined ? word.end : (next as ShlexWord).end;
    const invalid = validate(spec, spelling, source.value);
    if (invalid !== undefined) return { error: invalid, end };
    parsed.push({
      name: spec.name,
      spelling,
      value: source.value,
      start: word.start,
      end,
      valueStart: source.start,
      valueEnd: end,
    });
    return { consumed: inline !== undefined ? 0 : 1 };
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i] as ShlexWord;
    const arg = word.value;
    if (arg === "--") {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const opt = eq >= 0 ? arg.slice(0, eq) : arg;
      const { spec, error } = matchLong(opt);
      if (spec === undefined) return fail(error ?? `no such option: ${opt}`, word.start, word.end);
      const spelling = spec.longs.find((l) => l.startsWith(opt)) ?? opt;
      if (!spec.takesValue) {
        if (eq >= 0) return fail(`${spelling} option does not take a value`, word.start, word.end);
        parsed.push({ name: spec.name, spelling, start: word.start, end: word.end });
        continue;
      }
      const inline =
        eq >= 0 ? { value: arg.slice(eq + 1), start: word.start + Math.min(word.end - word.start, eq + 1) } : undefined;
      const result = take(spec, spelling, word, inline, words[i + 1]);
      if ("error" in result) return fail(result.error, word.start, result.end);
      i += result.consumed;
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      // A cluster of short options, e.g. "-rfile" or "-r".
      for (let j = 1; j < arg.length; j++) {
        const spelling = `-${arg[j]}`;
        const spec = shortOptions.get(spelling);
        if (spec === undefined) return fail(`no such option: ${spelling}`, word.start, word.end);
        if (!spec.takesValue) {
          parsed.push({ name: spec.name, spelling, start: word.start, end: word.end });
          continue;
        }
        const rest = arg.slice(j + 1);
        const inline = rest !== "" ? { value: rest, start: word.end - rest.length } : undefined;
        const result = take(spec, spelling, word, inline, words[i + 1]);
        if ("error" in result) return fail(result.error, word.start, result.end);
        i += result.consumed;
        break;
      }
      continue;
    }
    positional.push(word);
  }
  return { options: parsed, positional };
}
