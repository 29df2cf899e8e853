import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { LockFormat } from "../../server/src/core/locks/lockModel";
import {
  checkLock,
  checkManifest,
  checkMarker,
  checkPep508,
  checkRequirementsBytes,
  checkRequirementsText,
  checkSimpleHtml,
  checkSimpleJson,
  checkSpecifierSetText,
  checkToml,
  checkVersionText,
} from "./checks";
import { fixturesDir, recordCases } from "./support";

/**
 * Replays every input the fuzzer found a bug with (test/fixtures/fuzz/<target>/, listed in its
 * SOURCES.tsv) through the same oracle the fuzz property used, with a time limit, so that each bug
 * stays fixed whatever the seed and budget of later runs.
 */

/** Each fixture must parse well within the linear-time budget; the bugs this guards against took seconds. */
const limitMs = 100;

const lockFormats: readonly LockFormat[] = [
  "poetry.lock",
  "pdm.lock",
  "uv.lock",
  "pylock.toml",
  "Pipfile.lock",
  "pip-compile",
];

const oracles: Readonly<Record<string, (file: string) => void>> = {
  requirements: (file) => checkRequirementsText(fs.readFileSync(file, "utf8")),
  "requirements-bytes": (file) => checkRequirementsBytes(fs.readFileSync(file)),
  pep508: (file) => checkPep508(fs.readFileSync(file, "utf8")),
  markers: (file) => checkMarker(fs.readFileSync(file, "utf8")),
  pep440: (file) => {
    const text = fs.readFileSync(file, "utf8");
    checkVersionText(text);
    checkSpecifierSetText(text);
  },
  tomlDoc: (file) => checkToml(fs.readFileSync(file, "utf8")),
  "pyproject.toml": (file) => checkManifest("pyproject.toml", fs.readFileSync(file, "utf8")),
  Pipfile: (file) => checkManifest("Pipfile", fs.readFileSync(file, "utf8")),
  simpleHtml: (file) => checkSimpleHtml(fs.readFileSync(file, "utf8")),
  simpleJson: (file) => checkSimpleJson(fs.readFileSync(file, "utf8")),
  ...Object.fromEntries(
    lockFormats.map((format) => [format, (file: string) => checkLock(format, fs.readFileSync(file, "utf8"))]),
  ),
};

const root = path.join(fixturesDir, "fuzz");
const targets = fs
  .readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("fuzz: regressions (test/fixtures/fuzz)", function () {
  it("every fixture directory names a known target and SOURCES.tsv lists every fixture", function () {
    const listed = new Set(
      fs
        .readFileSync(path.join(root, "SOURCES.tsv"), "utf8")
        .split("\n")
        .slice(1)
        .filter((line) => line.trim() !== "")
        .map((line) => line.split("\t")[0]),
    );
    for (const target of targets) {
      assert.ok(oracles[target] !== undefined, `no oracle for test/fixtures/fuzz/${target}`);
      for (const name of fs.readdirSync(path.join(root, target))) {
        assert.ok(listed.has(`${target}/${name}`), `${target}/${name} is not listed in SOURCES.tsv`);
      }
    }
  });

  for (const target of targets) {
    it(`${target}: every fixture passes its oracle within ${limitMs} ms`, function () {
      const oracle = oracles[target];
      assert.ok(oracle !== undefined);
      const names = fs.readdirSync(path.join(root, target)).sort();
      const started = performance.now();
      for (const name of names) {
        const file = path.join(root, target, name);
        const before = performance.now();
        oracle(file);
        const elapsed = performance.now() - before;
        assert.ok(elapsed < limitMs, `${target}/${name} took ${elapsed.toFixed(1)} ms (limit ${limitMs} ms)`);
      }
      recordCases(target, "regression fixtures", names.length, performance.now() - started);
    });
  }
});
