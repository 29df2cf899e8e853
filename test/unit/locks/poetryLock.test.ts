import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ParsedLock } from "../../../server/src/core/locks/lockModel";
import { parsePoetryLock } from "../../../server/src/core/locks/poetryLock";
import type { Span } from "../../../server/src/core/span";
import { assertAgreesWithTomllib, readWithTomllib, type TomllibReading } from "../../support/tomllibOracle";
import { allSpans, bestTime } from "../../support/lockChecks";

/**
 * poetry.lock: the samples of vectors/lockfiles.json, hand-written cases for each layout Poetry has
 * written, the real-world corpus (test/fixtures/corpus/poetry, see its SOURCES.tsv) checked for spans,
 * speed and, where python3 has tomllib, against Python's own TOML reading, and hostile input.
 */

interface PoetrySample {
  format: string;
  source: string;
  text: string;
  expected: {
    lock_version: string;
    python_target: { raw: string; syntax: string; pep440?: string };
    packages: {
      name: string;
      version: string;
      groups?: string[];
      marker?: string;
      marker_by_group?: Record<string, string>;
      files_from?: string;
    }[];
  };
}

const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/lockfiles.json"), "utf8"),
) as { samples: PoetrySample[] };
const samples = vectors.samples.filter((sample) => sample.format === "poetry.lock");

const corpusDir = path.resolve(__dirname, "../../fixtures/corpus/poetry");
const corpusFiles = fs
  .readdirSync(corpusDir)
  .filter((name) => name.endsWith(".lock"))
  .sort();

const slice = (text: string, span: Span): string => text.slice(span.start, span.end);

function entry(lock: ParsedLock, name: string) {
  const found = lock.entries.find((e) => e.normalizedName === name);
  assert.ok(found, `no entry ${name}`);
  return found;
}

describe("poetry.lock", () => {
  describe("vectors/lockfiles.json samples", () => {
    it("has the poetry.lock samples", () => assert.equal(samples.length, 2));

    for (const sample of samples) {
      it(sample.source, () => {
        const lock = parsePoetryLock(sample.text);
        const expected = sample.expected;
        assert.equal(lock.format, "poetry.lock");
        assert.deepEqual(
          lock.problems.filter((p) => p.severity === "error"),
          [],
        );
        assert.equal(lock.lockVersion?.value, expected.lock_version);
        assert.equal(lock.python?.raw.value, expected.python_target.raw);
        // Both samples use `^3.8`; the first also states the PEP 440 form.
        assert.equal(lock.python?.pep440, expected.python_target.pep440 ?? ">=3.8,<4.0");
        assert.equal(lock.entries.length, expected.packages.length);
        for (const [i, want] of expected.packages.entries()) {
          const got = lock.entries[i];
          assert.ok(got);
          assert.equal(got.normalizedName, want.name);
          assert.equal(got.version?.value, want.version);
          if (want.groups) assert.deepEqual(got.groups, want.groups);
          if (want.marker !== undefined) {
            assert.equal(got.marker, want.marker);
            assert.equal(got.markerByGroup, null);
          }
          if (want.marker_by_group) {
            assert.deepEqual(got.markerByGroup, want.marker_by_group);
            assert.equal(got.marker, null);
          }
          if (want.files_from === "metadata.files[name]") {
            assert.deepEqual(
              got.hashes.map((h) => h.file),
              ["sampleproject-1.3.1-py2.py3-none-any.whl", "sampleproject-1.3.1.tar.gz"],
            );
          }
        }
      });
    }

    it("reads the 2.1 sample's details: names, hashes, dependencies and content hash", () => {
      const sample = samples[0];
      assert.ok(sample);
      const lock = parsePoetryLock(sample.text);
      const text = sample.text;
      assert.equal(lock.contentHash?.value, "123456789");
      assert.equal(slice(text, lock.contentHash.span), "123456789");
      const c = entry(lock, "c");
      assert.equal(c.name.value, "C", "the pretty name is kept as written");
      assert.equal(slice(text, c.name.span), "C");
      assert.equal(c.requiresPython, null, "`*` is no constraint");
      assert.deepEqual(c.hashes, []);
      assert.deepEqual(
        c.dependencies.map((d) => [d.name, d.normalizedName, d.specifier]),
        [["D", "d", ">=1.0,<2.0"]],
      );
      assert.ok(slice(text, c.span).startsWith('[[package]]\nname = "C"'));
      // The entry covers its sub-tables, so hovers and go-to-definition work on `[package.dependencies]`.
      assert.ok(slice(text, c.span).includes("[package.dependencies]"), "the entry span covers its sub-tables");

      const requests = entry(lock, "requests");
      assert.equal(requests.requiresPython, ">=3.7");
      assert.deepEqual(requests.source, { kind: "registry", url: null, reference: null });
      assert.equal(requests.hashes.length, 1);
      const hash = requests.hashes[0];
      assert.ok(hash);
      assert.equal(hash.algorithm, "sha256");
      assert.equal(hash.digest, "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f");
      assert.equal(hash.file, "requests-2.31.0-py3-none-any.whl");
      assert.equal(slice(text, hash.span), `sha256:${hash.digest}`);
      assert.deepEqual(
        requests.dependencies.map((d) => [d.name, d.specifier, d.marker]),
        [
          ["certifi", ">=2017.4.17", null],
          ["urllib3", ">=1.21.1,<3", 'python_version >= "3.8"'],
          ["urllib3", "<2", 'python_version < "3.8"'],
        ],
      );
      const urllib3 = requests.dependencies[1];
      assert.ok(urllib3?.span);
      assert.equal(slice(text, urllib3.span), '{version = ">=1.21.1,<3", markers = "python_version >= \\"3.8\\""}');
    });
  });

  describe("layouts and values", () => {
    it("reads [metadata.hashes] (before 1.0): bare digests, no file names, category as group, `marker`", () => {
      const text = [
        "[[package]]",
        'category = "dev"',
        'marker = "python_version >= \\"3.6\\""',
        'name = "Aspy.Yaml"',
        'python-versions = "~2.7 || ^3.4"',
        'version = "1.1.1"',
        "",
        "[metadata]",
        'content-hash = "abc"',
        'python-versions = "~2.7 || ^3.4"',
        "",
        "[metadata.hashes]",
        `"aspy.yaml" = ["${"A".repeat(64)}", "${"b".repeat(64)}"]`,
        "",
      ].join("\n");
      const lock = parsePoetryLock(text);
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.lockVersion, null);
      assert.equal(lock.python?.raw.value, "~2.7 || ^3.4");
      assert.equal(lock.python?.pep440, null, "two OR branches are not one specifier set");
      const aspy = entry(lock, "aspy-yaml");
      assert.deepEqual(aspy.groups, ["dev"]);
      assert.equal(aspy.marker, 'python_version >= "3.6"');
      assert.equal(aspy.requiresPython, null);
      assert.deepEqual(
        aspy.hashes.map((h) => [h.algorithm, h.digest, h.file]),
        [
          ["sha256", "a".repeat(64), null],
          ["sha256", "b".repeat(64), null],
        ],
      );
      assert.equal(slice(text, aspy.hashes[0]?.span ?? { start: 0, end: 0 }), "A".repeat(64));
    });

    it("reads [[package.files]] tables and dependency tables written as headers", () => {
      const text = [
        "[[package]]",
        'name = "certifi"',
        'version = "2020.6.20"',
        'python-versions = "*"',
        "",
        "[[package.files]]",
        'file = "certifi-2020.6.20.tar.gz"',
        `hash = "sha256:${"c".repeat(64)}"`,
        "",
        "[package.dependencies.tornado]",
        'version = ">=4.0,<5.0"',
        'python = "<3.8"',
        "",
        "[[package.dependencies.more-itertools]]",
        'version = "<6.0.0"',
        'markers = "python_version <= \\"2.7\\""',
        "",
        "[[package.dependencies.more-itertools]]",
        'version = ">=4.0.0"',
        'markers = "python_version > \\"2.7\\""',
        "",
        "[metadata]",
        'lock-version = "2.0"',
        'python-versions = "*"',
        'content-hash = "x"',
        "",
      ].join("\n");
      const lock = parsePoetryLock(text);
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.python?.pep440, "", "`*` is the empty specifier set: any Python");
      const certifi = entry(lock, "certifi");
      assert.deepEqual(
        certifi.hashes.map((h) => h.file),
        ["certifi-2020.6.20.tar.gz"],
      );
      assert.equal(slice(text, certifi.span), text.slice(0, text.indexOf("\n\n[metadata]")));
      assert.deepEqual(
        certifi.dependencies.map((d) => [d.name, d.specifier, d.marker]),
        [
          ["tornado", ">=4.0,<5.0", null],
          ["more-itertools", "<6.0.0", 'python_version <= "2.7"'],
          ["more-itertools", ">=4.0.0", 'python_version > "2.7"'],
        ],
      );
    });

    it("converts dependency constraints: caret, tilde, bare versions, `*`, OR branches and extras", () => {
      const text = [
        "[[package]]",
        'name = "app"',
        'version = "1.0"',
        'python-versions = ">=2.7, !=3.0.*, !=3.1.*"',
        "",
        "[package.dependencies]",
        'a = "^1.2"',
        'b = "~1.2.3"',
        'c = "1.4"',
        'd = "*"',
        'e = ">=1.0,<1.5 || >1.6"',
        'f = {version = ">=2", extras = ["socks", "security"], optional = true}',
        'g = {git = "https://example.invalid/g.git", branch = "main"}',
        'h = {version = ">=1", markers = "extra == \\"x\\""}',
        "",
      ].join("\n");
      const app = entry(parsePoetryLock(text), "app");
      assert.equal(app.requiresPython, ">=2.7,!=3.0.*,!=3.1.*");
      assert.deepEqual(
        app.dependencies.map((d) => [d.name, d.specifier, d.marker, d.extras]),
        [
          ["a", ">=1.2,<2.0", null, []],
          ["b", ">=1.2.3,<1.3.0", null, []],
          ["c", "==1.4", null, []],
          ["d", null, null, []],
          ["e", null, null, []],
          ["f", ">=2", null, ["socks", "security"]],
          ["g", null, null, []],
          ["h", ">=1", 'extra == "x"', []],
        ],
      );
      for (const dependency of app.dependencies) {
        assert.ok(dependency.span);
        assert.ok(slice(text, dependency.span).startsWith(`${dependency.name} = `));
      }
    });

    it("maps [package.source] types to source kinds and lists legacy indexes once", () => {
      const pkg = (name: string, source: string) =>
        `[[package]]\nname = "${name}"\nversion = "1.0"\npython-versions = "*"\nfiles = []\n\n[package.source]\n${source}\n\n`;
      const text =
        pkg(
          "g",
          'type = "git"\nurl = "https://example.invalid/g.git"\nreference = "main"\nresolved_reference = "abc123"',
        ) +
        pkg("g2", 'type = "git"\nurl = "https://example.invalid/g2.git"\nreference = "v1"') +
        pkg("d", 'type = "directory"\nurl = "../d"') +
        pkg("f", 'type = "file"\nurl = "dist/f-1.0.tar.gz"') +
        pkg("u", 'type = "url"\nurl = "https://example.invalid/u-1.0.whl"') +
        pkg("l1", 'type = "legacy"\nurl = "https://pypi.example/simple"\nreference = "private"') +
        pkg("l2", 'type = "legacy"\nurl = "https://pypi.example/simple"\nreference = "private"') +
        pkg("o", 'type = "hg"\nurl = "https://example.invalid/o"') +
        '[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "h"\n';
      const lock = parsePoetryLock(text);
      assert.deepEqual(lock.problems, []);
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.source.kind, e.source.url, e.source.reference]),
        [
          ["g", "git", "https://example.invalid/g.git", "abc123"],
          ["g2", "git", "https://example.invalid/g2.git", "v1"],
          ["d", "directory", "../d", null],
          ["f", "file", "dist/f-1.0.tar.gz", null],
          ["u", "url", "https://example.invalid/u-1.0.whl", null],
          ["l1", "registry", "https://pypi.example/simple", null],
          ["l2", "registry", "https://pypi.example/simple", null],
          ["o", "unknown", "https://example.invalid/o", null],
        ],
      );
      assert.deepEqual(
        lock.sources.map((s) => s.value),
        ["https://pypi.example/simple"],
      );
      assert.equal(slice(text, lock.sources[0]?.span ?? { start: 0, end: 0 }), "https://pypi.example/simple");
    });

    it("warns about a lock-version newer than 2.x but still reads it", () => {
      const lock = parsePoetryLock('[metadata]\nlock-version = "999.0"\n');
      assert.equal(lock.lockVersion?.value, "999.0");
      assert.equal(lock.problems.length, 1);
      assert.equal(lock.problems[0]?.severity, "warning");
      assert.match(lock.problems[0]?.message ?? "", /newer/);
    });

    it("skips values of unexpected types with warnings instead of throwing", () => {
      const text = [
        "[[package]]",
        "name = 3",
        'version = "1"',
        "",
        "[[package]]",
        'name = "ok"',
        "version = 2",
        'groups = ["main", 4]',
        "markers = {main = 1, dev = \"os_name == 'nt'\"}",
        'files = [{file = "x.whl", hash = "not a hash"}, 7, {file = "y.whl"}]',
        "dependencies = 5",
        "source = []",
        "",
        "[metadata]",
        "lock-version = 2.1",
        "python-versions = []",
        "files = 3",
        "",
      ].join("\n");
      const lock = parsePoetryLock(text);
      assert.equal(lock.entries.length, 1);
      const ok = entry(lock, "ok");
      assert.equal(ok.version, null);
      assert.deepEqual(ok.groups, ["main"]);
      assert.deepEqual(ok.markerByGroup, { dev: "os_name == 'nt'" });
      assert.deepEqual(ok.hashes, []);
      assert.deepEqual(ok.dependencies, []);
      assert.equal(lock.lockVersion, null);
      assert.equal(lock.python, null);
      assert.ok(lock.problems.length >= 10);
      assert.ok(lock.problems.every((p) => p.severity === "warning"));
    });
  });

  describe("corpus", () => {
    for (const name of corpusFiles) {
      it(`${name}: parses within 200 ms with spans inside the text`, () => {
        const text = fs.readFileSync(path.join(corpusDir, name), "utf8");
        const { lock, ms } = bestTime(parsePoetryLock, text);
        assert.ok(ms < 200, `${ms.toFixed(0)} ms`);
        for (const [label, span] of allSpans(lock)) {
          assert.ok(0 <= span.start && span.start <= span.end && span.end <= text.length, label);
        }
        for (const e of lock.entries) {
          assert.equal(slice(text, e.name.span), e.name.value);
          if (e.version) assert.equal(slice(text, e.version.span), e.version.value);
          assert.ok(e.span.start <= e.name.span.start && e.name.span.end <= e.span.end, `${e.name.value} span`);
        }
      });
    }
  });

  describe("corpus against Python's tomllib", function () {
    let readings: Record<string, TomllibReading> | undefined;
    before(() => {
      readings = readWithTomllib(
        corpusFiles.map((name) => path.join(corpusDir, name)),
        ["package"],
        ["metadata", "python-versions"],
      );
    });

    for (const name of corpusFiles) {
      it(`${name}: same packages and Python target`, function () {
        if (readings === undefined) this.skip();
        const file = path.join(corpusDir, name);
        assertAgreesWithTomllib(file, readings[file], parsePoetryLock(fs.readFileSync(file, "utf8")));
      });
    }
  });

  describe("damaged and hostile input", () => {
    it("keeps the packages before a cut in the middle of a package, with a syntax error", () => {
      const text = fs.readFileSync(
        path.join(corpusDir, "python-poetry__poetry__hist-2025-01-lockv2.0__poetry.lock"),
        "utf8",
      );
      const full = parsePoetryLock(text);
      const headers = [...text.matchAll(/^\[\[package\]\]$/gm)].map((m) => m.index);
      const cutPackage = 10;
      const header = headers[cutPackage];
      assert.ok(header !== undefined);
      // Cut inside the description string of the eleventh package.
      const cut = text.indexOf('description = "', header) + 'description = "'.length + 5;
      const lock = parsePoetryLock(text.slice(0, cut));
      assert.ok(lock.problems.some((p) => p.severity === "error" && /syntax/i.test(p.message)));
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.version?.value]),
        full.entries.slice(0, cutPackage).map((e) => [e.name.value, e.version?.value]),
      );
    });

    it("reports a file that is not TOML as a syntax error", () => {
      const lock = parsePoetryLock("This lock file is broken!\n");
      assert.deepEqual(lock.entries, []);
      assert.equal(lock.problems.length, 1);
      assert.equal(lock.problems[0]?.severity, "error");
    });

    /** A small deterministic generator, so a failure can be reproduced. */
    function randomBytes(seed: number, length: number): Buffer {
      let state = seed >>> 0;
      const bytes = Buffer.alloc(length);
      for (let i = 0; i < length; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        bytes[i] = state >>> 24;
      }
      return bytes;
    }

    const hostile: [string, () => string][] = [
      ["random bytes", () => randomBytes(1, 65536).toString("utf8")],
      [
        "random bytes after a valid package",
        () => `[[package]]\nname = "a"\nversion = "1"\n${randomBytes(2, 65536).toString("latin1")}`,
      ],
      ["random TOML punctuation", () => [...randomBytes(3, 65536)].map((b) => "[]{}=\"',.\n a1"[b % 14]).join("")],
      ["a 1 MB line without structure", () => "x".repeat(1 << 20)],
      [
        "a 1 MB single-line value",
        () => `[[package]]\nname = "a"\nversion = "1"\nmarkers = '${"m".repeat(1 << 20)}'\n`,
      ],
      [
        "deeply nested inline tables",
        () => `[[package]]\nname = "a"\nmarkers = ${"{a = ".repeat(10000)}1${"}".repeat(10000)}\n`,
      ],
      [
        "deeply nested dependency tables",
        () => `[[package]]\nname = "a"\n[package.dependencies]\nb = ${"{b = ".repeat(500)}"1"${"}".repeat(500)}\n`,
      ],
      ["deeply nested arrays", () => `a = ${"[".repeat(10000)}${"]".repeat(10000)}\n`],
      ["many empty packages", () => "[[package]]\n".repeat(20000)],
    ];
    for (const [label, make] of hostile) {
      it(`${label}: no exception, under 1 s`, () => {
        const text = make();
        const start = performance.now();
        const lock = parsePoetryLock(text);
        const ms = performance.now() - start;
        assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
        assert.ok(lock.problems.length <= 102, "warnings are capped");
        for (const [name, span] of allSpans(lock)) {
          assert.ok(0 <= span.start && span.start <= span.end && span.end <= text.length, name);
        }
      });
    }
  });
});
