import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isNormalizedName, isValidName, normalizeName } from "../../../server/src/core/parsing/names";

const vectors = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/names.json"), "utf8")) as {
  canonicalize: { name: string; expected: string }[];
  canonicalize_invalid_but_normalizes: { name: string; expected: string }[];
  is_normalized: { name: string; expected: string }[];
  valid_names: string[];
  invalid_names: string[];
};

describe("PEP 503 names (packaging vectors)", () => {
  it("normalises like canonicalize_name, valid or not", () => {
    for (const { name, expected } of [...vectors.canonicalize, ...vectors.canonicalize_invalid_but_normalizes]) {
      assert.equal(normalizeName(name), expected, JSON.stringify(name));
    }
  });

  it("recognises normalised names", () => {
    for (const { name, expected } of vectors.is_normalized) {
      assert.equal(isNormalizedName(name), name === expected, JSON.stringify(name));
    }
  });

  it("validates project names, rejecting a trailing line break", () => {
    for (const name of vectors.valid_names) assert.ok(isValidName(name), JSON.stringify(name));
    for (const name of vectors.invalid_names) assert.ok(!isValidName(name), JSON.stringify(name));
  });
});
