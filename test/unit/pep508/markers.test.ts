import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  defaultEnvironment,
  describeMarker,
  evaluateMarker,
  formatMarkerError,
  markerToString,
  parseMarker,
  pythonStringLiteral,
  type EvaluateContext,
  type MarkerEnvironment,
  type MarkerNode,
} from "../../../server/src/core/parsing/markers";

type Env = Record<string, string | string[]>;
interface EvaluateCase {
  marker_string: string;
  environment: Env | null;
  expected: boolean;
  context?: string;
}
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pep508_markers.json"), "utf8"),
) as {
  source: { mismatches: [string, { marker_string: string; expected: string }, string][] };
  parse_valid: {
    cases: string[];
    generator: {
      variables: string[];
      pep345_variables: string[];
      setuptools_variables: string[];
      operators: string[];
      values: string[];
    };
  };
  parse_invalid: { cases: string[] };
  str_normalization: {
    cases: { marker_string: string; expected: string }[];
    extra: { marker_string: string; expected: string }[];
  };
  not_equal_pairs: { cases: { example1: string; example2: string }[] };
  evaluate: { cases: EvaluateCase[] };
  evaluate_sets_lock_file_context: { cases: EvaluateCase[] };
  evaluate_hand_written: EvaluateCase[];
  evaluate_raises: { marker_string: string; environment: Env; raises: string }[];
  value_serialization: { cases: { value: string; expected: string }[] };
};

function must(text: string): MarkerNode {
  const result = parseMarker(text);
  assert.ok(result.ok, `${JSON.stringify(text)}: ${result.ok ? "" : formatMarkerError(text, result.error)}`);
  return result.marker;
}

/**
 * packaging's `evaluate()` lays the given environment over the running interpreter's; ours takes the
 * environment as given. The vectors were recorded on a POSIX CPython (rows with a null environment
 * assume os_name "posix"), so the base here is a complete Linux CPython 3.11 environment.
 */
function environmentFor(environment: Env | null): MarkerEnvironment {
  return { ...defaultEnvironment("3.11", "linux"), ...(environment ?? {}) };
}

describe("PEP 508 markers: parsing (packaging vectors)", () => {
  it(`parses all ${vectors.parse_valid.cases.length} generated markers and prints them back in packaging's form`, () => {
    const g = vectors.parse_valid.generator;
    const canonical = (v: string): string =>
      v === "python_implementation" ? "platform_python_implementation" : v.replace(/\./g, "_");
    // The generator's cross product, rebuilt, is exactly the vector list.
    const rebuilt: string[] = [];
    for (const variable of [...g.variables, ...g.pep345_variables, ...g.setuptools_variables]) {
      for (const op of g.operators) {
        for (const value of g.values) rebuilt.push(`${variable} ${op} '${value}'`, `'${value}' ${op} ${variable}`);
      }
    }
    assert.deepEqual([...rebuilt].sort(), [...vectors.parse_valid.cases].sort());
    for (const text of vectors.parse_valid.cases) {
      const marker = must(text);
      // str() double-quotes values and uses the canonical variable name.
      const match = /^(?:([\w.]+) (\S+(?: in)?) '(.*)'|'(.*)' (\S+(?: in)?) ([\w.]+))$/.exec(text);
      assert.ok(match, text);
      const [, variable, op, value, value2, op2, variable2] = match;
      const expected =
        variable !== undefined
          ? `${canonical(variable)} ${op} "${variable === "extra" ? normalizeExtra(value ?? "") : value}"`
          : `"${variable2 === "extra" ? normalizeExtra(value2 ?? "") : value2}" ${op2} ${canonical(variable2 ?? "")}`;
      assert.equal(markerToString(marker), expected, text);
    }
  });

  it(`rejects the ${vectors.parse_invalid.cases.length} invalid markers`, () => {
    for (const text of vectors.parse_invalid.cases) assert.ok(!parseMarker(text).ok, JSON.stringify(text));
  });

  it("gives packaging's messages and caret spans for invalid markers", () => {
    const cases: [string, string][] = [
      [
        "this_isnt_a_real_variable >= '1.0'",
        "Expected a marker variable or quoted string\n    this_isnt_a_real_variable >= '1.0'\n    ^",
      ],
      [
        "python_version",
        "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in\n    python_version\n                  ^",
      ],
      [
        '(python_version == "2.7" and os_name == "linux"',
        'Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression\n    (python_version == "2.7" and os_name == "linux"\n    ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^',
      ],
      [
        '(python_version == "2.7") with random text',
        'Expected end of marker expression\n    (python_version == "2.7") with random text\n                              ^',
      ],
      [
        'python_version >= "3"\n',
        'Expected end of marker expression\n    python_version >= "3"\n\n                         ^',
      ],
      ['os_name == "C:\\"', 'Invalid quoted string\n    os_name == "C:\\"\n               ~~~~~^'],
      ['os_name == "\\x"', 'Invalid quoted string\n    os_name == "\\x"\n               ~~~~^'],
    ];
    for (const [text, expected] of cases) {
      const result = parseMarker(text);
      assert.ok(!result.ok, text);
      assert.equal(formatMarkerError(text, result.error), expected);
    }
  });

  it("needs word boundaries around keywords, with Python's Unicode idea of a word", () => {
    for (const text of ["'3.7' notin python_version", "'3.6'inpython_version", "os_name == 'a' andé os_name == 'b'"]) {
      assert.ok(!parseMarker(text).ok, text);
    }
    assert.equal(markerToString(must("os_name=='a'or'b'==os_name")), 'os_name == "a" or "b" == os_name');
  });
});

describe("PEP 508 markers: str() (packaging vectors)", () => {
  it("normalises str() as packaging 26.3+ does", () => {
    for (const { marker_string, expected } of [
      ...vectors.str_normalization.cases,
      ...vectors.str_normalization.extra,
    ]) {
      assert.equal(markerToString(must(marker_string)), expected, marker_string);
    }
  });

  it("follows the test suite where packaging 26.2 differed (source.mismatches)", () => {
    for (const [kind, { marker_string, expected }, local] of vectors.source.mismatches) {
      assert.equal(kind, "str");
      assert.equal(markerToString(must(marker_string)), expected);
      assert.notEqual(markerToString(must(marker_string)), local);
    }
  });

  it("keeps markers that packaging says differ apart", () => {
    for (const { example1, example2 } of vectors.not_equal_pairs.cases) {
      assert.notEqual(markerToString(must(example1)), markerToString(must(example2)));
    }
  });

  it("quotes values as packaging's Value.serialize does", () => {
    for (const { value, expected } of vectors.value_serialization.cases) {
      const literal = value.includes("'") ? `"${value}"` : `'${value}'`;
      assert.equal(markerToString(must(`os_name == ${literal}`)), `os_name == ${expected}`);
    }
    // packaging raises for a value with both quotes; we print an escape that reads back the same.
    const both = must(`os_name == 'a"b\\x27c'`);
    const printed = markerToString(both);
    assert.equal(printed, 'os_name == "a\\x22b\'c"');
    assert.equal(markerToString(must(printed)), printed);
  });
});

describe("PEP 508 markers: evaluation (packaging vectors)", () => {
  const evaluations: (EvaluateCase & { context: EvaluateContext })[] = [
    ...vectors.evaluate.cases.map((c) => ({ ...c, context: "metadata" as const })),
    ...vectors.evaluate_sets_lock_file_context.cases.map((c) => ({ ...c, context: "lock_file" as const })),
    ...vectors.evaluate_hand_written.map((c) => ({ ...c, context: (c.context ?? "metadata") as EvaluateContext })),
  ];

  it(`evaluates all ${evaluations.length} cases`, () => {
    assert.equal(evaluations.length, 73);
    for (const { marker_string, environment, expected, context } of evaluations) {
      const result = evaluateMarker(must(marker_string), environmentFor(environment), context);
      assert.ok(result.ok, `${marker_string}: ${result.ok ? "" : result.error}`);
      assert.equal(result.value, expected, `${marker_string} with ${JSON.stringify(environment)}`);
    }
  });

  it(`raises (as data) where packaging raises: ${vectors.evaluate_raises.length} cases`, () => {
    for (const { marker_string, environment, raises } of vectors.evaluate_raises) {
      const result = evaluateMarker(must(marker_string), environmentFor(environment));
      assert.ok(!result.ok, marker_string);
      assert.equal(result.kind, raises, marker_string);
    }
    const undefinedOp = evaluateMarker(must("os_name === 'posix'"), environmentFor(null));
    assert.deepEqual(undefinedOp, {
      ok: false,
      kind: "UndefinedComparison",
      error: "Undefined <Op('===')> on 'posix' and 'posix'.",
    });
  });

  it("reports a variable missing from the environment instead of guessing", () => {
    const result = evaluateMarker(must("python_version >= '3.8'"), { os_name: "posix" });
    assert.deepEqual(result, {
      ok: false,
      kind: "UndefinedEnvironmentName",
      error: "Undefined environment name 'python_version'",
    });
    // packaging's metadata context (the default, and pip's behaviour) supplies extra = "".
    assert.deepEqual(evaluateMarker(must("extra == 'x'"), {}), { ok: true, value: false });
    assert.equal(evaluateMarker(must("extra == 'x'"), {}, "requirement").ok, false);
    assert.equal(evaluateMarker(must("'a' in extras"), {}, "requirement").ok, false);
    assert.deepEqual(evaluateMarker(must("'a' in extras"), {}, "lock_file"), { ok: true, value: false });
    // An arbitrary literal used as a name is looked up as an own property only.
    assert.equal(evaluateMarker(must("'a' == 'constructor'"), {}).ok, false);
  });

  it("uses set-valued variables only for membership", () => {
    const env = { extras: ["Foo_Bar"], dependency_groups: ["dev"] };
    assert.deepEqual(evaluateMarker(must("'foo.bar' in extras"), env, "lock_file"), { ok: true, value: true });
    const left = evaluateMarker(must("extras == 'a'"), env, "lock_file");
    assert.ok(!left.ok);
    assert.equal(
      left.error,
      `Set-valued marker 'extras' can only be used with the membership form (e.g. "<name>" in extras); it cannot appear on the left-hand side of '=='.`,
    );
  });

  it("compares as packaging does where the spec is loose", () => {
    const env = defaultEnvironment("3.11.4", "linux");
    const check = (text: string, expected: boolean, extra: Env = {}): void => {
      const result = evaluateMarker(must(text), { ...env, ...extra });
      assert.deepEqual(result, { ok: true, value: expected }, text);
    };
    check("python_version >= '3.8'", true); // version semantics, not string semantics
    check("python_full_version == '3.13.0+local'", true, { python_full_version: "3.13.0+" }); // repaired "+"
    check("os_name == sys_platform", true, { os_name: "sys_platform" }); // right variable read as its name
    check("'posix' == 'os_name'", true); // left literal: the right text is the name looked up
    check("platform_release >= '5'", false, { platform_release: "5.15.0-1-generic" });
    check("'' in os_name", true);
  });
});

describe("PEP 508 markers: quoted strings as Python reads them", () => {
  it("interprets Python's escapes and keeps unknown ones", () => {
    const cases: [string, string | null][] = [
      ["'plain'", "plain"],
      ["'\\x41'", "A"],
      ["'\\u00e9'", "é"],
      ["'\\U0001F600'", "😀"],
      ["'\\777'", "ǿ"],
      ["'\\0'", "\0"],
      ["'\\q'", "\\q"],
      ["'\\8'", "\\8"],
      ["'a\\\nb'", "ab"],
      ["'a\\\r\nb'", "ab"],
      ["'\\a\\b\\f\\v\\t\\n\\r'", "\x07\b\f\v\t\n\r"],
      ["'\\x4'", null],
      ["'\\U00110000'", null],
      ["'C:\\'", null],
      ["'a\nb'", null],
      ["'a\rb'", null],
      ["'a\0b'", null],
      ["'\ud800'", null],
      ["'\\N{DIGIT ONE}'", null], // Unsupported on purpose: no Unicode name database.
    ];
    for (const [token, expected] of cases) assert.equal(pythonStringLiteral(token), expected, JSON.stringify(token));
  });
});

describe("PEP 508 markers: environments and descriptions", () => {
  it("builds a complete CPython environment for a target Python", () => {
    assert.deepEqual(defaultEnvironment("3.8", "win32"), {
      implementation_name: "cpython",
      implementation_version: "3.8.0",
      os_name: "nt",
      platform_machine: "AMD64",
      platform_python_implementation: "CPython",
      platform_release: "",
      platform_system: "Windows",
      platform_version: "",
      python_full_version: "3.8.0",
      python_version: "3.8",
      sys_platform: "win32",
    });
    const mac = defaultEnvironment("3.14.0rc1", "darwin");
    assert.equal(mac.python_version, "3.14");
    assert.equal(mac.python_full_version, "3.14.0rc1");
    assert.equal(mac.platform_system, "Darwin");
    for (const text of vectors.parse_valid.cases) {
      const result = evaluateMarker(must(text), defaultEnvironment("3.12"));
      // Only the comparisons packaging cannot define fail; no variable is ever missing.
      if (!result.ok) assert.equal(result.kind, "UndefinedComparison", text);
    }
  });

  it("describes markers in words for hovers", () => {
    const cases: [string, string][] = [
      ["python_version < '3.8' and sys_platform == 'win32'", "only when Python < 3.8 and on Windows"],
      ["extra == 'Socks'", 'only when the "socks" extra is requested'],
      ["'3.8' <= python_version", "only when Python >= 3.8"],
      [
        "os_name != 'nt' or (platform_machine == 'arm64' and sys_platform == 'darwin')",
        "only when not on Windows or (on arm64 machines and on macOS)",
      ],
      ["implementation_name == 'pypy'", "only when on PyPy"],
      ["'dev' in dependency_groups", 'only when the "dev" dependency group is requested'],
      ["'linux' in sys_platform", 'only when the platform contains "linux"'],
      ["platform_release >= '5'", 'only when the OS release >= "5"'],
    ];
    for (const [text, expected] of cases) assert.equal(describeMarker(must(text)), expected);
  });
});

describe("PEP 508 markers: robustness", () => {
  it("bounds nesting depth instead of overflowing the stack", () => {
    const text = `${"(".repeat(10_000)}os_name == 'nt'${")".repeat(10_000)}`;
    const result = parseMarker(text);
    assert.ok(!result.ok);
    assert.equal(result.error.message, "Marker nesting is deeper than 100 levels");
    assert.deepEqual(result.error.span, { start: 100, end: 101 });
    assert.ok(parseMarker(`${"(".repeat(100)}os_name == 'nt'${")".repeat(100)}`).ok);
  });

  it("parses and evaluates a 1 MB marker quickly", () => {
    const clause = "python_version >= '3.8' and os_name == 'posix' or ";
    const text = `${clause.repeat(Math.ceil(1_000_000 / clause.length))}extra == 'x'`;
    const start = performance.now();
    const marker = must(text);
    const result = evaluateMarker(marker, defaultEnvironment("3.11"));
    const elapsed = performance.now() - start;
    assert.deepEqual(result, { ok: true, value: true });
    assert.ok(elapsed < 1500, `${elapsed} ms`);
  });
});

function normalizeExtra(value: string): string {
  return value.replace(/[-_.]+/g, "-").toLowerCase();
}
