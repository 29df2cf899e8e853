import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSpecifierSet } from "../../../server/src/core/pep440/specifier";
import { markerToString } from "../../../server/src/core/parsing/markers";
import { normalizeName } from "../../../server/src/core/parsing/names";
import {
  formatPep508Error,
  parseRequirement,
  requirementToString,
  requirementsEqual,
  type Pep508Requirement,
} from "../../../server/src/core/parsing/pep508";

interface CombinatorialCase {
  input: string;
  name: string;
  extras: string[];
  url: string | null;
  specifier: string;
  marker: string | null;
  specifier_normalized_str: string;
  canonical_name: string;
}
interface HandWrittenCase {
  input: string;
  name: string;
  extras: string[];
  url: string | null;
  specifier: string;
  specifiers: string[];
  marker: string | null;
  str: string;
}
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pep508_requirements.json"), "utf8"),
) as {
  source: { mismatches: [string, string, string][] };
  valid_combinatorial: { cases: CombinatorialCase[] };
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
  extra_valid_hand_written: HandWrittenCase[];
  extra_invalid_hand_written: { input: string; local_packaging_message_first_line: string }[];
  trailing_whitespace_ok: string[];
};

function must(text: string): Pep508Requirement {
  const result = parseRequirement(text);
  assert.ok(result.ok, `${JSON.stringify(text)}: ${result.ok ? "" : formatPep508Error(text, result.error)}`);
  return result.requirement;
}

function specifierString(requirement: Pep508Requirement): string {
  const set = parseSpecifierSet(requirement.specifier?.value ?? "");
  assert.ok(set.ok);
  return set.value.toString();
}

describe("PEP 508 requirements: valid (packaging vectors)", () => {
  it(`parses all ${vectors.valid_combinatorial.cases.length} combinations with every field`, () => {
    assert.equal(vectors.valid_combinatorial.cases.length, 5184);
    const failures: string[] = [];
    for (const c of vectors.valid_combinatorial.cases) {
      const result = parseRequirement(c.input);
      if (!result.ok) {
        failures.push(`${JSON.stringify(c.input)}: ${result.error.message}`);
        continue;
      }
      const r = result.requirement;
      const got = {
        name: r.name.value,
        extras: r.extras.map((e) => e.value).sort(),
        url: r.url?.value ?? null,
        // The vector's `specifier` is the clauses as written with the whitespace taken out.
        specifier: (r.specifier?.value ?? "").replace(/[ \t]/g, ""),
        specifier_normalized_str: specifierString(r),
        marker: r.markerTree === undefined ? null : markerToString(r.markerTree),
        canonical_name: normalizeName(r.name.value),
      };
      const want = {
        name: c.name,
        extras: [...c.extras].sort(),
        url: c.url,
        specifier: c.specifier,
        specifier_normalized_str: c.specifier_normalized_str,
        marker: c.marker,
        canonical_name: c.canonical_name,
      };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        failures.push(`${JSON.stringify(c.input)}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it("parses the hand-written valid lines and prints them as packaging does", () => {
    for (const c of vectors.extra_valid_hand_written) {
      const r = must(c.input);
      assert.equal(r.name.value, c.name, c.input);
      assert.deepEqual(
        r.extras.map((e) => e.value),
        c.extras,
        c.input,
      );
      assert.equal(r.url?.value ?? null, c.url, c.input);
      assert.equal(specifierString(r), c.specifier, c.input);
      const set = parseSpecifierSet(r.specifier?.value ?? "");
      assert.ok(set.ok);
      assert.deepEqual(set.value.specifiers.map(String).sort(), c.specifiers, c.input);
      assert.equal(r.markerTree === undefined ? null : markerToString(r.markerTree), c.marker, c.input);
      assert.equal(requirementToString(r), c.str, c.input);
    }
  });

  it("round-trips str()", () => {
    for (const { input, str } of vectors.str_roundtrip) {
      assert.equal(requirementToString(must(input)), str, input);
      assert.equal(requirementToString(must(str)), str, str);
    }
    for (const { input_req, norm_req } of vectors.normalized_str.cases) {
      assert.equal(requirementToString(must(input_req)), norm_req);
    }
  });

  it("accepts legacy marker names, file URLs and trailing whitespace", () => {
    for (const marker of vectors.valid_marker_suffixes.cases) must(`name; ${marker}`);
    for (const url of vectors.file_urls.cases) assert.equal(must(`name @ ${url}`).url?.value, url);
    for (const text of vectors.trailing_whitespace_ok) must(text);
  });
});

describe("PEP 508 requirements: errors (packaging vectors)", () => {
  it(`reproduces packaging's ${vectors.error_messages.cases.length} error messages verbatim, caret lines included`, () => {
    assert.equal(vectors.error_messages.cases.length, 24);
    for (const { input, expected_error } of vectors.error_messages.cases) {
      const result = parseRequirement(input);
      assert.ok(!result.ok, input);
      const got = formatPep508Error(input, result.error);
      if (expected_error.startsWith("match:")) {
        // pytest.raises(match=...) rows: packaging's message has no caret lines.
        assert.equal(got, expected_error.slice("match:".length), input);
      } else {
        assert.equal(`packaging.requirements.InvalidRequirement: ${got}`, expected_error, input);
      }
    }
  });

  it(`reproduces the ${vectors.error_messages_parametrized.length} parametrized error cases (26.3+ wording)`, () => {
    for (const { input, message } of vectors.error_messages_parametrized) {
      const result = parseRequirement(input);
      assert.ok(!result.ok, JSON.stringify(input));
      // A null message only asserts rejection; a multi-line one is the full caret text.
      if (message === null) continue;
      const got = message.includes("\n") ? formatPep508Error(input, result.error) : result.error.message;
      assert.equal(got, message, input);
    }
  });

  it(`rejects the ${vectors.extra_invalid_hand_written.length} hand-written invalid lines with packaging's first line`, () => {
    for (const { input, local_packaging_message_first_line } of vectors.extra_invalid_hand_written) {
      const result = parseRequirement(input);
      assert.ok(!result.ok, input);
      assert.equal(result.error.message, local_packaging_message_first_line, input);
    }
  });
});

describe("PEP 508 requirements: equality (packaging vectors)", () => {
  const equal = (a: string, b: string): boolean => requirementsEqual(must(a), must(b));

  it("compares as packaging 26.3+ does: normalised names, PEP 685 extras, equivalent specifiers", () => {
    for (const [a, b] of vectors.equality.equal) {
      assert.ok(equal(a, b), `${a} == ${b}`);
      assert.equal(requirementToString(must(a)), requirementToString(must(b)));
    }
    for (const [a, b] of vectors.equality.equivalent_unequal_strings) {
      assert.ok(equal(a, b), `${a} == ${b}`);
      assert.ok(equal(b, a), `${b} == ${a}`);
    }
    for (const [a, b] of vectors.equality.different) assert.ok(!equal(a, b), `${a} != ${b}`);
  });

  it("follows the test suite where packaging 26.2 differed (source.mismatches: PEP 685 extras)", () => {
    for (const [kind, a, b] of vectors.source.mismatches) {
      assert.equal(kind, "eq");
      assert.ok(equal(a, b), `${a} == ${b}`);
    }
  });
});

describe("PEP 508 requirements: spans and shape", () => {
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
    assert.equal(r.marker?.value, "python_version < '3'");
    assert.equal(r.afterNameAndExtras, text.indexOf("]") + 1);

    const plain = must("requests>=2 ;\tos_name == 'nt' \t");
    assert.equal(plain.specifier?.value, ">=2");
    assert.deepEqual(plain.specifier?.span, { start: 8, end: 11 });
    assert.deepEqual(plain.marker, { value: "os_name == 'nt'", span: { start: 14, end: 29 } });
    assert.equal(must("requests").afterNameAndExtras, 8);
    assert.equal(must("requests").specifier, undefined);
    assert.deepEqual(must("requests()").specifier, { value: "", span: { start: 8, end: 10 } });

    const url = "pkg[x] @ https://example.com/p.zip ; os_name == 'nt'";
    const u = must(url);
    assert.equal(at2(url, u.url?.span), "https://example.com/p.zip");
    assert.equal(u.specifier, undefined);
    assert.equal(u.afterNameAndExtras, 6);
  });

  it("marks the marker error inside the requirement", () => {
    const text = "name; os_name == 'a' or";
    const result = parseRequirement(text);
    assert.ok(!result.ok);
    assert.deepEqual(result.error, {
      message: "Expected a marker variable or quoted string",
      span: { start: 23, end: 23 },
    });
    const invalid = parseRequirement("demo===x,y");
    assert.ok(!invalid.ok);
    assert.deepEqual(invalid.error, { message: "Invalid specifier: 'y'", span: { start: 4, end: 10 }, caret: false });
  });

  it("rejects a trailing line break (26.3+) but not trailing spaces", () => {
    for (const text of ["name\n", "name\r", "name\r\n", "name>=1\n", "name; os_name == 'a'\n"]) {
      assert.ok(!parseRequirement(text).ok, JSON.stringify(text));
    }
    must("name>=1 \t");
  });
});

describe("PEP 508 requirements: robustness", () => {
  it("refuses 10,000 nested parentheses with a clear error", () => {
    const nested = `pkg; ${"(".repeat(10_000)}python_version > "3"${")".repeat(10_000)}`;
    const result = parseRequirement(nested);
    assert.ok(!result.ok);
    assert.equal(result.error.message, "Marker nesting is deeper than 100 levels");
  });

  const timed = (line: string, limit: number): void => {
    const start = performance.now();
    parseRequirement(line);
    const elapsed = performance.now() - start;
    assert.ok(elapsed < limit, `${line.slice(0, 40)}…: ${Math.round(elapsed)} ms`);
  };

  it("parses 1 MB lines quickly", () => {
    // Locally a few milliseconds to a few tens each; the limit leaves room for a busy CI machine.
    timed(`pkg==1.0 ${"x".repeat(1_000_000)}`, 250);
    timed(`pkg @ https://example.com/${"a".repeat(1_000_000)}`, 250);
    timed(`${"a-".repeat(500_000)}a`, 250);
    timed(`${"a".repeat(1_000_000)}é`, 250);
    timed(`pkg ${"=".repeat(1_000_000)}`, 250);
    timed(`pkg; '${"a".repeat(1_000_000)}`, 250);
    timed(`pkg; os_name == '${"\\x41".repeat(250_000)}'`, 250);
  });

  it("stays linear on 1 MB lines made of hundreds of thousands of parts", () => {
    // These build one object per part (500,000 extras, 45,000 groups): allocating that output is
    // most of the time, so the limit only guards against anything worse than linear.
    timed(`pkg[${"e,".repeat(500_000)}e]`, 3000);
    timed(`pkg; ${"(os_name == 'nt') and ".repeat(45_000)}os_name == 'nt'`, 3000);
    timed(`pkg; ${"python_version >= '3.8' and os_name == 'posix' or ".repeat(20_000)}extra == 'x'`, 3000);
  });
});

function at2(text: string, span: { start: number; end: number } | undefined): string {
  return span === undefined ? "" : text.slice(span.start, span.end);
}
