import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  canonicalizeVersion,
  compareVersions,
  parseVersion,
  type Version,
} from "../../../server/src/core/pep440/version";

interface ValidRow {
  input: string;
  normalized: string;
  epoch: number;
  release: number[];
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
  local: string | null;
  public: string;
  base_version: string;
  is_prerelease: boolean;
  is_postrelease: boolean;
  is_devrelease: boolean;
}
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pep440_versions.json"), "utf8"),
) as {
  valid: ValidRow[];
  valid_extra: ValidRow[];
  invalid: { from_tests: string[]; hand_written: string[] };
  ordering: {
    strictly_increasing: string[];
    pep440_spec_example: string[];
    equal_pairs: [string, string][];
    not_equal_pairs: [string, string][];
  };
  canonicalize_version: { cases: { input: string | { $version: string }; expected: string }[] };
};

function must(text: string): Version {
  const version = parseVersion(text);
  assert.ok(version, `${JSON.stringify(text)} parses`);
  return version;
}

describe("PEP 440 versions (packaging vectors)", () => {
  const valid = [...vectors.valid, ...vectors.valid_extra];
  it(`parses and normalises all ${valid.length} valid versions with every derived field`, () => {
    for (const row of valid) {
      const v = must(row.input);
      const where = JSON.stringify(row.input);
      assert.equal(v.toString(), row.normalized, where);
      assert.equal(Number(v.epoch), row.epoch, where);
      assert.deepEqual(v.release.map(String), row.release.map(String), where);
      assert.deepEqual(
        v.pre === null ? null : [v.pre.label, String(v.pre.number)],
        row.pre === null ? null : [row.pre[0], String(row.pre[1])],
        where,
      );
      assert.equal(v.post === null ? null : String(v.post), row.post === null ? null : String(row.post), where);
      assert.equal(v.dev === null ? null : String(v.dev), row.dev === null ? null : String(row.dev), where);
      assert.equal(v.local === null ? null : v.local.join("."), row.local, where);
      assert.equal(v.public, row.public, where);
      assert.equal(v.baseVersion, row.base_version, where);
      assert.equal(v.isPrerelease, row.is_prerelease, where);
      assert.equal(v.isPostrelease, row.is_postrelease, where);
      assert.equal(v.isDevrelease, row.is_devrelease, where);
    }
  });

  const invalid = [...vectors.invalid.from_tests, ...vectors.invalid.hand_written];
  it(`rejects all ${invalid.length} invalid versions`, () => {
    for (const text of invalid) assert.equal(parseVersion(text), null, JSON.stringify(text));
  });

  it("rejects non-ASCII look-alikes that Unicode case folding would accept", () => {
    assert.equal(parseVersion("1.2.3prevıew1"), null);
    assert.equal(parseVersion("1.2.3poſt1"), null);
    assert.equal(parseVersion("1.0+\u212a"), null);
  });

  for (const [name, order] of [
    ["packaging's 92-version order", vectors.ordering.strictly_increasing],
    ["the spec's example order", vectors.ordering.pep440_spec_example],
  ] as const) {
    it(`orders ${name} strictly, for every pair (${order.length ** 2} comparisons)`, () => {
      const versions = order.map(must);
      for (let i = 0; i < versions.length; i++) {
        for (let j = 0; j < versions.length; j++) {
          const expected = Math.sign(i - j);
          assert.equal(Math.sign(compareVersions(versions[i]!, versions[j]!)), expected, `${order[i]} vs ${order[j]}`);
        }
      }
    });
  }

  it("treats equal pairs as equal and unequal pairs as unequal", () => {
    for (const [a, b] of vectors.ordering.equal_pairs)
      assert.equal(compareVersions(must(a), must(b)), 0, `${a} == ${b}`);
    for (const [a, b] of vectors.ordering.not_equal_pairs)
      assert.notEqual(compareVersions(must(a), must(b)), 0, `${a} != ${b}`);
  });

  it("canonicalizes like packaging.utils.canonicalize_version", () => {
    for (const { input, expected } of vectors.canonicalize_version.cases) {
      const text = typeof input === "string" ? input : input.$version;
      assert.equal(canonicalizeVersion(text), expected, JSON.stringify(input));
    }
  });

  it("compares release numbers beyond 2^53 exactly", () => {
    assert.ok(compareVersions(must("9007199254740993"), must("9007199254740992")) > 0);
    assert.equal(must("1.99999999999999999999999").toString(), "1.99999999999999999999999");
  });

  it("is a total order consistent with equality over all vector versions", () => {
    const versions = valid.map((row) => must(row.input));
    for (const a of versions) {
      for (const b of versions) {
        const ab = Math.sign(compareVersions(a, b));
        assert.equal(ab, 0 - Math.sign(compareVersions(b, a)) || 0);
        if (ab === 0) assert.equal(canonicalizeVersion(a.toString()), canonicalizeVersion(b.toString()));
      }
    }
  });

  it("rejects a 1 MB garbage string quickly", () => {
    const start = performance.now();
    assert.equal(parseVersion("1." + "0".repeat(1_000_000) + "x"), null);
    assert.equal(parseVersion("1" + ".1".repeat(500_000) + "+"), null);
    assert.ok(performance.now() - start < 100);
  });
});
