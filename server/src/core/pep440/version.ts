import { pyStrip } from "./pyString";

/**
 * PEP 440 versions: parsing, normalisation and ordering, as packaging (26.x) implements them.
 * Numbers are BigInt: release segments larger than 2^53 are legal and must compare exactly.
 */

export type PreLabel = "a" | "b" | "rc";

// The `i` flag alone (never with `u`) keeps case folding ASCII-only, as packaging requires: with
// `iu`, U+017F and U+212A would fold to "s" and "k" and invalid versions would parse.
const versionPattern =
  /^v?(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?(?:[-_.]?(dev)[-_.]?([0-9]+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

/** Longer inputs cannot be sensible versions; refusing them keeps every parse linear and cheap. */
const maxVersionLength = 4096;

export class Version {
  /** The cached comparison key parts, computed once. */
  private readonly trimmed: readonly bigint[];

  constructor(
    readonly epoch: bigint,
    readonly release: readonly bigint[],
    readonly pre: { readonly label: PreLabel; readonly number: bigint } | null,
    readonly post: bigint | null,
    readonly dev: bigint | null,
    readonly local: readonly (string | bigint)[] | null,
  ) {
    let end = release.length;
    while (end > 1 && release[end - 1] === 0n) end--;
    this.trimmed = release.slice(0, end);
  }

  /** The release with trailing zeros removed (`1.0.0` → `1`), as ordering uses it. */
  get trimmedRelease(): readonly bigint[] {
    return this.trimmed;
  }

  get isPrerelease(): boolean {
    return this.pre !== null || this.dev !== null;
  }

  get isPostrelease(): boolean {
    return this.post !== null;
  }

  get isDevrelease(): boolean {
    return this.dev !== null;
  }

  /** The version without its local label. */
  get public(): string {
    const text = this.toString();
    const plus = text.indexOf("+");
    return plus < 0 ? text : text.slice(0, plus);
  }

  /** `epoch!release`, e.g. `1!2.0` or `2.0`. */
  get baseVersion(): string {
    return `${this.epoch !== 0n ? `${this.epoch}!` : ""}${this.release.join(".")}`;
  }

  /** The same version without pre, post, dev and local parts. */
  withParts(parts: {
    pre?: Version["pre"];
    post?: bigint | null;
    dev?: bigint | null;
    local?: Version["local"];
  }): Version {
    return new Version(
      this.epoch,
      this.release,
      parts.pre === undefined ? this.pre : parts.pre,
      parts.post === undefined ? this.post : parts.post,
      parts.dev === undefined ? this.dev : parts.dev,
      parts.local === undefined ? this.local : parts.local,
    );
  }

  /** The canonical normalised form (packaging's `str(Version)`). */
  toString(): string {
    let text = this.baseVersion;
    if (this.pre !== null) text += `${this.pre.label}${this.pre.number}`;
    if (this.post !== null) text += `.post${this.post}`;
    if (this.dev !== null) text += `.dev${this.dev}`;
    if (this.local !== null) text += `+${this.local.join(".")}`;
    return text;
  }
}

function preLabel(word: string): PreLabel {
  switch (word.toLowerCase()) {
    case "a":
    case "alpha":
      return "a";
    case "b":
    case "beta":
      return "b";
    default:
      return "rc";
  }
}

/** Parses a version, or returns null when it is not valid PEP 440. Never throws. */
export function parseVersion(text: string): Version | null {
  if (typeof text !== "string" || text.length > maxVersionLength) return null;
  const match = versionPattern.exec(pyStrip(text));
  if (match === null) return null;
  const [, epoch, release, preWord, preNumber, implicitPost, postWord, postNumber, devWord, devNumber, local] = match;
  return new Version(
    epoch !== undefined ? BigInt(epoch) : 0n,
    (release ?? "0").split(".").map((part) => BigInt(part)),
    preWord !== undefined ? { label: preLabel(preWord), number: BigInt(preNumber ?? "0") } : null,
    implicitPost !== undefined ? BigInt(implicitPost) : postWord !== undefined ? BigInt(postNumber ?? "0") : null,
    devWord !== undefined ? BigInt(devNumber ?? "0") : null,
    local !== undefined
      ? local
          .toLowerCase()
          .split(/[-_.]/)
          .map((part) => (/^[0-9]+$/.test(part) ? BigInt(part) : part))
      : null,
  );
}

const versionCache = new Map<string, Version | null>();

/**
 * `parseVersion` memoised by text. Versions are immutable, and the same release strings are parsed
 * again on every analysis (resolution, support, fixes), so the cache saves most of that time. It is
 * bounded: cleared when it grows past 50,000 entries.
 */
export function cachedVersion(text: string): Version | null {
  let version = versionCache.get(text);
  if (version === undefined) {
    version = parseVersion(text);
    if (versionCache.size >= 50_000) versionCache.clear();
    versionCache.set(text, version);
  }
  return version;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRelease(a: readonly bigint[], b: readonly bigint[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    // A shorter (trimmed) release sorts first when it is a prefix: Python tuple comparison.
    if (x === undefined) return y === undefined ? 0 : -1;
    if (y === undefined) return 1;
    const c = compareBig(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

const preRank: Readonly<Record<PreLabel, number>> = { a: 0, b: 1, rc: 2 };

/**
 * The six-part suffix of packaging's comparison key, with infinities as ±Infinity numbers and the
 * BigInt parts kept separately: (preRank, preN, postRank, postN, devRank, devN).
 */
function suffixCompare(a: Version, b: Version): number {
  // Pre-release: a dev-only release sorts before any pre-release; no pre sorts after all.
  const preA = a.pre === null ? (a.post === null && a.dev !== null ? -1 : 3) : preRank[a.pre.label];
  const preB = b.pre === null ? (b.post === null && b.dev !== null ? -1 : 3) : preRank[b.pre.label];
  if (preA !== preB) return preA - preB;
  if (a.pre !== null && b.pre !== null) {
    const c = compareBig(a.pre.number, b.pre.number);
    if (c !== 0) return c;
  }
  // Post-release: none sorts before any post.
  if ((a.post === null) !== (b.post === null)) return a.post === null ? -1 : 1;
  if (a.post !== null && b.post !== null) {
    const c = compareBig(a.post, b.post);
    if (c !== 0) return c;
  }
  // Dev-release: none sorts after any dev.
  if ((a.dev === null) !== (b.dev === null)) return a.dev === null ? 1 : -1;
  if (a.dev !== null && b.dev !== null) {
    const c = compareBig(a.dev, b.dev);
    if (c !== 0) return c;
  }
  return 0;
}

function compareLocal(a: Version["local"], b: Version["local"]): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] as string | bigint;
    const y = b[i] as string | bigint;
    if (typeof x === "bigint" && typeof y === "bigint") {
      const c = compareBig(x, y);
      if (c !== 0) return c;
    } else if (typeof x === "string" && typeof y === "string") {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      // Any alphanumeric segment sorts below any numeric one.
      return typeof x === "string" ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/** Total order on versions, as packaging's `_cmpkey`: negative, zero or positive. */
export function compareVersions(a: Version, b: Version): number {
  return (
    compareBig(a.epoch, b.epoch) ||
    compareRelease(a.trimmedRelease, b.trimmedRelease) ||
    suffixCompare(a, b) ||
    compareLocal(a.local, b.local)
  );
}

/** Equality by comparison key (`1.0 == 1.0.0`, `1.0c1 == 1.0rc1`). */
export function versionsEqual(a: Version, b: Version): boolean {
  return compareVersions(a, b) === 0;
}

/**
 * packaging's `canonicalize_version`: the normalised form with trailing `.0` release segments
 * removed; text that is not a version is returned unchanged.
 */
export function canonicalizeVersion(text: string, stripTrailingZero = true): string {
  const version = parseVersion(text);
  if (version === null) return text;
  if (!stripTrailingZero) return version.toString();
  return new Version(
    version.epoch,
    version.trimmedRelease,
    version.pre,
    version.post,
    version.dev,
    version.local,
  ).toString();
}
