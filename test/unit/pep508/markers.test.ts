import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  describeMarker,
  evaluateMarker,
  formatMarkerError,
  markerToString,
  parseMarker,
  type MarkerList,
} from "../../../server/src/core/parsing/markers";

type Env = Record<string, string | string[]>;
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pep508_markers.json"), "utf8"),
) as {
  parse_valid: { cases: string[] };
  parse_invalid: { cases: string[] };
  str_normalization: { cases: { marker_string: string; expected: string }[] };
  not_equal_pairs: { cases: { example1: string; example2: string }[] };
  evaluate: { cases: { marker_string: string; environment: Env | null; expected: boolean }[] };
  evaluate_sets_lock_file_context: { cases: { marker_string: string; environment: Env; expected: boolean }[] };
  evaluate_hand_written: { marker_string: string; environment: Env | null; expected: boolean; context?: string }[];
  evaluate_raises: { marker_string: string; environment: Env }[];
  value_serialization: { cases: { value: string; expected: string }[] };
};

function must(text: string): MarkerList {
  const result = parseMarker(text);
  assert.ok(result.ok, `${JSON.stringify(text)}: ${result.ok ? "" : formatMarkerError(text, result.error)}`);
  return result.marker;
}

/** packaging's evaluate() defaults to the "metadata" context (extra = ""). Rows with a null environment ran on the test machine's interpreter; they assumed a POSIX CPython. */
const posix: Env = { os_name: "posix", sys_platform: "linux", platform_system: "Linux" };

describe("PEP 508 markers (packaging vectors)", () => {
  it(`parses all ${vectors.parse_valid.cases.length} generated markers`, () => {
    for (const text of vectors.parse_valid.cases) must(text);
  });

  it("rejects the invalid markers", () => {
    for (const text of vectors.parse_invalid.cases) assert.ok(!parseMarker(text).ok, JSON.stringify(text));
  });

  it("normalises str() as packaging does", () => {
    for (const { marker_string, expected } of vectors.str_normalization.cases) {
      assert.equal(markerToString(must(marker_string)), expected, marker_string);
    }
    for (const { example1, example2 } of vectors.not_equal_pairs.cases) {
      assert.notEqual(markerToString(must(example1)), markerToString(must(example2)));
    }
    for (const { value, expected } of vectors.value_serialization.cases) {
      assert.equal(
        markerToString(must(`os_name == ${value.includes("'") ? `"${value}"` : `'${value}'`}`)),
        `os_name == ${expected}`,
      );
    }
  });

  const evaluations = [
    ...vectors.evaluate.cases.map((c) => ({ ...c, context: "metadata" })),
    ...vectors.evaluate_sets_lock_file_context.cases.map((c) => ({ ...c, context: "lock_file" })),
    ...vectors.evaluate_hand_written.map((c) => ({ ...c, context: c.context ?? "metadata" })),
  ];
  it(`evaluates all ${evaluations.length} cases`, () => {
    for (const { marker_string, environment, expected, context } of evaluations) {
      const result = evaluateMarker(must(marker_string), environment ?? posix, context as "metadata" | "lock_file");
      assert.ok(result.ok, `${marker_string}: ${result.ok ? "" : result.error}`);
      assert.equal(result.value, expected, `${marker_string} with ${JSON.stringify(environment)}`);
    }
  });

  it("reports undefined comparisons and unknown names as errors, not as true or false", () => {
    for (const { marker_string, environment } of vectors.evaluate_raises) {
      assert.ok(!evaluateMarker(must(marker_string), environment).ok, marker_string);
    }
    assert.ok(!evaluateMarker(must("'a' in extras"), {}, "requirement").ok);
  });

  it("describes markers in words for hovers", () => {
    assert.equal(
      describeMarker(must("python_version < '3.8' and sys_platform == 'win32'")),
      "only when Python < 3.8 and on Windows",
    );
    assert.equal(describeMarker(must("extra == 'Socks'")), 'only when the "socks" extra is requested');
  });

  it("bounds nesting depth instead of overflowing the stack", () => {
    const result = parseMarker(`${"(".repeat(10_000)}os_name == 'nt'${")".repeat(10_000)}`);
    assert.ok(!result.ok);
    assert.match(result.error.message, /deeper than 100/);
  });
});
