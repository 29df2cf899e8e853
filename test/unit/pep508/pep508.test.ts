import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSpecifierSet } from "../../../server/src/core/pep440/specifier";
import { normalizeName } from "../../../server/src/core/parsing/names";
import {
  formatPep508Error,
  parseRequirement,
  requirementToString,
  type Pep508Requirement,
} from "../../../server/src/core/parsing/pep508";

type Case = Record<string, unknown>;
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pep508_requirements.json"), "utf8"),
) as {
  valid_combinatorial: { cases: Case[] };
  normalized_str: { cases: { input_req: string; norm_req: string }[] };
  valid_marker_suffixes: { cases: string[] };
  file_urls: { cases: string[] };
  error_messages: { cases: { input: string; expected_error: string }[] };
  error_messages_parametrized: { input: string; message: string | null }[];
  equality: {
    equal: [string, string][];
    equivalent_unequal_strings: [string, string][];
    different: [string, string][];
  };
  str_roundtrip: { input: string; str: string }[];
  extra_valid_hand_written: Case[];
  extra_invalid_hand_written: { input: string; local_packaging_message_first_line: string }[];
  trailing_whitespace_ok: string[];
};

function must(text: string): Pep508Requirement {
  const result = parseRequirement(text);
  assert.ok(result.ok, `${JSON.stringify(text)}: ${result.ok ? "" : formatPep508Error(text, result.error)}`);
  return result.requirement;
}

/** What packaging's Requirement exposes, for equality: normalised name, extras, specifier set, url, marker. */
function key(text: string): string {
  const r = must(text);
  const spec = parseSpecifierSet(r.specifier?.value ?? "");
  assert.ok(spec.ok);
  return JSON.stringify([
    normalizeName(r.name.value),
    [...new Set(r.extras.map((e) => normalizeName(e.value)))].sort(),
    [...new Set(spec.value.specifiers.map((s) => s.canonicalKey))].sort(),
    r.url?.value ?? null,
    requirementToString({
      ...r,
      name: { value: "x", span: r.name.span },
      extras: [],
      specifier: undefined,
      url: undefined,
    } as Pep508Requirement),
  ]);
}

describe("PEP 508 requirements (packaging vectors)", () => {
  it(`parses all ${vectors.valid_combinatorial.cases.length} valid combinations with every field`, () => {
    const failures: string[] = [];
    for (const c of vectors.valid_combinatorial.cases) {
      const input = String(c["input"]);
      const result = parseRequirement(input);
      if (!result.ok) {
        failures.push(`${JSON.stringify(input)}: ${result.error.message}`);
        continue;
      }
      const r = result.requirement;
      const spec = parseSpecifierSet(r.specifier?.value ?? "");
      const got = {
        name: r.name.value,
        extras: r.extras.map((e) => e.value).sort(),
        url: r.url?.value ?? null,
        specifier_normalized_str: spec.ok ? spec.value.toString() : "?",
        marker: r.markerTree ? requirementToString(r).split("; ").slice(1).join("; ") : null,
        canonical_name: normalizeName(r.name.value),
      };
      const want = {
        name: c["name"],
        extras: [...(c["extras"] as string[])].sort(),
        url: c["url"],
        specifier_normalized_str: c["specifier_normalized_str"],
        marker: c["marker"],
        canonical_name: c["canonical_name"],
      };
      try {
        assert.deepEqual(got, want);
      } catch {
        failures.push(`${JSON.stringify(input)}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(failures.slice(0, 10), []);
  });

  it("gives the spans of every part", () => {
    const text = "Django [bcrypt, argon2] (>=1.11, <2.0) ; python_version < '3'";
    const r = must(text);
    const at = (s: { start: number; end: number } | undefined): string => (s ? text.slice(s.start, s.end) : "");
    assert.equal(at(r.name.span), "Django");
    assert.deepEqual(
      r.extras.map((e) => at(e.span)),
      ["bcrypt", "argon2"],
    );
    assert.equal(at(r.specifier?.span), "(>=1.11, <2.0)");
    assert.equal(r.specifier?.value, ">=1.11,<2.0");
    assert.equal(at(r.marker?.span), "python_version < '3'");
    assert.equal(r.afterNameAndExtras, text.indexOf("]") + 1);
    const url = "pkg @ https://example.com/p.zip ; os_name == 'nt'";
    assert.equal(url.slice(must(url).url!.span.start, must(url).url!.span.end), "https://example.com/p.zip");
  });

  it("reproduces packaging's 24 error messages verbatim, caret lines included", () => {
    for (const { input, expected_error } of vectors.error_messages.cases) {
      const result = parseRequirement(input);
      assert.ok(!result.ok, input);
      if (expected_error.startsWith("match:")) {
        assert.match(result.error.message, new RegExp(expected_error.slice(6).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
      } else {
        assert.equal(
          `packaging.requirements.InvalidRequirement: ${formatPep508Error(input, result.error)}`,
          expected_error,
        );
      }
    }
  });

  it("reproduces the parametrized error messages", () => {
    for (const { input, message } of vectors.error_messages_parametrized) {
      const result = parseRequirement(input);
      assert.ok(!result.ok, input);
      // A null message only asserts rejection; a multi-line one is the full caret text.
      if (message === null) continue;
      const got = message.includes("\n") ? formatPep508Error(input, result.error) : result.error.message;
      assert.equal(got, message, input);
    }
  });

  it("rejects the hand-written invalid lines with packaging's first line", () => {
    for (const { input, local_packaging_message_first_line } of vectors.extra_invalid_hand_written) {
      const result = parseRequirement(input);
      assert.ok(!result.ok, input);
      assert.equal(result.error.message, local_packaging_message_first_line, input);
    }
  });

  it("parses the hand-written valid lines and prints them as packaging does", () => {
    for (const c of vectors.extra_valid_hand_written) {
      const r = must(String(c["input"]));
      assert.equal(r.name.value, c["name"]);
      assert.equal(r.url?.value ?? null, c["url"]);
      assert.equal(requirementToString(r), c["str"]);
    }
  });

  it("round-trips str()", () => {
    for (const { input, str } of vectors.str_roundtrip) assert.equal(requirementToString(must(input)), str, input);
    for (const { input_req, norm_req } of vectors.normalized_str.cases)
      assert.equal(requirementToString(must(input_req)), norm_req);
  });

  it("accepts legacy marker names, file URLs and trailing whitespace", () => {
    for (const marker of vectors.valid_marker_suffixes.cases) must(`name; ${marker}`);
    for (const url of vectors.file_urls.cases) assert.equal(must(`name @ ${url}`).url?.value, url);
    for (const text of vectors.trailing_whitespace_ok) must(text);
    for (const text of ["name\n", "name\r", "name\r\n"]) assert.ok(!parseRequirement(text).ok);
  });

  it("compares requirements as packaging does (normalised names, extras, specifiers)", () => {
    for (const [a, b] of [...vectors.equality.equal, ...vectors.equality.equivalent_unequal_strings]) {
      assert.equal(key(a), key(b), `${a} == ${b}`);
    }
    for (const [a, b] of vectors.equality.different) assert.notEqual(key(a), key(b), `${a} != ${b}`);
  });

  it("refuses 10,000 nested parentheses with a clear error and parses a 1 MB line quickly", () => {
    const nested = `pkg; ${"(".repeat(10_000)}python_version > "3"${")".repeat(10_000)}`;
    const result = parseRequirement(nested);
    assert.ok(!result.ok);
    assert.match(result.error.message, /nesting is deeper than 100 levels/);
    const start = performance.now();
    assert.ok(!parseRequirement(`pkg==1.0 ${"x".repeat(1_000_000)}`).ok);
    assert.ok(parseRequirement(`pkg @ https://example.com/${"a".repeat(1_000_000)}`).ok);
    assert.ok(performance.now() - start < 200);
  });
});
