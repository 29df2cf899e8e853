import { canonicalizeVersion, compareVersions, parseVersion, Version } from "./version";

/**
 * PEP 440 version specifiers and specifier sets with packaging 26's semantics: which versions an
 * operator admits (including the exclusive-ordering rules for pre-, post- and local versions), the
 * automatic pre-release policy, and `filter`, which is how pip chooses among candidates.
 */

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export type Operator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

// packaging's specifier grammar (`Specifier._regex`): each operator allows a different version shape.
const releasePart = String.raw`v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*`;
const prePart = String.raw`(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?`;
const postPart = String.raw`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?`;
const devPart = String.raw`(?:[-_.]?dev[-_.]?[0-9]*)?`;
const localPart = String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?`;
/** The body of packaging's specifier regex, shared with the PEP 508 tokenizer. Groups: (op, version) × 4. */
export const specifierRegexBody =
  String.raw`(?:` +
  String.raw`(===)\s*([^\s;)]*)` +
  String.raw`|(==|!=)\s*(${releasePart}(?:\.\*|${prePart}${postPart}${devPart}${localPart}))` +
  String.raw`|(~=)\s*(v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+${prePart}${postPart}${devPart})` +
  String.raw`|(<=|>=|<|>)\s*(${releasePart}${prePart}${postPart}${devPart})` +
  String.raw`)`;
const specifierPattern = new RegExp(String.raw`^\s*${specifierRegexBody}\s*$`, "i");

/** Python's `repr()` of a string, for error messages that quote input as pip and packaging do. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

/** One clause such as `>=1.0` or `==2.*`. */
export class Specifier {
  /** An explicit pre-release policy; null means automatic. */
  private explicitPrereleases: boolean | null;
  private parsedVersion: Version | null | undefined;

  constructor(
    readonly operator: Operator,
    /** The version as written, trimmed, including any `.*`. */
    readonly version: string,
    prereleases: boolean | null = null,
  ) {
    this.explicitPrereleases = prereleases;
  }

  /** The clause's version (without `.*`), parsed on first use: most specifiers are only printed. */
  private get parsed(): Version | null {
    if (this.parsedVersion === undefined) {
      this.parsedVersion = parseVersion(this.operator === "===" ? this.version : this.version.replace(/\.\*$/, ""));
    }
    return this.parsedVersion;
  }

  toString(): string {
    return `${this.operator}${this.version}`;
  }

  /** The key under which two specifiers are equal (`==2.8.0` equals `==2.8`, `~=1.18.0` does not equal `~=1.18`). */
  get canonicalKey(): string {
    if (this.operator === "===") return `===${this.version}`;
    const wildcard = this.version.endsWith(".*");
    const stem = wildcard ? this.version.slice(0, -2) : this.version;
    return `${this.operator}${canonicalizeVersion(stem, this.operator !== "~=")}${wildcard ? ".*" : ""}`;
  }

  /**
   * The automatic pre-release policy: explicit if set; false for `!=` and `==X.*`; null for `===`
   * with an unparseable version; otherwise whether the version is itself a pre-release.
   */
  get prereleases(): boolean | null {
    if (this.explicitPrereleases !== null) return this.explicitPrereleases;
    if (this.operator === "!=") return false;
    if (this.operator === "==" && this.version.endsWith(".*")) return false;
    const version = parseVersion(this.version);
    if (version === null) return null;
    return version.isPrerelease;
  }

  set prereleases(value: boolean | null) {
    this.explicitPrereleases = value;
  }

  get explicitPrereleasePolicy(): boolean | null {
    return this.explicitPrereleases;
  }

  /** Whether `candidate` satisfies the operator, without any pre-release policy. */
  admits(candidate: Version): boolean {
    const spec = this.parsed;
    if (spec === null) return false;
    if (this.version.endsWith(".*")) {
      const inPrefix =
        compareVersions(candidate, baseDev0(spec)) >= 0 && compareVersions(candidate, nextPrefixDev0(spec)) < 0;
      return this.operator === "==" ? inPrefix : !inPrefix;
    }
    const c = compareVersions(candidate, spec);
    switch (this.operator) {
      case ">=":
        return c >= 0;
      case "<=":
        return c <= 0 || isLocalOf(candidate, spec);
      case "<": {
        // `<V` excludes V's own pre-releases unless V is one: the bound is V.dev0.
        const bound = spec.isPrerelease ? spec : spec.withParts({ dev: 0n, local: null });
        return compareVersions(candidate, bound) < 0;
      }
      case ">": {
        if (spec.dev !== null)
          return compareVersions(candidate, spec.withParts({ dev: spec.dev + 1n, local: null })) >= 0;
        if (spec.post !== null) {
          return compareVersions(candidate, spec.withParts({ post: spec.post + 1n, dev: 0n, local: null })) >= 0;
        }
        // `>V` excludes V's post-releases and local versions (same release and pre-release part).
        return c > 0 && !sameReleaseAndPre(candidate, spec);
      }
      case "==":
        return this.version.includes("+") ? c === 0 : c >= 0 && (c <= 0 || isLocalOf(candidate, spec));
      case "!=":
        return !(this.version.includes("+") ? c === 0 : c >= 0 && (c <= 0 || isLocalOf(candidate, spec)));
      case "~=": {
        const prefix = spec.release.slice(0, -1);
        const upper = new Version(
          spec.epoch,
          [...prefix.slice(0, -1), (prefix[prefix.length - 1] ?? 0n) + 1n],
          null,
          null,
          0n,
          null,
        );
        return c >= 0 && compareVersions(candidate, upper) < 0;
      }
      default:
        return false;
    }
  }

  /** Whether the `===` clause matches the candidate's text (original text, or a Version's normal form). */
  private arbitraryMatch(candidate: string | Version): boolean {
    return String(candidate).toLowerCase() === this.version.toLowerCase();
  }

  /**
   * packaging's `Specifier.contains`: a pre-release candidate is rejected only when the resolved
   * policy is false (packaging ≥ 26.0); an unparseable candidate matches only `===`.
   */
  contains(candidate: string | Version, options: { prereleases?: boolean } = {}): boolean {
    const prereleases = options.prereleases ?? resolvePrereleases(this.explicitPrereleases, this.prereleases);
    const parsed = typeof candidate === "string" ? parseVersion(candidate) : candidate;
    if (this.operator === "===") {
      if (!this.arbitraryMatch(candidate)) return false;
      return !(prereleases === false && parsed !== null && parsed.isPrerelease);
    }
    if (parsed === null) return false;
    if (prereleases === false && parsed.isPrerelease) return false;
    return this.admits(parsed);
  }

  /** packaging's `Specifier.filter`, in input order. */
  filter<T>(items: Iterable<T>, options: { prereleases?: boolean; key?: (item: T) => string | Version } = {}): T[] {
    const key = options.key ?? ((item: T) => item as unknown as string | Version);
    const prereleases = options.prereleases ?? resolvePrereleases(this.explicitPrereleases, this.prereleases);
    if (this.operator === "===") {
      return applyPrereleasePolicy(
        [...items].filter((item) => this.arbitraryMatch(key(item))),
        key,
        prereleases,
      );
    }
    const matches: T[] = [];
    for (const item of items) {
      const value = key(item);
      const parsed = typeof value === "string" ? parseVersion(value) : value;
      if (parsed !== null && this.admits(parsed)) matches.push(item);
    }
    return applyPrereleasePolicy(matches, key, prereleases);
  }
}

/** A comma-separated set of clauses, all of which must hold. */
export class SpecifierSet {
  private explicitPrereleases: boolean | null;

  constructor(
    readonly specifiers: readonly Specifier[],
    prereleases: boolean | null = null,
  ) {
    this.explicitPrereleases = prereleases;
  }

  private get hasArbitrary(): boolean {
    return this.specifiers.some((s) => s.operator === "===");
  }

  /** The clauses sorted by text with duplicates removed, joined by commas (packaging's `str()`). */
  toString(): string {
    const seen = new Set<string>();
    const unique: Specifier[] = [];
    for (const spec of [...this.specifiers].sort((a, b) => compareStrings(a.toString(), b.toString()))) {
      if (seen.has(spec.canonicalKey)) continue;
      seen.add(spec.canonicalKey);
      unique.push(spec);
    }
    return unique.map(String).join(",");
  }

  get prereleases(): boolean | null {
    if (this.explicitPrereleases !== null) return this.explicitPrereleases;
    if (this.specifiers.length === 0) return null;
    return this.specifiers.some((s) => s.prereleases === true) ? true : null;
  }

  set prereleases(value: boolean | null) {
    this.explicitPrereleases = value;
  }

  /** The intersection of two sets (packaging's `&`). */
  and(other: SpecifierSet): SpecifierSet {
    const a = this.explicitPrereleases;
    const b = other.explicitPrereleases;
    return new SpecifierSet([...this.specifiers, ...other.specifiers], a ?? b);
  }

  /**
   * packaging's `SpecifierSet.contains`. With `installed`, a pre-release candidate is accepted even
   * when the policy excludes pre-releases (it is already there).
   */
  contains(candidate: string | Version, options: { prereleases?: boolean; installed?: boolean } = {}): boolean {
    const parsed = typeof candidate === "string" ? parseVersion(candidate) : candidate;
    let prereleases = options.prereleases;
    if (parsed !== null && options.installed === true && parsed.isPrerelease) prereleases = true;
    if (parsed !== null && !this.hasArbitrary && parsed.local === null && this.specifiers.length > 0) {
      if (
        parsed.isPrerelease &&
        (prereleases === false || (prereleases === undefined && this.explicitPrereleases === false))
      ) {
        return false;
      }
      return this.specifiers.every((s) => s.admits(parsed));
    }
    const item = parsed === null || (this.hasArbitrary && typeof candidate === "string") ? candidate : parsed;
    return this.filter([item], prereleases === undefined ? {} : { prereleases }).length > 0;
  }

  /**
   * packaging's `SpecifierSet.filter`: the matching items in input order. With the default policy,
   * pre-releases are returned only when no final release matched — how pip picks a version.
   */
  filter<T>(items: Iterable<T>, options: { prereleases?: boolean; key?: (item: T) => string | Version } = {}): T[] {
    const key = options.key ?? ((item: T) => item as unknown as string | Version);
    let prereleases: boolean | null = options.prereleases ?? null;
    if (prereleases === null && this.prereleases !== null) prereleases = this.prereleases;
    if (this.specifiers.length === 0) return applyPrereleasePolicy([...items], key, prereleases);
    const matches: T[] = [];
    for (const item of items) {
      const value = key(item);
      if (this.hasArbitrary) {
        if (this.specifiers.every((s) => s.contains(value, { prereleases: true }))) matches.push(item);
        continue;
      }
      const parsed = typeof value === "string" ? parseVersion(value) : value;
      if (parsed !== null && this.specifiers.every((s) => s.admits(parsed))) matches.push(item);
    }
    return applyPrereleasePolicy(matches, key, prereleases);
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resolvePrereleases(explicit: boolean | null, automatic: boolean | null): boolean | null {
  if (explicit !== null) return explicit;
  return automatic === true ? true : null;
}

/**
 * Applies a pre-release policy to already-matched items: true keeps everything, false drops
 * pre-releases, null follows PEP 440 (pre-releases only when no final release matched; unparseable
 * strings, which only `===` or an empty set can match, count as non-final until a final appears).
 */
function applyPrereleasePolicy<T>(matches: T[], key: (item: T) => string | Version, prereleases: boolean | null): T[] {
  const parse = (item: T): Version | null => {
    const value = key(item);
    return typeof value === "string" ? parseVersion(value) : value;
  };
  if (prereleases === true) return matches;
  if (prereleases === false) return matches.filter((item) => !(parse(item)?.isPrerelease ?? false));
  const result: T[] = [];
  const nonFinal: T[] = [];
  const arbitrary: T[] = [];
  let foundFinal = false;
  for (const item of matches) {
    const parsed = parse(item);
    if (parsed === null) {
      if (foundFinal) result.push(item);
      else {
        arbitrary.push(item);
        nonFinal.push(item);
      }
    } else if (!parsed.isPrerelease) {
      if (!foundFinal) {
        result.push(...arbitrary);
        foundFinal = true;
      }
      result.push(item);
    } else if (!foundFinal) {
      nonFinal.push(item);
    }
  }
  return foundFinal ? result : nonFinal;
}

/** `V.dev0` of V's release: the lowest version with V's release (lower bound of `==V.*`). */
function baseDev0(version: Version): Version {
  return new Version(version.epoch, version.release, null, null, 0n, null);
}

/** The `.dev0` of the next prefix: `1.2` → `1.3.dev0` (upper bound of `==1.2.*`). */
function nextPrefixDev0(version: Version): Version {
  const release = version.release;
  const last = release[release.length - 1] ?? 0n;
  return new Version(version.epoch, [...release.slice(0, -1), last + 1n], null, null, 0n, null);
}

/** Whether the candidate has the spec's epoch, release (ignoring trailing zeros) and pre-release. */
function sameReleaseAndPre(candidate: Version, spec: Version): boolean {
  if (candidate.epoch !== spec.epoch) return false;
  const a = candidate.trimmedRelease;
  const b = spec.trimmedRelease;
  if (a.length !== b.length || a.some((part, i) => part !== b[i])) return false;
  const p = candidate.pre;
  const q = spec.pre;
  return p === null || q === null ? p === q : p.label === q.label && p.number === q.number;
}

/** Whether the candidate is the spec version with a local label (`1.0+abc` for `1.0`). */
function isLocalOf(candidate: Version, spec: Version): boolean {
  return (
    candidate.local !== null &&
    sameReleaseAndPre(candidate, spec) &&
    candidate.post === spec.post &&
    candidate.dev === spec.dev
  );
}

/**
 * The common clause shape, an operator directly followed by a plain release (`>=1.2.3`, `<2`), which
 * every alternative of packaging's grammar accepts as is (`~=` when it has two segments). It is read
 * without the full pattern's match array: a set of 100,000 such clauses on one line then parses in a
 * fraction of the time, most of which went to allocating and collecting those arrays.
 */
const plainClause = /^(?:[<>]=?|[=!~]=)[0-9]+(?:\.[0-9]+)*$/;

/** The operator at the start of a plain clause, as an interned constant. */
function plainOperator(text: string): Operator {
  const second = text.charCodeAt(1);
  if (second !== 61 /* = */) return text.charCodeAt(0) === 60 ? "<" : ">";
  switch (text.charCodeAt(0)) {
    case 60:
      return "<=";
    case 62:
      return ">=";
    case 61:
      return "==";
    case 33:
      return "!=";
    default:
      return "~=";
  }
}

/** Parses one clause such as `>= 1.0`. */
export function parseSpecifier(text: string, options: { prereleases?: boolean } = {}): ParseResult<Specifier> {
  if (typeof text !== "string" || text.length > 4096)
    return { ok: false, error: `Invalid specifier: ${pyRepr(String(text).slice(0, 80))}` };
  if (plainClause.test(text)) {
    const operator = plainOperator(text);
    const version = text.slice(operator.length);
    if (operator !== "~=" || version.includes(".")) {
      return { ok: true, value: new Specifier(operator, version, options.prereleases ?? null) };
    }
  }
  const match = specifierPattern.exec(text);
  if (match === null) return { ok: false, error: `Invalid specifier: ${pyRepr(text)}${specifierHint(text)}` };
  let operator: string | undefined;
  let version: string | undefined;
  for (let i = 1; i < match.length; i += 2) {
    if (match[i] !== undefined) {
      operator = match[i];
      version = match[i + 1];
      break;
    }
  }
  return {
    ok: true,
    value: new Specifier(operator as Operator, (version ?? "").trim(), options.prereleases ?? null),
  };
}

/** A short reason for common mistakes, appended to packaging's "Invalid specifier" message. */
function specifierHint(text: string): string {
  const trimmed = text.trim();
  if (/^(~=|<=|>=|<|>)/.test(trimmed) && trimmed.endsWith(".*")) {
    return " (.* suffix can only be used with `==` or `!=` operators)";
  }
  if (/^(~=|<=|>=|<|>)[^+]*\+/.test(trimmed))
    return " (Local version label can only be used with `==` or `!=` operators)";
  if (/^~=\s*v?(?:[0-9]+!)?[0-9]+\s*$/.test(trimmed)) return " (~= needs at least two release segments)";
  if (/^=[^=]/.test(trimmed) || /^=>/.test(trimmed)) return " (did you mean ==?)";
  return "";
}

/** Parses a comma-separated set; empty items are skipped (`>=1.0,` is valid). */
export function parseSpecifierSet(text: string, options: { prereleases?: boolean } = {}): ParseResult<SpecifierSet> {
  const specifiers: Specifier[] = [];
  for (const part of text.split(",")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    const parsed = parseSpecifier(trimmed);
    if (!parsed.ok) return parsed;
    specifiers.push(parsed.value);
  }
  return { ok: true, value: new SpecifierSet(specifiers, options.prereleases ?? null) };
}
