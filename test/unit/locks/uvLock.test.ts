import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ParsedLock } from "../../../server/src/core/locks/lockModel";
import { parseUvLock, parseUvLockDetails } from "../../../server/src/core/locks/uvLock";
import { seededRandom as seeded } from "../../support/seededRandom";
import { assertAgreesWithTomllib, readWithTomllib } from "../../support/tomllibOracle";
import { timed } from "../../support/lockChecks";

/**
 * uv.lock (SPECS §5.3): the vector sample, hand-written cases for each rule, every corpus file (timed,
 * spans checked, and compared with Python's tomllib where python3 has it), a truncated file, and
 * hostile input.
 */

interface Sample {
  format: string;
  text: string;
  expected: {
    lock_version: number;
    revision: number;
    python_target: { requires_python: string };
    packages: { name: string; version: string; source: Record<string, string>; is_project?: boolean }[];
  };
}

const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/lockfiles.json"), "utf8"),
) as { samples: Sample[] };
const corpusDir = path.resolve(__dirname, "../../fixtures/corpus/uv");
const corpusFiles = fs
  .readdirSync(corpusDir)
  .filter((name) => !name.startsWith("."))
  .sort()
  .map((name) => path.join(corpusDir, name));

/** Every span of the lock lies inside the text, and names, versions and hashes slice to their values. */
function assertSpans(lock: ParsedLock, label: string): void {
  const length = lock.text.length;
  const inside = (span: { start: number; end: number }, what: string): void => {
    assert.ok(span.start >= 0 && span.start <= span.end && span.end <= length, `${label}: ${what} span out of text`);
  };
  for (const problem of lock.problems) inside(problem.span, "problem");
  for (const source of lock.sources) inside(source.span, "source");
  if (lock.lockVersion) inside(lock.lockVersion.span, "lock version");
  if (lock.python)
    assert.equal(lock.text.slice(lock.python.raw.span.start, lock.python.raw.span.end), lock.python.raw.value);
  for (const entry of lock.entries) {
    inside(entry.span, "entry");
    inside(entry.name.span, "name");
    assert.equal(lock.text.slice(entry.name.span.start, entry.name.span.end), entry.name.value, `${label}: name span`);
    assert.ok(
      entry.name.span.start >= entry.span.start && entry.name.span.end <= entry.span.end,
      `${label}: name in entry`,
    );
    if (entry.version) {
      assert.equal(lock.text.slice(entry.version.span.start, entry.version.span.end), entry.version.value);
    }
    for (const hash of entry.hashes) {
      inside(hash.span, "hash");
      assert.equal(lock.text.slice(hash.span.start, hash.span.end).toLowerCase(), `${hash.algorithm}:${hash.digest}`);
    }
    for (const dependency of entry.dependencies) if (dependency.span) inside(dependency.span, "dependency");
  }
}

describe("uv.lock", () => {
  describe("vector samples (vectors/lockfiles.json)", () => {
    const samples = vectors.samples.filter((sample) => sample.format === "uv.lock");
    it("has at least one uv.lock sample", () => assert.ok(samples.length > 0));
    for (const [i, sample] of samples.entries()) {
      it(`sample ${i}: every expected field`, () => {
        const { lock, revision, entries } = parseUvLockDetails(sample.text);
        const expected = sample.expected;
        assert.equal(lock.format, "uv.lock");
        assert.deepEqual(lock.problems, []);
        assert.equal(lock.lockVersion?.value, String(expected.lock_version));
        assert.equal(revision?.value, String(expected.revision));
        assert.equal(lock.python?.raw.value, expected.python_target.requires_python);
        assert.equal(lock.python?.pep440, expected.python_target.requires_python);
        assert.deepEqual(
          lock.entries.map((entry) => [entry.normalizedName, entry.version?.value ?? null]),
          expected.packages.map((p) => [p.name, p.version]),
        );
        for (const [j, want] of expected.packages.entries()) {
          const entry = lock.entries[j];
          assert.ok(entry);
          const [kind, url] = Object.entries(want.source)[0] ?? [];
          assert.equal(entry.source.kind, kind);
          assert.equal(entry.source.url, url);
          assert.equal(entries[j]?.isProject, want.is_project ?? false, want.name);
        }
        assertSpans(lock, `sample ${i}`);
      });
    }

    it("reads the sample's git commit, registry source, hashes and per-group dependencies", () => {
      const sample = samples[0];
      assert.ok(sample);
      const { lock, entries } = parseUvLockDetails(sample.text);
      const [anyio, app, mylib] = lock.entries;
      assert.ok(anyio && app && mylib);
      assert.equal(mylib.source.reference, "0123456789abcdef0123456789abcdef01234567");
      assert.deepEqual(
        lock.sources.map((s) => s.value),
        ["https://pypi.org/simple"],
      );
      assert.deepEqual(
        anyio.hashes.map((h) => [h.algorithm, h.file]),
        [
          ["sha256", "anyio-4.13.0.tar.gz"],
          ["sha256", "anyio-4.13.0-py3-none-any.whl"],
        ],
      );
      assert.deepEqual(
        anyio.dependencies.map((d) => [d.name, d.marker]),
        [
          ["idna", null],
          ["typing-extensions", "python_full_version < '3.13'"],
        ],
      );
      assert.deepEqual(
        app.dependencies.map((d) => d.name),
        ["anyio", "click", "pytest"],
      );
      assert.deepEqual(entries[1]?.dependencyOrigins, [
        { table: "dependencies", group: null },
        { table: "optional-dependencies", group: "cli" },
        { table: "dev-dependencies", group: "test" },
      ]);
      // The entry span is the [[package]] table: from its header through its last key.
      assert.ok(lock.text.slice(app.span.start, app.span.end).startsWith('[[package]]\nname = "app"'));
    });
  });

  describe("rules", () => {
    it("keeps forked copies of a package as separate entries with their resolution markers or-ed", () => {
      const text = [
        "version = 1",
        "revision = 2",
        'requires-python = ">=3.9"',
        "",
        "[[package]]",
        'name = "NumPy"',
        'version = "2.0.2"',
        'source = { registry = "https://pypi.org/simple" }',
        "resolution-markers = [",
        "    \"python_full_version < '3.10'\",",
        "    \"python_full_version >= '3.13' and sys_platform == 'win32'\",",
        "]",
        "",
        "[[package]]",
        'name = "numpy"',
        'version = "2.2.0"',
        'source = { registry = "https://pypi.org/simple" }',
        "resolution-markers = [\"python_full_version >= '3.10'\"]",
        "",
        "[[package]]",
        'name = "user"',
        'version = "0.1.0"',
        'source = { virtual = "." }',
        "dependencies = [",
        '    { name = "numpy", version = "2.0.2", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < \'3.10\'" },',
        '    { name = "requests", extra = ["socks", "use-chardet-on-py3"] },',
        "]",
        "",
      ].join("\n");
      const { lock, entries } = parseUvLockDetails(text);
      assert.deepEqual(lock.problems, []);
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.normalizedName, e.version?.value, e.marker]),
        [
          [
            "NumPy",
            "numpy",
            "2.0.2",
            "(python_full_version < '3.10') or (python_full_version >= '3.13' and sys_platform == 'win32')",
          ],
          ["numpy", "numpy", "2.2.0", "python_full_version >= '3.10'"],
          ["user", "user", "0.1.0", null],
        ],
      );
      assert.deepEqual(entries[0]?.resolutionMarkers.length, 2);
      assert.equal(entries[2]?.isProject, true);
      const [numpy, requests] = lock.entries[2]?.dependencies ?? [];
      assert.deepEqual(numpy && [numpy.specifier, numpy.marker, numpy.extras], [
        "==2.0.2",
        "python_full_version < '3.10'",
        [],
      ]);
      assert.deepEqual(requests && [requests.specifier, requests.marker, requests.extras], [
        null,
        null,
        ["socks", "use-chardet-on-py3"],
      ]);
      assert.deepEqual(
        lock.sources.map((s) => s.value),
        ["https://pypi.org/simple"],
      );
      assertSpans(lock, "forks");
    });

    it("maps every source kind and reads file names from url, path and filename", () => {
      const text = [
        "version = 1",
        "",
        "[[package]]",
        'name = "a"',
        'version = "1.0"',
        'source = { registry = "../wheelhouse" }',
        'sdist = { path = "../wheelhouse/a-1.0.tar.gz", hash = "SHA256:ABCDEF" }',
        'wheels = [{ filename = "a-1.0-py3-none-any.whl", hash = "sha256:01" }, { url = "https://x/y/a%2B-1.0-py3-none-any.whl?x=1#frag", hash = "sha256:02" }]',
        "",
        "[[package]]",
        'name = "b"',
        'source = { git = "https://github.com/o/b?tag=v1&subdirectory=pkg#abc123" }',
        "",
        "[[package]]",
        'name = "c"',
        'version = "1.0"',
        'source = { url = "https://example.com/c-1.0.tar.gz" }',
        "",
        "[[package]]",
        'name = "d"',
        'version = "1.0"',
        'source = { path = "vendor/d-1.0.whl" }',
        "",
        "[[package]]",
        'name = "e"',
        'version = "1.0"',
        'source = { directory = "libs/e" }',
        "",
        "[[package]]",
        'name = "f"',
        'version = "1.0"',
        'source = { editable = "libs/f" }',
        "",
        "[[package]]",
        'name = "g"',
        'version = "1.0"',
        'source = { registry = "https://a", git = "https://b" }',
        "",
        "[[package]]",
        'name = "h"',
        'version = "1.0"',
        "",
      ].join("\n");
      const { lock, entries } = parseUvLockDetails(text);
      assert.deepEqual(
        lock.entries.map((e) => [
          e.name.value,
          e.version?.value ?? null,
          e.source.kind,
          e.source.url,
          e.source.reference,
        ]),
        [
          ["a", "1.0", "registry", "../wheelhouse", null],
          ["b", null, "git", "https://github.com/o/b?tag=v1&subdirectory=pkg#abc123", "abc123"],
          ["c", "1.0", "url", "https://example.com/c-1.0.tar.gz", null],
          ["d", "1.0", "path", "vendor/d-1.0.whl", null],
          ["e", "1.0", "directory", "libs/e", null],
          ["f", "1.0", "editable", "libs/f", null],
          ["g", "1.0", "unknown", null, null],
          ["h", "1.0", "unknown", null, null],
        ],
      );
      // An editable path dependency is not the project unless it is at the root or a listed member.
      assert.equal(entries[5]?.isProject, false);
      assert.deepEqual(
        lock.entries[0]?.hashes.map((h) => [h.algorithm, h.digest, h.file]),
        [
          ["sha256", "abcdef", "a-1.0.tar.gz"],
          ["sha256", "01", "a-1.0-py3-none-any.whl"],
          ["sha256", "02", "a+-1.0-py3-none-any.whl"],
        ],
      );
      assert.deepEqual(
        lock.sources.map((s) => s.value),
        ["../wheelhouse"],
      );
      assertSpans(lock, "sources");
    });

    it("reads the pre-0.4 [[distribution]] layout and string sources", () => {
      const text = [
        "version = 1",
        'requires-python = ">=3.11"',
        "",
        "[[distribution]]",
        'name = "anyio"',
        'version = "4.4.0"',
        'source = "registry+https://pypi.org/simple"',
        "",
        "[[distribution]]",
        'name = "bench"',
        'version = "0.0.1"',
        'source = "editable+."',
        "",
      ].join("\n");
      const { lock, revision, entries } = parseUvLockDetails(text);
      assert.equal(revision, null);
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.source.kind, e.source.url]),
        [
          ["anyio", "registry", "https://pypi.org/simple"],
          ["bench", "editable", "."],
        ],
      );
      assert.equal(entries[1]?.isProject, true);
      const source = lock.sources[0];
      assert.ok(source);
      assert.equal(text.slice(source.span.start, source.span.end), "https://pypi.org/simple");
    });

    it("treats manifest members as projects", () => {
      const text = [
        "version = 1",
        "revision = 3",
        "[manifest]",
        'members = ["Member_One"]',
        "[[package]]",
        'name = "member-one"',
        'version = "1"',
        'source = { directory = "packages/one" }',
      ].join("\n");
      assert.equal(parseUvLockDetails(text).entries[0]?.isProject, true);
    });

    it("reports an unknown version, a newer revision, a nameless package and a hash without algorithm", () => {
      const text = [
        "version = 2",
        "revision = 9",
        "[[package]]",
        'version = "1.0"',
        "[[package]]",
        'name = "a"',
        'version = "1.0"',
        'sdist = { url = "https://x/a-1.0.tar.gz", hash = "deadbeef" }',
      ].join("\n");
      const lock = parseUvLock(text);
      assert.deepEqual(
        lock.problems.map((p) => [p.severity, text.slice(p.span.start, p.span.end)]),
        [
          ["error", "2"],
          ["warning", "9"],
          ["error", "[[package]]"],
          ["warning", "deadbeef"],
        ],
      );
      assert.match(lock.problems[0]?.message ?? "", /unsupported uv\.lock version 2/);
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.hashes.length]),
        [["a", 0]],
      );
    });

    it("reads names written with literal quotes and keeps the span inside them", () => {
      const text = "version = 1\n[[package]]\nname = 'lit'\nversion = '''\n1.0'''\n";
      const lock = parseUvLock(text);
      const entry = lock.entries[0];
      assert.ok(entry?.version);
      assert.equal(text.slice(entry.name.span.start, entry.name.span.end), "lit");
      assert.equal(text.slice(entry.version.span.start, entry.version.span.end), "1.0");
    });
  });

  describe("corpus (test/fixtures/corpus/uv)", () => {
    it("has corpus files", () => assert.ok(corpusFiles.length > 0));
    for (const file of corpusFiles) {
      it(`${path.basename(file)}: parses within 500 ms with consistent spans`, () => {
        const text = fs.readFileSync(file, "utf8");
        const started = performance.now();
        const lock = parseUvLock(text);
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
        assert.ok(lock.entries.length > 0);
        assert.deepEqual(lock.problems, []);
        assert.equal(lock.lockVersion?.value, "1");
        assertSpans(lock, path.basename(file));
      });
    }

    it("agrees with Python's tomllib on packages (name, version, order) and requires-python", function () {
      const python = readWithTomllib(corpusFiles, ["package", "distribution"], ["requires-python"]);
      if (python === undefined) return this.skip();
      let compared = 0;
      for (const file of corpusFiles) {
        assertAgreesWithTomllib(file, python[file], parseUvLock(fs.readFileSync(file, "utf8")));
        compared++;
      }
      assert.equal(compared, corpusFiles.length);
    });
  });

  describe("damaged input", () => {
    it("a truncated file gives a syntax problem and the packages before the cut", () => {
      const file = corpusFiles.find((f) => f.endsWith("pallets__flask__uv.lock"));
      assert.ok(file);
      const text = fs.readFileSync(file, "utf8");
      const full = parseUvLock(text).entries.map((e) => `${e.name.value} ${e.version?.value ?? ""}`);
      for (const fraction of [0.05, 0.3, 0.6, 0.95]) {
        // Cut inside a `name = "…"` string so the rest of the file cannot parse by chance.
        const nameAt = text.indexOf('\nname = "', Math.floor(text.length * fraction));
        assert.ok(nameAt > 0);
        const cut = nameAt + '\nname = "'.length + 2;
        const lock = parseUvLock(text.slice(0, cut));
        const syntax = lock.problems.find((p) => p.severity === "error" && p.message.startsWith("TOML syntax error"));
        assert.ok(syntax, `cut at ${cut}`);
        const headersBefore = (text.slice(0, cut).match(/^\[\[package\]\]$/gm) ?? []).length;
        const ours = lock.entries.map((e) => `${e.name.value} ${e.version?.value ?? ""}`);
        // Every complete package before the one being cut is kept, in order.
        assert.equal(ours.length, headersBefore - 1, `cut at ${cut}`);
        assert.deepEqual(ours, full.slice(0, ours.length));
        assert.equal(lock.python?.raw.value, ">=3.10");
        assertSpans(lock, `cut at ${cut}`);
      }
    });

    it("random bytes never throw and take under a second", () => {
      const random = seeded(7);
      for (let round = 0; round < 30; round++) {
        const length = 1 + Math.floor(random() * 20_000);
        const text = Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 256))).join("");
        timed(1000, () => parseUvLock(text));
      }
    });

    it("uv.lock-shaped noise never throws", () => {
      const random = seeded(11);
      const file = corpusFiles.find((f) => f.endsWith("built-by-uv__uv.lock"));
      assert.ok(file);
      const text = fs.readFileSync(file, "utf8");
      for (let round = 0; round < 200; round++) {
        const at = Math.floor(random() * text.length);
        const mangled = text.slice(0, at) + "[{=\"'#\n".charAt(Math.floor(random() * 7)) + text.slice(at + 1);
        const lock = timed(1000, () => parseUvLock(mangled));
        assertSpans(lock, `mangled at ${at}`);
      }
    });

    for (const [label, text] of hostileLines()) {
      it(`a 1 MB single line (${label}) never throws and takes under a second`, () => {
        const lock = timed(1000, () => parseUvLock(text));
        assert.ok(lock.problems.length <= 100);
      });
    }
  });
});

/** One-megabyte single lines: plain text, an unterminated string, a long string value, a comment, bytes. */
function hostileLines(): [string, string][] {
  const size = 1_000_000;
  const random = seeded(3);
  return [
    ["letters", "x".repeat(size)],
    ["unterminated string", `requires-python = "${"9".repeat(size)}`],
    ["long string value", `version = 1\n[[package]]\nname = "${"n".repeat(size)}"`],
    ["comment", `# ${"#".repeat(size)}`],
    ["brackets", "[".repeat(size)],
    ["random bytes", Array.from({ length: size }, () => String.fromCharCode(32 + Math.floor(random() * 224))).join("")],
  ];
}
