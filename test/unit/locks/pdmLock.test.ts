import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ParsedLock } from "../../../server/src/core/locks/lockModel";
import { parsePdmLock } from "../../../server/src/core/locks/pdmLock";
import type { Span } from "../../../server/src/core/span";
import { assertAgreesWithTomllib, readWithTomllib, type TomllibReading } from "../../support/tomllibOracle";
import { allSpans, bestTime } from "../../support/lockChecks";

/**
 * pdm.lock: the sample of vectors/lockfiles.json, hand-written cases for the layouts PDM has written,
 * the real-world corpus (test/fixtures/corpus/pdm, see its SOURCES.tsv) checked for spans, speed and,
 * where python3 has tomllib, against Python's own TOML reading, and hostile input.
 */

interface PdmSample {
  format: string;
  source: string;
  text: string;
  expected: {
    lock_version: string;
    python_target: { targets: { requires_python: string }[] };
    packages: { name: string; version: string; groups?: string[]; marker?: string }[];
  };
}

const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/lockfiles.json"), "utf8"),
) as { samples: PdmSample[] };
const samples = vectors.samples.filter((sample) => sample.format === "pdm.lock");

const corpusDir = path.resolve(__dirname, "../../fixtures/corpus/pdm");
const corpusFiles = fs
  .readdirSync(corpusDir)
  .filter((name) => name.endsWith(".lock"))
  .sort();

const slice = (text: string, span: Span): string => text.slice(span.start, span.end);

function entry(lock: ParsedLock, name: string, index = 0) {
  const found = lock.entries.filter((e) => e.normalizedName === name)[index];
  assert.ok(found, `no entry ${name}`);
  return found;
}

describe("pdm.lock", () => {
  describe("vectors/lockfiles.json sample", () => {
    it("has the pdm.lock sample", () => assert.equal(samples.length, 1));

    for (const sample of samples) {
      it(sample.source, () => {
        const lock = parsePdmLock(sample.text);
        const expected = sample.expected;
        assert.equal(lock.format, "pdm.lock");
        assert.deepEqual(lock.problems, []);
        assert.equal(lock.lockVersion?.value, expected.lock_version);
        const target = expected.python_target.targets[0]?.requires_python;
        assert.equal(lock.python?.raw.value, target);
        assert.equal(lock.python?.pep440, target);
        assert.equal(lock.entries.length, expected.packages.length);
        for (const [i, want] of expected.packages.entries()) {
          const got = lock.entries[i];
          assert.ok(got);
          assert.equal(got.normalizedName, want.name);
          assert.equal(got.version?.value, want.version);
          if (want.groups) assert.deepEqual(got.groups, want.groups);
          if (want.marker !== undefined) assert.equal(got.marker, want.marker);
        }
      });
    }

    it("reads the sample's details: content hash, dependencies, files by url or file", () => {
      const sample = samples[0];
      assert.ok(sample);
      const text = sample.text;
      const lock = parsePdmLock(text);
      assert.equal(lock.contentHash?.value, "sha256:2584886ac58a0ae70aa36bc0318b62c3e2c89acc9c21ebb9aee74147c0a9dc06");
      assert.equal(slice(text, lock.python?.raw.span ?? { start: 0, end: 0 }), ">=3.10");
      const anyio = entry(lock, "anyio");
      assert.equal(anyio.requiresPython, ">=3.10");
      assert.deepEqual(anyio.source, { kind: "registry", url: null, reference: null });
      assert.deepEqual(
        anyio.dependencies.map((d) => [d.name, d.specifier, d.marker, d.extras]),
        [
          ["exceptiongroup", ">=1.0.2", 'python_version < "3.11"', []],
          ["idna", ">=2.8", null, []],
        ],
      );
      assert.equal(slice(text, anyio.dependencies[1]?.span ?? { start: 0, end: 0 }), "idna>=2.8");
      assert.equal(anyio.hashes.length, 1);
      assert.match(
        anyio.hashes[0]?.file ?? "",
        /^https:\/\/files\.pythonhosted\.org\/.*anyio-4\.13\.0-py3-none-any\.whl$/,
      );
      const chardet = entry(lock, "chardet");
      assert.equal(chardet.requiresPython, null);
      const hash = chardet.hashes[0];
      assert.ok(hash);
      assert.equal(hash.file, "chardet-3.0.4-py2.py3-none-any.whl");
      assert.equal(hash.algorithm, "sha256");
      assert.equal(slice(text, hash.span), `sha256:${hash.digest}`);
      assert.ok(slice(text, chardet.span).startsWith('[[package]]\nname = "chardet"'));
      assert.ok(slice(text, chardet.span).endsWith("]"), "the entry ends with its files array");
    });
  });

  describe("layouts and values", () => {
    it("reads VCS, local, editable and direct-URL sources", () => {
      const text = [
        "[metadata]",
        'lock_version = "4.5.0"',
        "",
        "[[package]]",
        'name = "g"',
        'version = "1.0"',
        'git = "https://example.invalid/g.git"',
        'ref = "main"',
        'revision = "abc123"',
        'subdirectory = "sub"',
        "",
        "[[package]]",
        'name = "h"',
        'version = "1.0"',
        'hg = "https://example.invalid/h"',
        'ref = "default"',
        "",
        "[[package]]",
        'name = "e"',
        'version = "0.1"',
        'path = "./e"',
        "editable = true",
        "",
        "[[package]]",
        'name = "d"',
        'version = "0.1"',
        'path = "../d"',
        "",
        "[[package]]",
        'name = "f"',
        'version = "0.1"',
        'path = "dist/f-0.1-py3-none-any.whl"',
        "",
        "[[package]]",
        'name = "u"',
        'version = "0.1"',
        'url = "https://example.invalid/u-0.1.tar.gz"',
        "",
      ].join("\n");
      const lock = parsePdmLock(text);
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.python, null, "no [[metadata.targets]]");
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.source.kind, e.source.url, e.source.reference]),
        [
          ["g", "git", "https://example.invalid/g.git", "abc123"],
          ["h", "vcs", "https://example.invalid/h", "default"],
          ["e", "editable", "./e", null],
          ["d", "directory", "../d", null],
          ["f", "file", "dist/f-0.1-py3-none-any.whl", null],
          ["u", "url", "https://example.invalid/u-0.1.tar.gz", null],
        ],
      );
    });

    it("reads [metadata.files] keyed by name and version (lock_version 2 to 4.0), extras variants included", () => {
      const text = [
        "[[package]]",
        'name = "Lunr"',
        'version = "0.5.8"',
        'sections = ["doc"]',
        "",
        "[[package]]",
        'name = "lunr"',
        'version = "0.5.8"',
        'extras = ["languages"]',
        'dependencies = ["lunr==0.5.8", "nltk[data]>=3.2.5; python_version > \'2.7\'"]',
        "",
        "[metadata]",
        'lock_version = "2"',
        'content_hash = "sha256:00"',
        "",
        "[metadata.files]",
        `"lunr 0.5.8" = [{file = "lunr-0.5.8.tar.gz", hash = "sha256:${"1".repeat(64)}"}]`,
        `"lunr[languages] 0.5.8" = [{file = "lunr-0.5.8-py3-none-any.whl", hash = "sha256:${"2".repeat(64)}"}]`,
        `"other 1.0" = [{file = "other-1.0.tar.gz", hash = "sha256:${"3".repeat(64)}"}]`,
        "",
      ].join("\n");
      const lock = parsePdmLock(text);
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.lockVersion?.value, "2");
      assert.equal(lock.contentHash?.value, "sha256:00");
      const base = entry(lock, "lunr", 0);
      const variant = entry(lock, "lunr", 1);
      assert.equal(base.name.value, "Lunr");
      assert.deepEqual(base.groups, ["doc"], "`sections` are the groups of old files");
      for (const e of [base, variant]) {
        assert.deepEqual(
          e.hashes.map((h) => h.file),
          ["lunr-0.5.8.tar.gz", "lunr-0.5.8-py3-none-any.whl"],
        );
      }
      assert.deepEqual(
        variant.dependencies.map((d) => [d.name, d.specifier, d.marker, d.extras]),
        [
          ["lunr", "==0.5.8", null, []],
          ["nltk", ">=3.2.5", "python_version > '2.7'", ["data"]],
        ],
      );
    });

    it("reads the 2020 layout: [root], hashes directly in [metadata], a dependency table", () => {
      const text = [
        "[[package]]",
        'name = "apipkg"',
        'sections = ["dev"]',
        'version = "1.5"',
        "marker = \"sys_platform == 'win32'\"",
        "",
        "[package.dependencies]",
        'zipp = ">=0.5"',
        'importlib-metadata = "*"',
        'tornado = {marker = "python_version > \'2.7\'", version = "*"}',
        'lunr = {extras = ["languages"], version = "==0.5.8"}',
        "",
        "[root]",
        'meta_version = "0.0.1"',
        'content_hash = "md5:8e719a97515aca92ae14e3d509118834"',
        "",
        "[metadata]",
        `"apipkg 1.5" = [{file = "apipkg-1.5.tar.gz", hash = "sha256:${"a".repeat(64)}"}]`,
        "",
      ].join("\n");
      const lock = parsePdmLock(text);
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.lockVersion?.value, "0.0.1");
      assert.equal(lock.contentHash?.value, "md5:8e719a97515aca92ae14e3d509118834");
      const apipkg = entry(lock, "apipkg");
      assert.deepEqual(apipkg.groups, ["dev"]);
      assert.equal(apipkg.marker, "sys_platform == 'win32'");
      assert.deepEqual(
        apipkg.hashes.map((h) => h.file),
        ["apipkg-1.5.tar.gz"],
      );
      assert.deepEqual(
        apipkg.dependencies.map((d) => [d.name, d.specifier, d.marker, d.extras]),
        [
          ["zipp", ">=0.5", null, []],
          ["importlib-metadata", null, null, []],
          ["tornado", null, "python_version > '2.7'", []],
          ["lunr", "==0.5.8", null, ["languages"]],
        ],
      );
      for (const dependency of apipkg.dependencies) {
        assert.ok(dependency.span);
        assert.ok(slice(text, dependency.span).startsWith(`${dependency.name} = `));
      }
    });

    it("keeps a direct-reference dependency without a specifier, and warns about an invalid one", () => {
      const text = [
        "[[package]]",
        'name = "app"',
        'version = "1.0"',
        'dependencies = ["lib @ https://example.invalid/lib-1.0.whl", "not a requirement!", 3]',
        "",
      ].join("\n");
      const lock = parsePdmLock(text);
      assert.deepEqual(
        entry(lock, "app").dependencies.map((d) => [d.name, d.specifier]),
        [["lib", null]],
      );
      assert.equal(lock.problems.length, 2);
      assert.ok(lock.problems.every((p) => p.severity === "warning"));
    });

    it("reports an invalid target requires_python as a warning and no PEP 440 form", () => {
      const lock = parsePdmLock(
        '[metadata]\nlock_version = "4.5.0"\n\n[[metadata.targets]]\nrequires_python = ">=3.x"\n',
      );
      assert.equal(lock.python?.raw.value, ">=3.x");
      assert.equal(lock.python?.pep440, null);
      assert.equal(lock.problems.length, 1);
    });

    it("skips values of unexpected types with warnings instead of throwing", () => {
      const text = [
        "[[package]]",
        "name = 3",
        "",
        "[[package]]",
        'name = "ok"',
        "version = 2",
        'groups = ["default", 4]',
        "marker = []",
        'files = [{file = "x.whl", hash = "nohash"}, 7, {file = "y.whl"}]',
        'path = "./ok"',
        'editable = "yes"',
        "",
        "[metadata]",
        "lock_version = 4.5",
        "targets = 1",
        "",
      ].join("\n");
      const lock = parsePdmLock(text);
      assert.equal(lock.entries.length, 1);
      const ok = entry(lock, "ok");
      assert.equal(ok.version, null);
      assert.deepEqual(ok.groups, ["default"]);
      assert.equal(ok.marker, null);
      assert.deepEqual(ok.hashes, []);
      assert.equal(ok.source.kind, "directory");
      assert.equal(lock.lockVersion, null);
      assert.equal(lock.python, null);
      assert.ok(lock.problems.length >= 9);
      assert.ok(lock.problems.every((p) => p.severity === "warning"));
    });
  });

  describe("corpus", () => {
    for (const name of corpusFiles) {
      it(`${name}: parses within 200 ms with spans inside the text`, () => {
        const text = fs.readFileSync(path.join(corpusDir, name), "utf8");
        const { lock, ms } = bestTime(parsePdmLock, text);
        assert.ok(ms < 200, `${ms.toFixed(0)} ms`);
        for (const [label, span] of allSpans(lock)) {
          assert.ok(0 <= span.start && span.start <= span.end && span.end <= text.length, label);
        }
        for (const e of lock.entries) {
          assert.equal(slice(text, e.name.span), e.name.value);
          if (e.version) assert.equal(slice(text, e.version.span), e.version.value);
          assert.ok(e.span.start <= e.name.span.start && e.name.span.end <= e.span.end, `${e.name.value} span`);
        }
        assert.deepEqual(
          lock.problems.filter((p) => p.severity === "error"),
          [],
        );
      });
    }
  });

  describe("corpus against Python's tomllib", function () {
    let readings: Record<string, TomllibReading> | undefined;
    before(() => {
      readings = readWithTomllib(
        corpusFiles.map((name) => path.join(corpusDir, name)),
        ["package"],
        ["metadata", "targets", 0, "requires_python"],
      );
    });

    for (const name of corpusFiles) {
      it(`${name}: same packages and Python target`, function () {
        if (readings === undefined) this.skip();
        const file = path.join(corpusDir, name);
        assertAgreesWithTomllib(file, readings[file], parsePdmLock(fs.readFileSync(file, "utf8")));
      });
    }
  });

  describe("damaged and hostile input", () => {
    it("keeps the packages before a cut in the middle of a package, with a syntax error", () => {
      const text = fs.readFileSync(path.join(corpusDir, "pdm-project__pdm__pdm.lock"), "utf8");
      const full = parsePdmLock(text);
      const headers = [...text.matchAll(/^\[\[package\]\]$/gm)].map((m) => m.index);
      const cutPackage = 10;
      const header = headers[cutPackage];
      assert.ok(header !== undefined);
      // Cut inside the summary string of the eleventh package.
      const cut = text.indexOf('summary = "', header) + 'summary = "'.length + 5;
      const lock = parsePdmLock(text.slice(0, cut));
      assert.ok(lock.problems.some((p) => p.severity === "error" && /syntax/i.test(p.message)));
      assert.equal(lock.lockVersion?.value, "4.5.1");
      assert.equal(lock.python?.raw.value, ">=3.10");
      assert.deepEqual(
        lock.entries.map((e) => [e.name.value, e.version?.value]),
        full.entries.slice(0, cutPackage).map((e) => [e.name.value, e.version?.value]),
      );
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
      ["random bytes", () => randomBytes(11, 65536).toString("utf8")],
      [
        "random bytes after a valid package",
        () => `[[package]]\nname = "a"\nversion = "1"\n${randomBytes(12, 65536).toString("latin1")}`,
      ],
      ["random TOML punctuation", () => [...randomBytes(13, 65536)].map((b) => "[]{}=\"',.\n a1"[b % 14]).join("")],
      ["a 1 MB line without structure", () => "x".repeat(1 << 20)],
      [
        "a 1 MB single-line value",
        () => `[[package]]\nname = "a"\nversion = "1"\nsummary = '${"s".repeat(1 << 20)}'\n`,
      ],
      [
        "a 1 MB dependency list on one line",
        () => `[[package]]\nname = "a"\ndependencies = [${'"b>=1", '.repeat(100000)}]\n`,
      ],
      [
        "deeply nested inline tables",
        () => `[[package]]\nname = "a"\nfiles = [${"{a = ".repeat(10000)}1${"}".repeat(10000)}]\n`,
      ],
      ["deeply nested arrays", () => `dependencies = ${"[".repeat(10000)}${"]".repeat(10000)}\n`],
      ["many empty packages", () => "[[package]]\n".repeat(20000)],
    ];
    for (const [label, make] of hostile) {
      it(`${label}: no exception, under 1 s`, () => {
        const text = make();
        const start = performance.now();
        const lock = parsePdmLock(text);
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
