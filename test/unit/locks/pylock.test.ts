import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ParsedLock } from "../../../server/src/core/locks/lockModel";
import { parsePylock, parsePylockDetails } from "../../../server/src/core/locks/pylock";
import { seededRandom as seeded } from "../../support/seededRandom";
import { assertAgreesWithTomllib, readWithTomllib } from "../../support/tomllibOracle";
import { timed } from "../../support/lockChecks";

/**
 * pylock.toml (PEP 751, SPECS §5.5): the vector sample, hand-written cases for each rule, every corpus
 * file (timed, spans checked, and compared with Python's tomllib where python3 has it), a truncated file,
 * and hostile input.
 */

interface Sample {
  format: string;
  text: string;
  expected: {
    lock_version: string;
    python_target: { requires_python: string; environments: string[] };
    packages: { name: string; version: string }[];
  };
}

const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/lockfiles.json"), "utf8"),
) as { samples: Sample[] };
const corpusDir = path.resolve(__dirname, "../../fixtures/corpus/pylock");
const corpusFiles = fs
  .readdirSync(corpusDir)
  .filter((name) => !name.startsWith("."))
  .sort()
  .map((name) => path.join(corpusDir, name));

/** Every span of the lock lies inside the text, and names, versions and digests slice to their values. */
function assertSpans(lock: ParsedLock, label: string): void {
  const length = lock.text.length;
  const inside = (span: { start: number; end: number }, what: string): void => {
    assert.ok(span.start >= 0 && span.start <= span.end && span.end <= length, `${label}: ${what} span out of text`);
  };
  for (const problem of lock.problems) inside(problem.span, "problem");
  for (const source of lock.sources) {
    assert.equal(lock.text.slice(source.span.start, source.span.end), source.value, `${label}: source span`);
  }
  if (lock.lockVersion) inside(lock.lockVersion.span, "lock version");
  if (lock.python)
    assert.equal(lock.text.slice(lock.python.raw.span.start, lock.python.raw.span.end), lock.python.raw.value);
  for (const entry of lock.entries) {
    inside(entry.span, "entry");
    assert.equal(lock.text.slice(entry.name.span.start, entry.name.span.end), entry.name.value, `${label}: name span`);
    assert.ok(
      entry.name.span.start >= entry.span.start && entry.name.span.end <= entry.span.end,
      `${label}: name in entry`,
    );
    if (entry.version) {
      assert.equal(lock.text.slice(entry.version.span.start, entry.version.span.end), entry.version.value);
    }
    for (const hash of entry.hashes) {
      assert.equal(lock.text.slice(hash.span.start, hash.span.end).toLowerCase(), hash.digest, `${label}: hash span`);
    }
    for (const dependency of entry.dependencies) if (dependency.span) inside(dependency.span, "dependency");
  }
}

describe("pylock.toml", () => {
  describe("vector samples (vectors/lockfiles.json)", () => {
    const samples = vectors.samples.filter((sample) => sample.format === "pylock.toml");
    it("has at least one pylock.toml sample", () => assert.ok(samples.length > 0));
    for (const [i, sample] of samples.entries()) {
      it(`sample ${i}: every expected field`, () => {
        const { lock, environments, createdBy } = parsePylockDetails(sample.text);
        const expected = sample.expected;
        assert.equal(lock.format, "pylock.toml");
        assert.deepEqual(lock.problems, []);
        assert.equal(lock.lockVersion?.value, expected.lock_version);
        assert.equal(lock.python?.raw.value, expected.python_target.requires_python);
        assert.equal(lock.python?.pep440, expected.python_target.requires_python);
        assert.deepEqual(
          environments.map((e) => e.value),
          expected.python_target.environments,
        );
        assert.equal(createdBy?.value, "mousebender");
        assert.deepEqual(
          lock.entries.map((entry) => [entry.normalizedName, entry.version?.value ?? null]),
          expected.packages.map((p) => [p.name, p.version]),
        );
        assertSpans(lock, `sample ${i}`);
      });
    }

    it("reads the sample's wheels, hashes, per-package Requires-Python and dependencies", () => {
      const sample = samples[0];
      assert.ok(sample);
      const lock = parsePylock(sample.text);
      const [attrs, cattrs] = lock.entries;
      assert.ok(attrs && cattrs);
      assert.equal(attrs.requiresPython, ">= 3.8");
      assert.deepEqual(attrs.source, { kind: "registry", url: null, reference: null });
      assert.deepEqual(
        attrs.hashes.map((h) => [h.algorithm, h.digest, h.file]),
        [
          [
            "sha256",
            "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a",
            "attrs-25.1.0-py3-none-any.whl",
          ],
        ],
      );
      assert.deepEqual(
        cattrs.dependencies.map((d) => [d.name, d.normalizedName, d.specifier]),
        [["attrs", "attrs", null]],
      );
      assert.ok(lock.text.slice(cattrs.span.start, cattrs.span.end).startsWith("[[packages]]\nname = 'cattrs'"));
    });
  });

  describe("rules", () => {
    it("maps vcs, directory, archive, index and local files to sources", () => {
      const text = [
        'lock-version = "1.0"',
        'created-by = "test"',
        'extras = ["crypto"]',
        'dependency-groups = ["dev"]',
        'default-groups = ["default"]',
        "",
        "[[packages]]",
        'name = "from-git"',
        'vcs = { type = "git", url = "https://github.com/o/r", requested-revision = "main", commit-id = "abc" }',
        "",
        "[[packages]]",
        'name = "from-hg"',
        'vcs = { type = "hg", path = "../repo", commit-id = "def" }',
        "",
        "[[packages]]",
        'name = "Editable_Dir"',
        'directory = { path = "src/ed", editable = true }',
        "",
        "[[packages]]",
        'name = "plain-dir"',
        'directory = { path = "src/pd" }',
        "",
        "[[packages]]",
        'name = "remote-archive"',
        'archive = { url = "https://example.com/ra-1.0.tar.gz", hashes = { sha256 = "AA", sha512 = "bb" } }',
        "",
        "[[packages]]",
        'name = "local-archive"',
        'archive = { path = "dist/la-1.0.tar.gz", hashes = { sha256 = "cc" } }',
        "",
        "[[packages]]",
        'name = "indexed"',
        'version = "2.0"',
        'index = "https://mirror.example/simple"',
        "marker = \"'dev' in dependency_groups\"",
        'requires-python = ">=3.9"',
        'dependencies = [{ name = "Dep.One", version = "1.0" }, { name = "dep-two" }, { index = "https://x" }]',
        'sdist = { url = "https://files.example/indexed-2.0.tar.gz", hashes = { sha256 = "dd" } }',
        'wheels = [{ name = "indexed-2.0-py3-none-any.whl", url = "https://files.example/w.whl", hashes = { sha256 = "ee" } }]',
        "",
        "[[packages]]",
        'name = "local-wheel"',
        'version = "3.0"',
        "[[packages.wheels]]",
        'path = "wheels/local_wheel-3.0-py3-none-any.whl"',
        "[packages.wheels.hashes]",
        'sha256 = "ff"',
        "",
      ].join("\n");
      const details = parsePylockDetails(text);
      const lock = details.lock;
      assert.deepEqual(lock.problems, []);
      assert.deepEqual(
        lock.entries.map((e) => [
          e.normalizedName,
          e.version?.value ?? null,
          e.source.kind,
          e.source.url,
          e.source.reference,
        ]),
        [
          ["from-git", null, "git", "https://github.com/o/r", "abc"],
          ["from-hg", null, "vcs", "../repo", "def"],
          ["editable-dir", null, "editable", "src/ed", null],
          ["plain-dir", null, "directory", "src/pd", null],
          ["remote-archive", null, "url", "https://example.com/ra-1.0.tar.gz", null],
          ["local-archive", null, "path", "dist/la-1.0.tar.gz", null],
          ["indexed", "2.0", "registry", "https://mirror.example/simple", null],
          ["local-wheel", "3.0", "path", "wheels/local_wheel-3.0-py3-none-any.whl", null],
        ],
      );
      assert.deepEqual(
        lock.entries.flatMap((e) => e.hashes.map((h) => [e.normalizedName, h.algorithm, h.digest, h.file])),
        [
          ["remote-archive", "sha256", "aa", "ra-1.0.tar.gz"],
          ["remote-archive", "sha512", "bb", "ra-1.0.tar.gz"],
          ["local-archive", "sha256", "cc", "la-1.0.tar.gz"],
          ["indexed", "sha256", "dd", "indexed-2.0.tar.gz"],
          ["indexed", "sha256", "ee", "indexed-2.0-py3-none-any.whl"],
          ["local-wheel", "sha256", "ff", "local_wheel-3.0-py3-none-any.whl"],
        ],
      );
      const indexed = lock.entries[6];
      assert.ok(indexed);
      assert.equal(indexed.marker, "'dev' in dependency_groups");
      assert.equal(indexed.requiresPython, ">=3.9");
      assert.deepEqual(
        indexed.dependencies.map((d) => [d.name, d.normalizedName, d.specifier]),
        [
          ["Dep.One", "dep-one", "==1.0"],
          ["dep-two", "dep-two", null],
        ],
      );
      assert.deepEqual(
        lock.sources.map((s) => s.value),
        ["https://mirror.example/simple"],
      );
      assert.deepEqual(
        [details.extras, details.dependencyGroups, details.defaultGroups].map((list) => list.map((v) => v.value)),
        [["crypto"], ["dev"], ["default"]],
      );
      assert.equal(details.environments.length, 0);
      assertSpans(lock, "sources");
    });

    it("reads an inline `packages = [...]` array with the inline table as the entry span", () => {
      const text = [
        'lock-version = "1.0"',
        'created-by = "pip"',
        "packages = [",
        '    { name = "simplewheel", directory = { path = "../src/simplewheel-2.0", editable = true } },',
        "]",
      ].join("\n");
      const lock = parsePylock(text);
      const entry = lock.entries[0];
      assert.ok(entry);
      assert.equal(text.slice(entry.span.start, entry.span.end).slice(0, 24), '{ name = "simplewheel", ');
      assert.equal(entry.source.kind, "editable");
    });

    it("refuses an unknown major lock-version and warns about a newer minor", () => {
      const base = 'created-by = "x"\n[[packages]]\nname = "a"\ndirectory = { path = "." }\n';
      const major = parsePylock(`lock-version = "2.0"\n${base}`);
      assert.deepEqual(
        major.problems.map((p) => [p.severity, p.message]),
        [["error", 'unsupported lock-version "2.0" (this reader knows 1.0)']],
      );
      assert.equal(major.entries.length, 1, "entries are still read for the editor");
      const garbage = parsePylock(`lock-version = "one"\n${base}`);
      assert.match(garbage.problems[0]?.message ?? "", /^unsupported lock-version/);
      const minor = parsePylock(`lock-version = "1.3"\n${base}`);
      assert.deepEqual(
        minor.problems.map((p) => p.severity),
        ["warning"],
      );
    });

    it("reports missing required keys, a nameless package and packages with no or two sources", () => {
      const text = [
        "[[packages]]",
        'version = "1"',
        "[[packages]]",
        'name = "nothing"',
        "[[packages]]",
        'name = "both"',
        'directory = { path = "." }',
        'archive = { path = "x.tar.gz", hashes = { sha256 = "00" } }',
      ].join("\n");
      const lock = parsePylock(text);
      assert.deepEqual(
        lock.problems.map((p) => [p.severity, p.message.replace(/ \(.*/, "")]),
        [
          ["error", "pylock.toml has no `lock-version`"],
          ["error", "pylock.toml has no `created-by`"],
          ["error", "[[packages]] without a `name`"],
          ["warning", "package nothing names no source"],
          ["warning", "package both names more than one of vcs, directory, archive and sdist/wheels"],
        ],
      );
      assert.deepEqual(
        lock.entries.map((e) => e.source.kind),
        ["unknown", "directory"],
      );
    });
  });

  describe("corpus (test/fixtures/corpus/pylock)", () => {
    it("has corpus files", () => assert.ok(corpusFiles.length > 0));
    for (const file of corpusFiles) {
      const invalid = path.basename(file).endsWith("pylock.invalid.toml");
      it(`${path.basename(file)}: parses within 500 ms with consistent spans${invalid ? " and a problem" : ""}`, () => {
        const text = fs.readFileSync(file, "utf8");
        const started = performance.now();
        const lock = parsePylock(text);
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
        assert.ok(lock.entries.length > 0);
        if (invalid) assert.ok(lock.problems.some((p) => p.severity === "error"));
        else assert.deepEqual(lock.problems, []);
        assertSpans(lock, path.basename(file));
      });
    }

    it("agrees with Python's tomllib on packages (name, version, order) and requires-python", function () {
      const python = readWithTomllib(corpusFiles, ["packages"], ["requires-python"]);
      if (python === undefined) return this.skip();
      let compared = 0;
      for (const file of corpusFiles) {
        assertAgreesWithTomllib(file, python[file], parsePylock(fs.readFileSync(file, "utf8")));
        compared++;
      }
      assert.equal(compared, corpusFiles.length);
    });
  });

  describe("damaged input", () => {
    it("a truncated file gives a syntax problem and the packages before the cut", () => {
      const file = corpusFiles.find((f) => f.endsWith("pypa__pipenv__pylock.toml"));
      assert.ok(file);
      const text = fs.readFileSync(file, "utf8");
      const full = parsePylock(text).entries.map((e) => `${e.name.value} ${e.version?.value ?? ""}`);
      for (const fraction of [0.05, 0.3, 0.6, 0.95]) {
        // Cut inside a `name = "…"` string so the rest of the file cannot parse by chance.
        const nameAt = text.indexOf('\nname = "', Math.floor(text.length * fraction));
        assert.ok(nameAt > 0);
        const cut = nameAt + '\nname = "'.length + 2;
        const lock = parsePylock(text.slice(0, cut));
        assert.ok(lock.problems.some((p) => p.severity === "error" && p.message.startsWith("TOML syntax error")));
        const headersBefore = (text.slice(0, cut).match(/^\[\[packages\]\]$/gm) ?? []).length;
        const ours = lock.entries.map((e) => `${e.name.value} ${e.version?.value ?? ""}`);
        assert.equal(ours.length, headersBefore - 1, `cut at ${cut}`);
        assert.deepEqual(ours, full.slice(0, ours.length));
        assert.equal(lock.lockVersion?.value, "1.0");
        assertSpans(lock, `cut at ${cut}`);
      }
    });

    it("random bytes never throw and take under a second", () => {
      const random = seeded(5);
      for (let round = 0; round < 30; round++) {
        const length = 1 + Math.floor(random() * 20_000);
        const text = Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 256))).join("");
        timed(1000, () => parsePylock(text));
      }
    });

    it("pylock-shaped noise never throws", () => {
      const random = seeded(13);
      const file = corpusFiles.find((f) => f.endsWith("pypa__pipenv__examples__pylock.toml"));
      assert.ok(file);
      const text = fs.readFileSync(file, "utf8");
      for (let round = 0; round < 200; round++) {
        const at = Math.floor(random() * text.length);
        const mangled = text.slice(0, at) + "[{=\"'#\n".charAt(Math.floor(random() * 7)) + text.slice(at + 1);
        const lock = timed(1000, () => parsePylock(mangled));
        assertSpans(lock, `mangled at ${at}`);
      }
    });

    for (const [label, text] of hostileLines()) {
      it(`a 1 MB single line (${label}) never throws and takes under a second`, () => {
        const lock = timed(1000, () => parsePylock(text));
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
    ["unterminated string", `lock-version = "${"9".repeat(size)}`],
    ["long string value", `lock-version = "1.0"\n[[packages]]\nname = "${"n".repeat(size)}"`],
    ["comment", `# ${"#".repeat(size)}`],
    ["brackets", "[".repeat(size)],
    ["random bytes", Array.from({ length: size }, () => String.fromCharCode(32 + Math.floor(random() * 224))).join("")],
  ];
}
