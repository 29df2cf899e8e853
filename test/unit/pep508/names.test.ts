import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isNormalizedName, isValidName, normalizeName } from "../../../server/src/core/parsing/names";

interface Pair {
  name: string;
  expected: string;
}
const vectors = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/names.json"), "utf8")) as {
  canonicalize: Pair[];
  canonicalize_invalid_but_normalizes: Pair[];
  is_normalized: Pair[];
  valid_names: string[];
  invalid_names: string[];
};

describe("project names (packaging vectors)", () => {
  it(`normalises the ${vectors.canonicalize.length} test_canonicalize_name rows`, () => {
    for (const { name, expected } of vectors.canonicalize) assert.equal(normalizeName(name), expected, name);
  });

  it(`normalises invalid names without validating them (${vectors.canonicalize_invalid_but_normalizes.length} rows)`, () => {
    for (const { name, expected } of vectors.canonicalize_invalid_but_normalizes) {
      assert.equal(normalizeName(name), expected, JSON.stringify(name));
      assert.ok(!isValidName(name), JSON.stringify(name));
    }
  });

  it(`recognises normalised names as packaging 26.3+ does (${vectors.is_normalized.length} rows)`, () => {
    for (const { name, expected } of vectors.is_normalized) {
      assert.ok(isNormalizedName(expected), expected);
      if (name !== expected) assert.ok(!isNormalizedName(name), name);
    }
  });

  it(`accepts the ${vectors.valid_names.length} valid names and rejects the ${vectors.invalid_names.length} invalid ones`, () => {
    for (const name of vectors.valid_names) assert.ok(isValidName(name), name);
    for (const name of vectors.invalid_names) assert.ok(!isValidName(name), JSON.stringify(name));
  });

  it("keeps to ASCII and to the very end of the text", () => {
    // Python's re.ASCII | re.IGNORECASE: no Unicode case folding (Kelvin sign, long s) sneaks in.
    for (const name of ["\u212a", "\u017fix", "ı", "a\n", "a\r\n", "a\u2028"]) assert.ok(!isValidName(name), name);
    assert.ok(!isNormalizedName("a\n"));
    assert.ok(!isNormalizedName(""));
  });
});
