import * as assert from "node:assert/strict";
import fc from "fast-check";
import { parseSpecifierSet } from "../../server/src/core/pep440/specifier";
import { canonicalizeVersion, compareVersions, parseVersion, type Version } from "../../server/src/core/pep440/version";
import { checkSpecifierSetText, checkVersionText } from "./checks";
import {
  specifierSetText,
  spellVersion,
  versionParts,
  versionRespelling,
  versionText,
  type VersionParts,
} from "./generators";
import { chaosText, fuzzIt } from "./support";

/**
 * PEP 440 versions and specifiers: parsing never throws; the normal form is stable; `compareVersions`
 * is a total order (antisymmetric, transitive, zero exactly for equal versions) that agrees with an
 * independent implementation of packaging's comparison key; and specifier matching agrees with the
 * order (`==v` matches v, `>=v` matches exactly what compares ≥ v, and so on).
 */

const versionTokens = [
  "1",
  "0",
  "2",
  "10",
  "00",
  ".",
  "-",
  "_",
  "!",
  "+",
  "*",
  "v",
  "a",
  "b",
  "c",
  "rc",
  "alpha",
  "beta",
  "pre",
  "preview",
  "post",
  "rev",
  "r",
  "dev",
  "local",
  " ",
  "=",
  "<",
  ">",
  "~",
  ",",
  ";",
  "9".repeat(25),
];

// ---------------------------------------------------------------------------------------------------
// An independent reading of PEP 440 from the parts the generator chose (not from our parser).

function labelOf(label: string): "a" | "b" | "rc" {
  const lower = label.toLowerCase();
  return lower === "a" || lower === "alpha" ? "a" : lower === "b" || lower === "beta" ? "b" : "rc";
}

function big(text: string | null): bigint {
  return BigInt(text ?? "0");
}

/** packaging's `canonicalize_version` of the version the parts spell. */
function expectedCanonical(parts: VersionParts): string {
  const release = parts.release.map((s) => BigInt(s));
  while (release.length > 1 && release[release.length - 1] === 0n) release.pop();
  let text = parts.epoch !== null && big(parts.epoch) !== 0n ? `${big(parts.epoch)}!` : "";
  text += release.join(".");
  if (parts.pre !== null) text += `${labelOf(parts.pre.label)}${big(parts.pre.number)}`;
  if (parts.post !== null) text += `.post${big(parts.post.number)}`;
  if (parts.dev !== null) text += `.dev${big(parts.dev.number)}`;
  if (parts.local !== null)
    text += "+" + parts.local.map((s) => (/^[0-9]+$/.test(s) ? String(BigInt(s)) : s.toLowerCase())).join(".");
  return text;
}

type KeyItem = bigint | number | string;

/** packaging's `_cmpkey`, with ±Infinity for its infinities and local segments as (rank, value) pairs. */
function referenceKey(parts: VersionParts): KeyItem[][] {
  const release = parts.release.map((s) => BigInt(s));
  while (release.length > 0 && release[release.length - 1] === 0n) release.pop();
  const preRank = { a: 0, b: 1, rc: 2 };
  const pre: KeyItem[] =
    parts.pre !== null
      ? [preRank[labelOf(parts.pre.label)], big(parts.pre.number)]
      : parts.post === null && parts.dev !== null
        ? [-Infinity]
        : [Infinity];
  const post: KeyItem[] = parts.post === null ? [-Infinity] : [big(parts.post.number)];
  const dev: KeyItem[] = parts.dev === null ? [Infinity] : [big(parts.dev.number)];
  const local: KeyItem[] =
    parts.local === null
      ? [-Infinity]
      : parts.local.flatMap((s): KeyItem[] => (/^[0-9]+$/.test(s) ? [1, BigInt(s)] : [0, s.toLowerCase()]));
  return [[big(parts.epoch)], release, pre, post, dev, local];
}

function compareItems(a: KeyItem, b: KeyItem): number {
  if (typeof a === "string" || typeof b === "string") return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python tuple comparison of the keys: element by element, a shorter prefix first. */
function referenceCompare(a: VersionParts, b: VersionParts): number {
  const ka = referenceKey(a);
  const kb = referenceKey(b);
  for (let part = 0; part < ka.length; part++) {
    const x = ka[part] ?? [];
    const y = kb[part] ?? [];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareItems(x[i] as KeyItem, y[i] as KeyItem);
      if (c !== 0) return c;
    }
    if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  }
  return 0;
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const negated = (n: number): number => (n === 0 ? 0 : -n);

function parsed(text: string): Version {
  const version = parseVersion(text);
  assert.ok(version !== null, `${JSON.stringify(text)} is a valid version but does not parse`);
  return version;
}

/** A version with its parts and one spelling, from the small space (many ties and neighbours). */
const smallVersion: fc.Arbitrary<{ parts: VersionParts; text: string }> = versionParts(true).chain((parts) =>
  spellVersion(parts).map((text) => ({ parts, text })),
);

function contains(specifier: string, version: Version): boolean {
  const set = parseSpecifierSet(specifier);
  assert.ok(set.ok, `${specifier} does not parse: ${set.ok ? "" : set.error}`);
  return set.value.contains(version, { prereleases: true });
}

describe("fuzz: PEP 440", function () {
  const target = "pep440";

  fuzzIt(
    target,
    "random text: parseVersion never throws, normal form stable",
    chaosText(versionTokens, 30),
    checkVersionText,
    {
      weight: 4,
    },
  );

  fuzzIt(
    target,
    "generated versions: parse, normal form as PEP 440 says",
    versionParts().chain((parts) => spellVersion(parts).map((text) => ({ parts, text }))),
    ({ parts, text }) => {
      checkVersionText(text);
      const version = parsed(text);
      assert.equal(canonicalizeVersion(text), expectedCanonical(parts), `canonical form of ${JSON.stringify(text)}`);
      assert.equal(version.toString(), parseVersion(version.toString())?.toString());
    },
    { weight: 4 },
  );

  fuzzIt(
    target,
    "two spellings of one version compare equal",
    versionRespelling,
    ([a, b]) => {
      const x = parsed(a);
      const y = parsed(b);
      assert.equal(compareVersions(x, y), 0, `${JSON.stringify(a)} and ${JSON.stringify(b)} should be equal`);
      assert.equal(canonicalizeVersion(a), canonicalizeVersion(b));
    },
    { weight: 4 },
  );

  fuzzIt(
    target,
    "compare is a total order: antisymmetric, transitive, zero iff equal, as packaging's key",
    fc.tuple(smallVersion, smallVersion, smallVersion),
    (triple) => {
      const versions = triple.map((v) => parsed(v.text));
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          const a = versions[i] as Version;
          const b = versions[j] as Version;
          const ab = compareVersions(a, b);
          const what = `${triple[i]?.text} vs ${triple[j]?.text}`;
          assert.equal(sign(ab), negated(sign(compareVersions(b, a))), `antisymmetry: ${what}`);
          assert.equal(
            sign(ab),
            sign(referenceCompare(triple[i]!.parts, triple[j]!.parts)),
            `packaging's order: ${what}`,
          );
          assert.equal(
            ab === 0,
            canonicalizeVersion(a.toString()) === canonicalizeVersion(b.toString()),
            `zero exactly for equal normal forms: ${what}`,
          );
          for (let k = 0; k < 3; k++) {
            const c = versions[k] as Version;
            if (ab <= 0 && compareVersions(b, c) <= 0) {
              assert.ok(compareVersions(a, c) <= 0, `transitivity: ${what} vs ${triple[k]?.text}`);
            }
          }
        }
      }
    },
    { weight: 6 },
  );

  fuzzIt(
    target,
    "sorting agrees with every pairwise comparison",
    fc.array(versionText(true), { minLength: 2, maxLength: 16 }),
    (texts) => {
      const versions = texts.map(parsed).sort(compareVersions);
      for (let i = 0; i < versions.length; i++) {
        for (let j = i + 1; j < versions.length; j++) {
          assert.ok(compareVersions(versions[i] as Version, versions[j] as Version) <= 0, "sorted order violated");
        }
      }
    },
    { weight: 2 },
  );

  fuzzIt(
    target,
    "specifier matching agrees with the order (==, !=, >=, <=, <, >, ==X.*, ~=)",
    fc.tuple(smallVersion, smallVersion),
    ([{ text: aText }, { text: bText }]) => {
      const a = parsed(aText);
      const b = parsed(bText);
      const what = `candidate ${JSON.stringify(aText)}, spec version ${JSON.stringify(bText)}`;
      const publicA = a.withParts({ local: null });
      const publicB = b.withParts({ local: null });
      const equal = b.local !== null ? compareVersions(a, b) === 0 : compareVersions(publicA, b) === 0;
      assert.equal(contains(`==${b}`, a), equal, `==: ${what}`);
      assert.equal(contains(`==${b}`, b), true, `== matches itself: ${what}`);
      assert.equal(contains(`!=${b}`, a), !equal, `!=: ${what}`);
      assert.equal(contains(`>=${publicB}`, a), compareVersions(publicA, publicB) >= 0, `>=: ${what}`);
      assert.equal(contains(`<=${publicB}`, a), compareVersions(publicA, publicB) <= 0, `<=: ${what}`);
      if (contains(`<${publicB}`, a)) assert.ok(compareVersions(a, publicB) < 0, `<: ${what}`);
      if (contains(`>${publicB}`, a)) assert.ok(compareVersions(a, publicB) > 0, `>: ${what}`);
      assert.equal(contains(`<${publicB}`, publicB) || contains(`>${publicB}`, publicB), false, `strict: ${what}`);
      // ==E!R.* matches the same epoch and a release that starts with R (padded with zeros).
      const epoch = b.epoch === 0n ? "" : `${b.epoch}!`;
      const prefix = b.release;
      const padded = [...a.release, ...prefix.map(() => 0n)];
      const inPrefix = a.epoch === b.epoch && prefix.every((part, i) => padded[i] === part);
      assert.equal(contains(`==${epoch}${prefix.join(".")}.*`, a), inPrefix, `==.*: ${what}`);
      assert.equal(contains(`!=${epoch}${prefix.join(".")}.*`, a), !inPrefix, `!=.*: ${what}`);
      // ~=X is >=X together with ==P.* where P drops X's last release segment.
      if (b.release.length >= 2) {
        const compatible = contains(`~=${publicB}`, a);
        const expected = contains(`>=${publicB}`, a) && contains(`==${epoch}${b.release.slice(0, -1).join(".")}.*`, a);
        assert.equal(compatible, expected, `~=: ${what}`);
      }
    },
    { weight: 6 },
  );

  fuzzIt(
    target,
    "generated specifier sets: never throw, printed form stable",
    specifierSetText,
    checkSpecifierSetText,
    {
      weight: 3,
    },
  );

  fuzzIt(
    target,
    "random specifier text: never throws",
    chaosText(versionTokens.concat(["==", "===", "~=", "!=", ">=", "<=", ".*", ","]), 30),
    checkSpecifierSetText,
    {
      weight: 3,
    },
  );
});
