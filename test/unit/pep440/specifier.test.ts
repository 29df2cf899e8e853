import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  parseSpecifier,
  parseSpecifierSet,
  type Specifier,
  type SpecifierSet,
} from "../../../server/src/core/pep440/specifier";
import { parseVersion, type Version } from "../../../server/src/core/pep440/version";

type Row = Record<string, unknown>;
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pep440_specifiers.json"), "utf8"),
) as { tables: Record<string, { semantics: string; rows: Row[] }> };

/** A `{"$version": s}` cell is a parsed Version object; a plain string stays a string. */
function candidate(value: unknown): string | Version {
  if (typeof value === "object" && value !== null && "$version" in value) {
    const version = parseVersion(String((value as { $version: string }).$version));
    assert.ok(version);
    return version;
  }
  return String(value);
}
const show = (value: unknown): string => (typeof value === "string" ? value : String(candidate(value)));

function spec(text: unknown, prereleases?: unknown): Specifier {
  const parsed = parseSpecifier(String(text), typeof prereleases === "boolean" ? { prereleases } : {});
  assert.ok(parsed.ok, `${String(text)}: ${parsed.ok ? "" : parsed.error}`);
  return parsed.value;
}
function set(text: unknown, prereleases?: unknown): SpecifierSet {
  const parsed = parseSpecifierSet(String(text), typeof prereleases === "boolean" ? { prereleases } : {});
  assert.ok(parsed.ok, `${String(text)}: ${parsed.ok ? "" : parsed.error}`);
  return parsed.value;
}
const pre = (value: unknown): { prereleases?: boolean } => (typeof value === "boolean" ? { prereleases: value } : {});

/**
 * How each table is checked. Tables about APIs Pinsight does not provide (subset/superset/
 * disjointness and unsatisfiability of sets, added in packaging 26.3) are listed in `notProvided`.
 */
const checks: Record<string, (row: Row) => void> = {
  specifier_valid: (r) => assert.ok(parseSpecifier(String(r["specifier"])).ok, String(r["specifier"])),
  specifier_invalid: (r) => assert.ok(!parseSpecifier(String(r["specifier"])).ok, String(r["specifier"])),
  specifier_accepts_unnormalized_versions: (r) => {
    const version = String(r["version"]);
    for (const op of version.includes("+") ? ["==", "!="] : ["~=", "==", "!=", "<=", ">=", "<", ">"]) {
      if (op === "~=" && !/^v?(\d+!)?\d+\.\d+/i.test(version)) continue;
      assert.ok(parseSpecifier(op + version).ok, op + version);
    }
  },
  specifier_str: (r) => assert.equal(spec(r["specifier"]).toString(), String(r["expected"])),
  specifier_equality_canonicalizes: (r) => assert.equal(spec(r["left"]).canonicalKey, spec(r["right"]).canonicalKey),
  specifier_contains: (r) =>
    assert.equal(
      spec(r["spec_str"], true).contains(candidate(r["version"])),
      r["expected"],
      `${show(r["version"])} in ${String(r["spec_str"])}`,
    ),
  specifier_contains_unparseable_version: (r) =>
    assert.equal(spec(r["spec_str"], true).contains(candidate(r["version"])), r["expected"]),
  specifier_prereleases_setter: (r) => {
    const s = spec(r["specifier"], r["initial_prereleases"]);
    assert.equal(s.contains(candidate(r["version"])), r["initial_contains"]);
    s.prereleases = (r["set_prereleases"] as boolean | null) ?? null;
    assert.equal(s.contains(candidate(r["version"])), r["final_contains"]);
  },
  specifier_arbitrary_equality: (r) =>
    assert.equal(spec(r["spec_str"]).contains(candidate(r["version"])), r["expected"]),
  specifier_arbitrary_equality_normalization: (r) =>
    assert.equal(spec(r["spec_str"], true).contains(candidate(r["version"])), r["expected"]),
  specifier_implied_prereleases: (r) => assert.equal(spec(r["specifier"]).prereleases, r["expected"]),
  specifier_contains_prereleases: (r) =>
    assert.equal(
      spec(r["specifier"], r["spec_pre"]).contains(candidate(r["version"]), pre(r["contains_pre"])),
      r["expected"],
      `${show(r["version"])} in ${String(r["specifier"])} spec_pre=${String(r["spec_pre"])} contains_pre=${String(r["contains_pre"])}`,
    ),
  specifier_filter: (r) =>
    assert.deepEqual(
      spec(r["specifier"], r["specifier_prereleases"])
        .filter((r["input"] as unknown[]).map(candidate), pre(r["prereleases"]))
        .map(String),
      (r["expected"] as unknown[]).map(show),
    ),
  specifier_filter_arbitrary_equality: (r) =>
    assert.deepEqual(
      spec(r["specifier"], true)
        .filter((r["input"] as unknown[]).map(candidate))
        .map(String),
      (r["expected"] as unknown[]).map(show),
    ),
  specifier_operator: (r) => assert.equal(spec(r["spec"]).operator, r["op"]),
  specifier_version: (r) => assert.equal(spec(r["spec"]).version, r["version"]),
  specifierset_length: (r) => assert.equal(set(r["spec_str"]).specifiers.length, r["expected_length"]),
  specifierset_empty_filter_arbitrary: (r) =>
    assert.deepEqual(
      set("", r["prereleases"])
        .filter((r["versions"] as unknown[]).map(candidate))
        .map(String),
      (r["expected"] as unknown[]).map(show),
    ),
  specifierset_empty_filter_ordering: (r) =>
    assert.deepEqual(
      set("")
        .filter((r["versions"] as unknown[]).map(candidate))
        .map(String),
      (r["expected"] as unknown[]).map(show),
    ),
  specifierset_prereleases_setter: (r) => {
    const s = set(r["spec_str"], r["initial_prereleases"]);
    assert.equal(s.contains(candidate(r["version"])), r["initial_contains"]);
    s.prereleases = (r["set_prereleases"] as boolean | null) ?? null;
    assert.equal(s.contains(candidate(r["version"])), r["final_contains"]);
  },
  specifierset_contains_installed: (r) =>
    assert.equal(
      set(r["specifier"], r["spec_prereleases"]).contains(candidate(r["version"]), {
        ...pre(r["contains_prereleases"]),
        ...(r["installed"] === true ? { installed: true } : {}),
      }),
      r["expected"],
      JSON.stringify(r),
    ),
  specifierset_filter: (r) =>
    assert.deepEqual(
      set(r["specifier"], r["specifier_prereleases"])
        .filter((r["input"] as unknown[]).map(candidate), pre(r["prereleases"]))
        .map(String),
      (r["expected"] as unknown[]).map(show),
      JSON.stringify(r),
    ),
  specifierset_filter_exclusionary_bridges: (r) =>
    assert.deepEqual(
      set(r["specifier"])
        .filter((r["input"] as unknown[]).map(candidate), pre(r["prereleases"]))
        .map(String),
      (r["expected"] as unknown[]).map(show),
      JSON.stringify(r),
    ),
  specifierset_contains_exclusionary_bridges: (r) =>
    assert.equal(
      set(r["specifier"]).contains(candidate(r["version"]), pre(r["prereleases"])),
      r["expected"],
      JSON.stringify(r),
    ),
  specifierset_contains_post_release_boundary: (r) =>
    assert.equal(set(r["spec_str"]).contains(candidate(r["version"]), { prereleases: true }), r["expected"]),
  specifierset_contains_arbitrary: (r) =>
    assert.equal(set(r["specifier"]).contains(candidate(r["version"])), r["expected"], JSON.stringify(r)),
  specifierset_contains_arbitrary_normalization: (r) =>
    assert.equal(set(r["spec_str"], true).contains(candidate(r["version"])), r["expected"], JSON.stringify(r)),
  specifierset_str: (r) => assert.equal(set(r["specifier"]).toString(), r["expected"]),
  specifierset_combine: (r) =>
    assert.equal(set(r["left"]).and(set(r["right"])).toString(), set(r["expected"]).toString()),
  specifierset_contains_local: (r) =>
    assert.equal(set(r["specifier"]).contains(candidate(r["version"])), r["expected"], JSON.stringify(r)),
  specifierset_arbitrary_intersection: (r) => {
    const both = set(r["spec1"]).and(set(r["spec2"]));
    for (const v of r["input_versions"] as string[]) {
      assert.equal(both.contains(v), set(r["spec1"]).contains(v) && set(r["spec2"]).contains(v), v);
    }
  },
  specifierset_boundary_short_release: (r) =>
    assert.equal(set(r["spec_str"]).contains(String(r["version_str"]), { prereleases: true }), r["expected"]),
  spec_text_examples: (r) =>
    assert.equal(set(r["spec_str"], true).contains(candidate(r["version"])), r["expected"], JSON.stringify(r)),
};

/** packaging 26.3 APIs Pinsight does not provide: it never needs to decide subset relations or emptiness of a set. */
const notProvided = new Set([
  "specifierset_is_subset",
  "specifierset_is_superset",
  "specifierset_is_disjoint",
  "specifierset_unsatisfiable",
  "specifierset_satisfiable",
  "specifierset_unsatisfiable_no_pre",
  "specifierset_satisfiable_no_pre",
  "specifierset_unsatisfiable_post_boundary",
]);

describe("PEP 440 specifiers (packaging vectors)", () => {
  it("has a check or a listed exception for every table", () => {
    for (const table of Object.keys(vectors.tables)) assert.ok(table in checks || notProvided.has(table), table);
  });
  for (const [name, table] of Object.entries(vectors.tables)) {
    if (notProvided.has(name)) continue;
    it(`${name}: all ${table.rows.length} rows`, () => {
      const check = checks[name];
      assert.ok(check);
      const failures: string[] = [];
      for (const row of table.rows) {
        try {
          check(row);
        } catch (error) {
          failures.push(
            `${JSON.stringify(row)}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
          );
        }
      }
      assert.deepEqual(failures, [], `${table.semantics}\n${failures.slice(0, 10).join("\n")}`);
    });
  }
});
