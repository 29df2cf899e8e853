import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { lockFormatOf } from "../../../server/src/core/locks/detect";
import type { ParsedLock } from "../../../server/src/core/locks/lockModel";
import { parsePipfileLock } from "../../../server/src/core/locks/pipfileLock";
import { marked } from "../support/fixtures";
import { timed } from "../../support/lockChecks";

/**
 * Pipfile.lock (SPECS §5.2): the vector sample, hand-written cases with exact spans, every Pipfile.lock
 * of the pipenv corpus (timed, spans checked, and compared with Python's `json` module where python3 is
 * present), syntax errors that keep what could be read, and hostile input.
 */

interface Sample {
  format: string;
  text: string;
  expected: {
    pipfile_spec: number;
    python_target: { python_version: string; pep440: string };
    sections: Record<string, string[]>;
    packages: {
      section: string;
      name: string;
      version: string | null;
      index?: string;
      vcs?: string;
      ref?: string;
      path?: string;
      editable?: boolean;
    }[];
  };
}

const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/lockfiles.json"), "utf8"),
) as { samples: Sample[] };
const corpusDir = path.resolve(__dirname, "../../fixtures/corpus/pipenv");
const corpusLocks = fs
  .readdirSync(corpusDir)
  .sort()
  .map((name) => path.join(corpusDir, name))
  .filter((file) => lockFormatOf("lockfile", fs.readFileSync(file, "utf8")) === "Pipfile.lock");

/** Every span lies inside the text, and names, versions, hashes and sources slice to their values. */
function assertSpans(lock: ParsedLock, label: string): void {
  const { text } = lock;
  const inside = (span: { start: number; end: number }, what: string): void => {
    assert.ok(0 <= span.start && span.start <= span.end && span.end <= text.length, `${label}: ${what} span`);
  };
  for (const problem of lock.problems) inside(problem.span, "problem");
  for (const source of lock.sources) assert.equal(text.slice(source.span.start, source.span.end), source.value);
  if (lock.contentHash) {
    assert.equal(text.slice(lock.contentHash.span.start, lock.contentHash.span.end), lock.contentHash.value);
  }
  if (lock.lockVersion) inside(lock.lockVersion.span, "lock version");
  if (lock.python)
    assert.equal(text.slice(lock.python.raw.span.start, lock.python.raw.span.end), lock.python.raw.value);
  for (const entry of lock.entries) {
    inside(entry.span, "entry");
    assert.equal(text.slice(entry.name.span.start, entry.name.span.end), entry.name.value, `${label}: name span`);
    assert.ok(
      entry.span.start < entry.name.span.start && entry.name.span.end < entry.span.end,
      `${label}: name in entry`,
    );
    if (entry.version) {
      assert.equal(
        text.slice(entry.version.span.start, entry.version.span.end),
        entry.version.value,
        `${label}: version`,
      );
    }
    for (const hash of entry.hashes) {
      assert.equal(text.slice(hash.span.start, hash.span.end).toLowerCase(), `${hash.algorithm}:${hash.digest}`);
    }
  }
}

describe("Pipfile.lock", () => {
  describe("vector samples (vectors/lockfiles.json)", () => {
    const samples = vectors.samples.filter((sample) => sample.format === "Pipfile.lock");
    it("has at least one Pipfile.lock sample", () => assert.ok(samples.length > 0));
    for (const [i, sample] of samples.entries()) {
      it(`sample ${i}: every expected field`, () => {
        const lock = parsePipfileLock(sample.text);
        const expected = sample.expected;
        assert.equal(lock.format, "Pipfile.lock");
        assert.deepEqual(lock.problems, []);
        assert.equal(lock.lockVersion?.value, String(expected.pipfile_spec));
        assert.equal(lock.python?.raw.value, expected.python_target.python_version);
        assert.equal(lock.python?.pep440, expected.python_target.pep440);
        for (const [section, names] of Object.entries(expected.sections)) {
          assert.deepEqual(
            lock.entries.filter((entry) => entry.groups.includes(section)).map((entry) => entry.name.value),
            names,
            section,
          );
        }
        // The lock names its index by a source name; the model resolves it to that source's URL.
        const meta = (JSON.parse(sample.text) as { _meta: { sources: { name: string; url: string }[] } })._meta;
        for (const expectedPackage of expected.packages) {
          const entry = lock.entries.find(
            (e) => e.name.value === expectedPackage.name && e.groups.includes(expectedPackage.section),
          );
          assert.ok(entry, expectedPackage.name);
          assert.equal(entry.version?.value ?? null, expectedPackage.version, `${expectedPackage.name} version`);
          if (expectedPackage.index !== undefined) {
            assert.equal(entry.source.kind, "registry");
            assert.equal(entry.source.url, meta.sources.find((s) => s.name === expectedPackage.index)?.url);
          }
          if (expectedPackage.vcs !== undefined) assert.equal(entry.source.kind, expectedPackage.vcs);
          if (expectedPackage.ref !== undefined) assert.equal(entry.source.reference, expectedPackage.ref);
          if (expectedPackage.path !== undefined) assert.equal(entry.source.url, expectedPackage.path);
          if (expectedPackage.editable === true) assert.equal(entry.source.kind, "editable");
        }
        assertSpans(lock, `sample ${i}`);
      });
    }
  });

  describe("hand-written cases", () => {
    it("locates the name without quotes, the version digits without '==' and the whole property", () => {
      const { text, spans } = marked(
        '{"_meta": {"hash": {"sha256": "⟦abc123⟧"}, "pipfile-spec": ⟦6⟧, "requires": {"python_version": "⟦3.12⟧"},\n' +
          ' "sources": [{"name": "pypi", "url": "⟦https://pypi.org/simple⟧"}]},\n' +
          ' "default": {⟦"⟦Requests⟧": {"hashes": ["⟦sha256:ABCDEF⟧"], "version": "==⟦2.31.0⟧", "index": "pypi"}⟧}}',
      );
      const lock = parsePipfileLock(text);
      assert.deepEqual(lock.problems, []);
      const [hashSpan, specSpan, pythonSpan, sourceSpan, entrySpan, nameSpan, digestSpan, versionSpan] = spans;
      assert.deepEqual(lock.contentHash, { value: "abc123", span: hashSpan });
      assert.deepEqual(lock.lockVersion, { value: "6", span: specSpan });
      assert.deepEqual(lock.python, { raw: { value: "3.12", span: pythonSpan }, pep440: "==3.12.*" });
      assert.deepEqual(lock.sources, [{ value: "https://pypi.org/simple", span: sourceSpan }]);
      const [entry] = lock.entries;
      assert.ok(entry);
      assert.deepEqual(entry, {
        name: { value: "Requests", span: nameSpan },
        normalizedName: "requests",
        version: { value: "2.31.0", span: versionSpan },
        source: { kind: "registry", url: "https://pypi.org/simple", reference: null },
        hashes: [{ algorithm: "sha256", digest: "abcdef", file: null, span: digestSpan }],
        marker: null,
        markerByGroup: null,
        groups: ["default"],
        requiresPython: null,
        dependencies: [],
        via: [],
        span: entrySpan,
      });
    });

    it("reads every category, custom ones included, in file order, with markers", () => {
      const lock = parsePipfileLock(
        JSON.stringify({
          develop: { pytest: { version: "==8.0.0" } },
          _meta: { "pipfile-spec": 6 },
          default: { six: { version: "==1.16.0", markers: " python_version >= '3.7' " } },
          docs: { sphinx: { version: "===7.2.6" } },
        }),
      );
      assert.deepEqual(
        lock.entries.map((e) => [e.groups, e.name.value, e.version?.value, e.marker]),
        [
          [["develop"], "pytest", "8.0.0", null],
          [["default"], "six", "1.16.0", "python_version >= '3.7'"],
          [["docs"], "sphinx", "7.2.6", null],
        ],
      );
      assert.deepEqual(lock.problems, []);
    });

    it("takes python_full_version when python_version is absent, and prefers python_version", () => {
      const full = parsePipfileLock('{"_meta": {"requires": {"python_full_version": "3.10.4"}}}');
      assert.equal(full.python?.raw.value, "3.10.4");
      assert.equal(full.python?.pep440, "==3.10.4");
      const both = parsePipfileLock(
        '{"_meta": {"requires": {"python_full_version": "3.10.4", "python_version": "3.10"}}}',
      );
      assert.equal(both.python?.pep440, "==3.10.*");
      const odd = parsePipfileLock('{"_meta": {"requires": {"python_version": "3.x"}}}');
      assert.deepEqual([odd.python?.raw.value, odd.python?.pep440], ["3.x", null]);
      assert.equal(parsePipfileLock('{"_meta": {"requires": {}}}').python, null);
    });

    it("turns git, other VCS, path, editable path and file entries into sources without versions", () => {
      const lock = parsePipfileLock(
        JSON.stringify({
          _meta: { sources: [{ name: "pypi", url: "https://pypi.org/simple" }] },
          default: {
            a: { git: "https://github.com/o/a.git", ref: "v1.0", editable: true, subdirectory: "sub" },
            b: { hg: "https://hg.example/b" },
            c: { path: "./c" },
            d: { path: ".", editable: true },
            e: { file: "https://files.example/e-1.0-py3-none-any.whl" },
            f: { file: "file:///tmp/f-1.0.tar.gz" },
            g: { version: "==1.0" },
            h: {},
          },
        }),
      );
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.version, e.source]),
        [
          ["a", null, { kind: "git", url: "https://github.com/o/a.git", reference: "v1.0" }],
          ["b", null, { kind: "vcs", url: "https://hg.example/b", reference: null }],
          ["c", null, { kind: "path", url: "./c", reference: null }],
          ["d", null, { kind: "editable", url: ".", reference: null }],
          ["e", null, { kind: "url", url: "https://files.example/e-1.0-py3-none-any.whl", reference: null }],
          ["f", null, { kind: "file", url: "file:///tmp/f-1.0.tar.gz", reference: null }],
          ["g", lock.entries[6]?.version, { kind: "registry", url: "https://pypi.org/simple", reference: null }],
          ["h", null, { kind: "unknown", url: null, reference: null }],
        ],
      );
      assert.deepEqual(lock.problems, []);
    });

    it("reports an index that names no source, and keeps the entry", () => {
      const lock = parsePipfileLock(
        '{"_meta": {"sources": []}, "default": {"x": {"version": "==1", "index": "private"}}}',
      );
      assert.equal(lock.entries[0]?.source.kind, "registry");
      assert.equal(lock.entries[0]?.source.url, null);
      assert.equal(lock.problems.length, 1);
      assert.match(lock.problems[0]?.message ?? "", /"private"/);
    });

    it("keeps the whole string as the version span when the string has escapes", () => {
      const text = '{"default": {"x": {"version": "\\u003d=1.0"}}}';
      const version = parsePipfileLock(text).entries[0]?.version;
      assert.equal(version?.value, "1.0");
      assert.equal(text.slice(version?.span.start, version?.span.end), "\\u003d=1.0");
    });

    it("reports values of the wrong type without throwing, and keeps the rest", () => {
      const lock = parsePipfileLock(
        JSON.stringify({
          _meta: { hash: "x", "pipfile-spec": [], requires: { python_version: 3.1 }, sources: [1, { url: 2 }] },
          default: "some-string-value",
          develop: {
            a: "==1.0",
            b: { version: 1, hashes: "sha256:aa", markers: [], extras: "x", git: null, index: 3 },
            c: { version: ">=1.0", hashes: ["sha256:aa", "nonsense", 5] },
            d: { version: "==2.0" },
          },
          other: [],
        }),
      );
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.version?.value ?? null, e.hashes.length]),
        [
          ["a", null, 0],
          ["b", null, 0],
          ["c", null, 1],
          ["d", "2.0", 0],
        ],
      );
      // One warning per wrong value: hash, pipfile-spec, python_version, two sources, two categories, entry
      // "a", five fields of "b", the version and two hashes of "c".
      assert.equal(lock.problems.length, 16, lock.problems.map((p) => p.message).join("\n"));
      assert.ok(lock.problems.every((p) => p.severity === "warning"));
      assert.deepEqual([lock.contentHash, lock.lockVersion, lock.python, lock.sources], [null, null, null, []]);
    });

    it("reports a repeated key", () => {
      const lock = parsePipfileLock('{"default": {"x": {"version": "==1"}, "x": {"version": "==2"}}}');
      assert.equal(lock.entries.length, 2);
      assert.match(lock.problems[0]?.message ?? "", /more than once/);
    });

    it("turns syntax errors into problems at the parser's offsets and keeps what came before", () => {
      const text = '{"_meta": {"pipfile-spec": 6}, "default": {"a": {"version": "==1.0"}, "b": {"version": "==2';
      const lock = parsePipfileLock(text);
      assert.ok(lock.problems.length > 0);
      assert.ok(lock.problems.every((p) => p.severity === "error" && p.message.startsWith("JSON syntax error")));
      assert.ok(lock.problems.every((p) => p.span.start <= text.length && p.span.end <= text.length));
      assert.equal(lock.lockVersion?.value, "6");
      assert.deepEqual(
        lock.entries.map((e) => e.name.value),
        ["a", "b"],
      );
      assert.equal(lock.entries[0]?.version?.value, "1.0");

      const comma = parsePipfileLock('{"default": {"a": {} "b": {}}}');
      const commaError = comma.problems[0];
      assert.ok(commaError);
      assert.equal(commaError.message, "JSON syntax error: a comma was expected.");
      assert.equal(commaError.span.start, '{"default": {"a": {} '.length);
      assert.deepEqual(
        comma.entries.map((e) => e.name.value),
        ["a", "b"],
      );
    });

    it("rejects comments, trailing commas and values other than an object", () => {
      assert.ok(parsePipfileLock('{"default": {}, // no\n}').problems.length >= 1);
      assert.ok(parsePipfileLock('{"default": {},}').problems.length >= 1);
      assert.equal(parsePipfileLock("[1, 2]").problems[0]?.severity, "error");
      assert.equal(parsePipfileLock("").problems[0]?.severity, "error");
      assert.deepEqual(parsePipfileLock("").entries, []);
    });
  });

  describe("the pipenv corpus", () => {
    it("finds the Pipfile.lock files of the corpus by content", () => assert.ok(corpusLocks.length >= 10));

    for (const file of corpusLocks) {
      it(`${path.basename(file)}: parses within 200 ms with every span inside the text`, () => {
        const text = fs.readFileSync(file, "utf8");
        const lock = timed(200, () => parsePipfileLock(text));
        assert.ok(lock.entries.length > 0);
        assertSpans(lock, path.basename(file));
        assert.ok(
          lock.problems.every((p) => p.severity === "warning"),
          "no syntax errors in real files",
        );
      });
    }

    it("reads the same categories, names, versions and Python as Python's json module", function () {
      const probe = spawnSync("python3", ["--version"], { encoding: "utf8" });
      if (probe.status !== 0) return this.skip();
      // An independent reading: every top-level object but `_meta` is a category, its keys the packages.
      const script = [
        "import json, sys",
        "out = {}",
        "for path in sys.argv[1:]:",
        "    with open(path, encoding='utf-8') as f:",
        "        data = json.load(f)",
        "    meta = data.get('_meta', {})",
        "    requires = meta.get('requires', {}) if isinstance(meta, dict) else {}",
        "    python = requires.get('python_version') or requires.get('python_full_version')",
        "    categories = {}",
        "    for key, value in data.items():",
        "        if key == '_meta' or not isinstance(value, dict):",
        "            continue",
        "        rows = []",
        "        for name, entry in value.items():",
        "            version = entry.get('version') if isinstance(entry, dict) else None",
        "            if isinstance(version, str) and version.startswith('=='):",
        "                version = version.lstrip('=')",
        "            rows.append([name, version])",
        "        categories[key] = rows",
        "    out[path] = {'python': python, 'categories': categories}",
        "print(json.dumps(out))",
      ].join("\n");
      const result = spawnSync("python3", ["-c", script, ...corpusLocks], { encoding: "utf8" });
      assert.equal(result.status, 0, result.stderr);
      const expected = JSON.parse(result.stdout) as Record<
        string,
        { python: string | null; categories: Record<string, [string, string | null][]> }
      >;
      for (const file of corpusLocks) {
        const lock = parsePipfileLock(fs.readFileSync(file, "utf8"));
        const theirs = expected[file];
        assert.ok(theirs, file);
        const ours: Record<string, [string, string | null][]> = {};
        for (const entry of lock.entries) {
          const category = entry.groups[0] ?? "";
          (ours[category] ??= []).push([entry.name.value, entry.version?.value ?? null]);
        }
        // An empty category has no entries to show it, so only non-empty ones are compared.
        const nonEmpty = Object.fromEntries(Object.entries(theirs.categories).filter(([, rows]) => rows.length > 0));
        assert.deepEqual(ours, nonEmpty, path.basename(file));
        assert.equal(lock.python?.raw.value ?? null, theirs.python ?? null, path.basename(file));
      }
    });
  });

  describe("hostile input", () => {
    function randomText(length: number, seed: number): string {
      let state = seed;
      let text = "";
      for (let i = 0; i < length; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        text += String.fromCharCode(state % 256);
      }
      return text;
    }

    it("random bytes: no throw, within 1 s, problems inside the text", () => {
      for (const seed of [1, 2, 3]) {
        const text = randomText(200_000, seed);
        const lock = timed(1000, () => parsePipfileLock(text));
        assert.ok(lock.problems.length > 0);
        assert.ok(lock.problems.length <= 51, "syntax problems are capped");
        assertSpans(lock, `seed ${seed}`);
      }
    });

    it("a 1 MB line: no throw, within 1 s", () => {
      const long = "x".repeat(1_000_000);
      for (const text of [long, `{"default": {"${long}": {"version": "==${long}"}}}`, `{"default": "${long}`]) {
        const lock = timed(1000, () => parsePipfileLock(text));
        assertSpans(lock, "long line");
      }
    });

    it("deeply nested JSON: no throw, within 1 s", () => {
      for (const text of [
        "[".repeat(500_000),
        `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`,
        `{"default": {"x": ${"[".repeat(100_000)}${"]".repeat(100_000)}}}`,
      ]) {
        const lock = timed(1000, () => parsePipfileLock(text));
        assert.ok(lock.problems.length > 0);
        assertSpans(lock, "nested");
      }
    });
  });
});
