import * as assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { readJsonApi } from "../../server/src/core/index/jsonApi";
import { readSimpleHtml } from "../../server/src/core/index/simpleHtml";
import { readSimpleJson } from "../../server/src/core/index/simpleJson";
import type { LockFormat } from "../../server/src/core/locks/lockModel";
import { parseLock } from "../../server/src/core/locks/parseLock";
import { parseTomlDocument } from "../../server/src/core/locks/tomlDoc";
import { parseManifest } from "../../server/src/core/manifests/manifest";
import { parseMarker } from "../../server/src/core/parsing/markers";
import { parseRequirement } from "../../server/src/core/parsing/pep508";
import { parseRequirementsBytes, parseRequirementsText } from "../../server/src/core/parsing/requirementsFile";
import { parseSpecifierSet } from "../../server/src/core/pep440/specifier";
import { parseVersion } from "../../server/src/core/pep440/version";
import { oneMb, pathological, recordTiming } from "./support";

/**
 * Every parser on 1 MB pathological single lines (runs of brackets, quotes, operators, separators,
 * hashes, attributes, nesting): each is processed in under 100 ms, and twice the input takes not much
 * more than twice the time. Times are the best of three runs (noise only ever adds time); the three
 * runs use inputs one and two characters shorter, so that no parser cache answers a repeat.
 *
 * Lines made of many valid items (extras, specifier clauses, hashes, lock entries) use items of a
 * realistic size (`security,`, `>=1.2.3,<2.0.0,`, an entry with 8 hashes): their cost is per item,
 * and a line of 500,000 one-letter extras measures the garbage collector more than the parser.
 */

/** The budget the issue sets for 1 MB. */
const limitMs = 100;

interface Case {
  readonly name: string;
  /** The input of `size` code units (the pathological line, with whatever prefix makes it reach deep). */
  readonly build: (size: number) => string;
}

const hex64 = "0123456789abcdef".repeat(4);

/** A minified Pipfile.lock entry shaped like a real one (real entries carry 1 to 40 hashes). */
const packageWith8Hashes =
  '"a":{"version":"==1.0","hashes":[' +
  Array.from({ length: 8 }, () => `"sha256:${hex64}"`).join(",") +
  '],"index":"pypi","markers":"python_version >= \'3.8\'"},';

/** A case whose input is `prefix`, then `body` repeated, then `suffix`. */
function line(name: string, body: string, prefix = "", suffix = ""): Case {
  return { name, build: (size) => pathological(size, body, prefix, suffix) };
}

/**
 * A case made of whole repetitions of `body`, padded with spaces before `suffix`: for well-formed
 * documents (JSON lists of entries), where a cut item would end the parse at the first error.
 */
function items(name: string, body: string, prefix: string, suffix: string): Case {
  return {
    name,
    build: (size) => {
      const room = size - prefix.length - suffix.length;
      const count = Math.floor(room / body.length);
      return prefix + body.repeat(count) + " ".repeat(room - count * body.length) + suffix;
    },
  };
}

interface Timing {
  /** Best wall-clock time (performance.now()). */
  readonly wall: number;
  /** Best CPU time of this process (user + system, all its threads). */
  readonly cpu: number;
}

/**
 * The fastest of three runs, on inputs of `size`, `size - 1` and `size - 2` code units: wall-clock
 * time and, separately, the process's CPU time.
 */
function bestOf3(run: (input: string) => unknown, build: (size: number) => string, size: number): Timing {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < 3; i++) {
    const input = build(size - i);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    run(input);
    wall = Math.min(wall, performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

/**
 * The time a run needs: its wall-clock time, unless the machine is busy with other work, in which
 * case wall-clock time includes waiting for a processor and the CPU time is the better measure of
 * what the parser did. (On an idle machine wall-clock time is the smaller of the two: the garbage
 * collector's helper threads add CPU time, not wall-clock time.)
 */
function effective(timing: Timing): number {
  return Math.min(timing.wall, timing.cpu);
}

function timeCases(target: string, run: (input: string) => unknown, cases: readonly Case[]): void {
  describe(target, function () {
    for (const c of cases) {
      it(`${c.name}: 1 MB under ${limitMs} ms, linear`, function () {
        // Warm the code paths up (JIT) on a small input of the same shape.
        run(c.build(64 * 1024));
        let one = bestOf3(run, c.build, oneMb);
        let two = bestOf3(run, c.build, 2 * oneMb);
        // Doubling the input may cost a little more than double (allocation, GC); a quadratic path
        // costs four times as much. The constant absorbs timer noise on fast cases. A miss is measured
        // once more before it counts, because a busy machine can stall any single measurement.
        const linear = (): boolean => effective(two) < 3 * effective(one) + 25;
        if (effective(one) >= limitMs || !linear()) {
          one = bestOf3(run, c.build, oneMb);
          two = bestOf3(run, c.build, 2 * oneMb);
        }
        recordTiming(target, c.name, one, two);
        const shown = (t: Timing): string => `${t.wall.toFixed(1)} ms (CPU ${t.cpu.toFixed(1)} ms)`;
        assert.ok(effective(one) < limitMs, `${target}, ${c.name}: 1 MB took ${shown(one)} (limit ${limitMs} ms)`);
        assert.ok(linear(), `${target}, ${c.name}: 2 MB took ${shown(two)} against ${shown(one)} for 1 MB`);
      });
    }
  });
}

const requirementLines: readonly Case[] = [
  line("a × 1M", "a"),
  line("[ × 1M", "[", "a"),
  line("( × 1M", "(", "a"),
  line("] × 1M", "]"),
  line('" then 1M characters', "x", 'a; python_version == "'),
  line("=== then 1M characters", "x", "a==="),
  line("== then 1. × 500k", "1.", "a=="),
  line("clauses >=1.2.3, <2.0.0, × 62k", ">=1.2.3, <2.0.0, ", "a"),
  line("; then ( × 1M", "(", "a; "),
  line("; then and-chain", 'python_version == "3" and ', "a; ", 'os_name == "nt"'),
  line("--hash list", `--hash=sha256:${hex64} `, "a==1.0 "),
  line("extras security, × 116k", "security,", "a["),
  line("./ then [ × 1M", "[", "./"),
  line("path with extras [x] × 333k", "[x]", "./p"),
  line("@ then 1M-character URL", "a", "a @ https://x.example/"),
  line("URL with #egg= fragments", "#egg=a", "https://x.example/p.tar.gz"),
  line("wheel URL with dashes", "a-", "https://x.example/", "x.whl"),
  line("-e then [ × 1M", "[", "-e ./x"),
  line("${ × 500k", "${"),
  line("${A} × 250k", "${A}", "a==1 --hash="),
  line("' unclosed after an option", "x", "a --hash '"),
  line("\\ × 1M (continuations)", "\\"),
  line("# × 1M", "#"),
  line("spaces × 1M", " ", "a", "b"),
  line("CR × 1M (CR-only line ends)", "\r"),
  line("NUL × 1M", "\u0000"),
  line("lone surrogates × 1M", "\ud800"),
];

timeCases("requirements", parseRequirementsText, requirementLines);
timeCases("requirements (bytes)", (text) => parseRequirementsBytes(Buffer.from(text, "utf8")), [
  line("a × 1M", "a"),
  line("invalid UTF-8 (lone surrogates)", "\ud800"),
  line("coding comment then a × 1M", "a", "# -*- coding: latin-1 -*-\n"),
]);

timeCases("pep508", parseRequirement, [
  line("a × 1M", "a"),
  line("[ × 1M", "[", "a"),
  line("( × 1M", "(", "a"),
  line("=== then 1M characters", "x", "a==="),
  line("clauses >=1.2.3, <2.0.0, × 62k", ">=1.2.3, <2.0.0, ", "a"),
  line("extras security, × 116k", "security,", "a["),
  line("; then ( × 1M", "(", "a; "),
  line("@ then 1M-character URL", "a", "a @ "),
  line("name with dots and a trailing é", ".", "a", "\u00e9"),
]);

timeCases("markers", parseMarker, [
  line("( × 1M", "("),
  line('" then 1M characters', "x", 'python_version == "'),
  line("escapes \\x41 × 250k", "\\x41", 'python_version == "', '"'),
  line("and-chain", 'python_version == "3" and ', "", 'os_name == "nt"'),
  line("or-chain of extras", "extra == 'a' or ", "", "extra == 'b'"),
  line("not × 333k", "not", "python_version "),
]);

timeCases("pep440", (text) => [parseVersion(text), parseSpecifierSet(text)], [
  line("1. × 500k", "1."),
  line("digits × 1M", "9"),
  line("clauses >=1.2.3,<2.0.0, × 70k", ">=1.2.3,<2.0.0,"),
  line("== then 1. × 500k", "1.", "=="),
  line("=== then 1M characters", "x", "==="),
  line(", × 1M", ","),
  line("+a. × 333k (local label)", "a.", "1.0+"),
]);

const tomlCases: readonly Case[] = [
  line("a=[[[[ × 1M", "[", "a="),
  line("[ × 1M", "["),
  line("{ × 1M", "{", "a="),
  line("string of 1M characters", "x", 'a = "', '"'),
  line("unterminated string", "x", 'a = "'),
  line('""" then 1M characters', "x", 'a = """'),
  line("dotted key a. × 500k", "a.", "", "=1"),
  line("# × 1M", "#"),
  line("= × 1M", "="),
  line("array of 1M-char string items", '"a",', "a = ["),
  line("escapes \\u00e9 × 166k", "\\u00e9", 'a = "', '"'),
  line("array of integers", "1,", "a = [", "1]"),
  line("inline table of 1M characters", "a=1,", "t = {", "b=2}"),
];

const lockFormats: readonly LockFormat[] = ["poetry.lock", "pdm.lock", "uv.lock", "pylock.toml"];
for (const format of lockFormats) timeCases(format, (text) => parseLock(format, text), tomlCases);
timeCases("tomlDoc", parseTomlDocument, tomlCases);

describe("tomlDoc: refused input", function () {
  // The reader refuses overlong lines and deep nesting before the TOML parser sees them (that parser
  // is slow on long lines and recursive on nesting); the refusal must be a finding, never an exception.
  it("a 1 MB line or brackets nested deeper than 64 give a syntax finding, not an exception", function () {
    // A comment is skipped by the pre-scan, and the parser reads a long one quickly.
    for (const c of tomlCases.filter((c) => !c.name.startsWith("#"))) {
      const document = parseTomlDocument(c.build(oneMb));
      assert.match(document.error?.message ?? "", /not read past line 1/, c.name);
    }
    for (const nested of ["a = " + "[".repeat(65), "a = " + "{ b = ".repeat(65), "[".repeat(65) + "x"]) {
      assert.match(parseTomlDocument(nested).error?.message ?? "", /nested deeper than 64/, nested.slice(0, 12));
    }
  });

  it("strings and numbers over 64 KiB give a finding, not the parser's stack overflow", function () {
    const long = 130_000;
    for (const text of [
      `a = "${"x".repeat(long)}"`,
      `a = '${"x".repeat(long)}'`,
      `a = """${"x\n".repeat(long / 2)}"""`,
      `a = ${"1".repeat(long)}`,
      `"${"k".repeat(long)}" = 1`,
    ]) {
      assert.match(parseTomlDocument(text).error?.message ?? "", /longer than 64 KiB/, text.slice(0, 12));
    }
  });

  it(`lines just inside the limits (4096 values, 64 KiB strings) parse in under ${limitMs} ms`, function () {
    const inside = [
      "a = [" + "1,".repeat(4095) + "1]",
      "a = [" + "[1],".repeat(2047) + "[1]]",
      "a" + ".a".repeat(4094) + " = 1",
      "a = [" + '"x",'.repeat(4095) + '"y"]',
      `a = "${"x".repeat(64 * 1024 - 1)}"`,
      "a = [" + `"${"x".repeat(60)}",`.repeat(4000) + '"y"]',
    ];
    for (const text of inside) {
      parseTomlDocument(text.slice(0, 64));
      const timing = bestOf3(parseTomlDocument, (size) => text.slice(0, size), text.length);
      assert.equal(parseTomlDocument(text).error, null, text.slice(0, 12));
      assert.ok(
        effective(timing) < limitMs,
        `${text.slice(0, 12)}…: ${timing.wall.toFixed(1)} ms (CPU ${timing.cpu.toFixed(1)} ms)`,
      );
    }
  });
});
timeCases("manifest pyproject.toml", (text) => parseManifest("pyproject.toml", "/p/pyproject.toml", text), [
  ...tomlCases,
  line("dependencies with a 1M-character requirement", "a", '[project]\ndependencies = ["', '"]'),
]);
timeCases("manifest Pipfile", (text) => parseManifest("Pipfile", "/p/Pipfile", text), tomlCases);

timeCases("Pipfile.lock", (text) => parseLock("Pipfile.lock", text), [
  line("[ × 1M", "["),
  line("{ × 1M", "{"),
  line('{"a": × 200k', '{"a":'),
  line("string of 1M characters", "x", '{"default": {"a": {"version": "', '"}}}'),
  line("unterminated string", "x", '{"'),
  items("packages with 8 hashes each, on one line", packageWith8Hashes, '{"default":{', '"z":{}}}'),
  line("digits × 1M", "9"),
  line("invalid characters × 1M", "\u0001"),
]);

timeCases("pip-compile", (text) => parseLock("pip-compile", text), [
  line("a × 1M", "a"),
  line("[ × 1M", "[", "a"),
  line("--hash list", `--hash=sha256:${hex64} `, "a==1.0 "),
  line("# via then 1M characters", "a", "a==1.0\n    # via "),
  line("# via -r × 200k", " -r x", "a==1.0\n    # via"),
]);

timeCases("simpleHtml", (text) => readSimpleHtml(text, "https://pypi.example/simple/demo/", "demo"), [
  line("href of 1M characters", "x", '<a href="'),
  line("< × 1M", "<"),
  line("<a  × 333k", "<a "),
  line("unquoted attribute value of 1M characters", "y", "<a x="),
  line("& × 1M in an attribute", "&", '<a href="'),
  line("&amp; × 200k in an attribute", "&amp;", '<a href="', '">'),
  line("unclosed comment", "-", "<!--"),
  line("unclosed script", "<", "<script>"),
  line("many attributes", "b ", "<a href=x "),
  line("/ × 1M in a tag", "/", "<a"),
  line("= × 1M in a tag", "=", "<a "),
  line("meta content of 1M characters", "1", '<meta name="pypi:repository-version" content="'),
  line("many file links", '<a href="demo-1.0.tar.gz#sha256=' + hex64 + '">x</a>'),
]);

const jsonCases: readonly Case[] = [
  line("[ × 1M", "["),
  line("{ × 1M", "{"),
  line("string of 1M characters", "x", '"'),
  items("many file entries", '{"filename":"demo-1.0.tar.gz","url":"demo-1.0.tar.gz"},', '{"files":[', "{}]}"),
  items("many versions", '"1.0",', '{"files":[],"versions":[', '"2"]}'),
];
timeCases("simpleJson", (text) => readSimpleJson(text, "https://pypi.example/simple/demo/", "demo"), jsonCases);
timeCases("jsonApi", readJsonApi, [
  ...jsonCases,
  items("many classifiers", '"Programming Language :: Python :: 3",', '{"info":{"classifiers":[', '"x"]}}'),
]);
