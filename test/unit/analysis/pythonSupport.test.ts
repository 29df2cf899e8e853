import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  classifierVerdict,
  fileSupport,
  findSupport,
  supportStep,
  versionSupported,
} from "../../../server/src/core/analysis/pythonSupport";
import type { IndexFile, ProjectPage, Release } from "../../../server/src/core/index/releaseModel";
import { groupReleases } from "../../../server/src/core/index/releases";
import { parseDistFilename } from "../../../server/src/core/index/filenames";

interface FileSpec {
  filename: string;
  requiresPython?: string | null;
  uploadTime?: string | null;
}

function releasesOf(name: string, files: FileSpec[]): Release[] {
  const indexFiles: IndexFile[] = files.map((f) => {
    const parsed = parseDistFilename(f.filename, name);
    assert.ok(parsed, f.filename);
    return {
      filename: f.filename,
      url: `https://files.example/${f.filename}`,
      packagetype: parsed.packagetype,
      version: parsed.version,
      wheel: parsed.wheel,
      requiresPython: f.requiresPython ?? null,
      yankedReason: null,
      uploadTime: f.uploadTime ?? null,
      size: null,
      sha256: null,
      coreMetadata: { available: false },
    };
  });
  const page: ProjectPage = {
    name,
    format: "simple-json",
    apiVersion: "1.1",
    files: indexFiles,
    versions: null,
    status: null,
    warnings: [],
  };
  return groupReleases(page);
}

/** The recorded per-version JSON API documents of django-scarface (test/fixtures/pypi/SOURCES.tsv). */
function scarface(): { releases: Release[]; classifiers: Map<string, string[]> } {
  const history = JSON.parse(
    fs.readFileSync(
      path.resolve(__dirname, "../../fixtures/pypi/pypi-data-warlockee/release_data/d/j/django-scarface.json"),
      "utf8",
    ),
  ) as Record<
    string,
    {
      info: { classifiers: string[] };
      urls: { filename: string; requires_python: string | null; upload_time_iso_8601: string }[];
    }
  >;
  const classifiers = new Map<string, string[]>();
  const files: FileSpec[] = [];
  for (const [version, doc] of Object.entries(history)) {
    classifiers.set(version, doc.info.classifiers);
    for (const url of doc.urls) {
      files.push({ filename: url.filename, requiresPython: url.requires_python, uploadTime: url.upload_time_iso_8601 });
    }
  }
  return { releases: releasesOf("django-scarface", files), classifiers };
}

describe("Python support from classifiers", () => {
  const c = (...versions: string[]): string[] => versions.map((v) => `Programming Language :: Python :: ${v}`);
  it("says a release listing only 3.x drops 2.7", () => {
    assert.equal(classifierVerdict(c("3", "3.5", "3.6", "3.7"), "2.7"), "classifiers list only 3.5–3.7");
  });
  it("keeps 2.7 when it is listed, or when only majors are listed", () => {
    assert.equal(classifierVerdict(c("2.7", "3"), "2.7"), null);
    assert.equal(classifierVerdict(c("2", "3"), "2.7"), null);
  });
  it("drops a minor older than every listed minor of its major", () => {
    assert.equal(classifierVerdict(c("3.8", "3.9", "3.10"), "3.7"), "classifiers list only 3.8–3.10");
  });
  it("does not call a newer Python unsupported because classifiers lag behind", () => {
    assert.equal(classifierVerdict(c("3.8", "3.9"), "3.13"), null);
    assert.equal(classifierVerdict(c("2.7"), "3.12"), null);
  });
  it("reads ':: Only'", () => {
    assert.equal(
      classifierVerdict(["Programming Language :: Python :: 3 :: Only"], "2.7"),
      "classifiers say Python 3 only",
    );
  });
  it("has no verdict without version classifiers", () => {
    assert.equal(classifierVerdict(["Programming Language :: Python", "License :: OSI Approved"], "2.7"), null);
  });
});

describe("Python support from files", () => {
  it("is declared when Requires-Python excludes the target", () => {
    const [release] = releasesOf("demo", [{ filename: "demo-2.0.tar.gz", requiresPython: ">=3.8" }]);
    assert.ok(release);
    const support = fileSupport(release, "3.7");
    assert.equal(support.supported, false);
    assert.equal(support.declared, true);
    assert.equal(support.evidence, "requires-python");
  });
  it("is undeclared when wheels are for newer Pythons only and pip falls back to the sdist", () => {
    const [release] = releasesOf("demo", [{ filename: "demo-2.0-py3-none-any.whl" }, { filename: "demo-2.0.tar.gz" }]);
    assert.ok(release);
    const support = fileSupport(release, "2.7");
    assert.equal(support.supported, false);
    assert.equal(support.declared, false);
    assert.equal(support.evidence, "wheel-tags");
    assert.equal(fileSupport(release, "3.12").supported, true);
  });
  it("does not flag a new Python that only lacks binary wheels yet", () => {
    const [release] = releasesOf("demo", [
      { filename: "demo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl" },
      { filename: "demo-2.0.tar.gz" },
    ]);
    assert.ok(release);
    assert.equal(fileSupport(release, "3.13").supported, true);
  });
});

describe("where support for a target stops (bisection)", () => {
  it("finds that django-scarface dropped 2.7 in 3.2, undeclared, within ⌈log2 n⌉+2 requests", async () => {
    const { releases, classifiers } = scarface();
    const fetched = new Set<string>();
    const requests: string[] = [];
    const support = await findSupport(
      releases,
      "2.7",
      (version) => (fetched.has(version) ? (classifiers.get(version) ?? null) : undefined),
      async (version) => {
        requests.push(version);
        fetched.add(version);
      },
    );
    assert.ok(support);
    assert.equal(support.lastSupported, "3.1");
    assert.equal(support.droppedIn, "3.2");
    assert.equal(support.droppedDate?.slice(0, 10), "2018-09-14");
    assert.equal(support.declared, false);
    assert.equal(support.evidence, "classifiers");
    assert.equal(support.detail, "classifiers list only 3.5–3.7");
    const finals = releases.filter((r) => !/[a-z]/.test(r.version)).length;
    assert.ok(
      requests.length <= Math.ceil(Math.log2(finals)) + 2,
      `${requests.length} requests for ${finals} releases`,
    );
    assert.equal(versionSupported("3.2.1", support), false);
    assert.equal(versionSupported("3.1", support), true);
  });

  it("makes one request when the newest release still supports the target", async () => {
    const { releases, classifiers } = scarface();
    const requests: string[] = [];
    const fetched = new Set<string>();
    const support = await findSupport(
      releases,
      "3.6",
      (version) => (fetched.has(version) ? (classifiers.get(version) ?? null) : undefined),
      async (version) => {
        requests.push(version);
        fetched.add(version);
      },
    );
    assert.deepEqual(requests, ["3.2.1"]);
    assert.equal(support?.droppedIn, null);
    assert.equal(support?.lastSupported, "3.2.1");
  });

  it("reports a declared drop from Requires-Python without any request", () => {
    const releases = releasesOf("demo", [
      { filename: "demo-1.0.tar.gz" },
      { filename: "demo-1.1.tar.gz" },
      { filename: "demo-2.0.tar.gz", requiresPython: ">=3.8", uploadTime: "2021-01-01T00:00:00Z" },
    ]);
    const step = supportStep(releases, "3.7", () => undefined);
    assert.equal(step.kind, "need");
    const known = supportStep(releases, "3.7", () => null);
    assert.equal(known.kind, "done");
    if (known.kind !== "done") return;
    assert.equal(known.support.lastSupported, "1.1");
    assert.equal(known.support.droppedIn, "2.0");
    assert.equal(known.support.declared, true);
    assert.equal(known.support.evidence, "requires-python");
  });

  it("treats a release without metadata as supporting (no evidence against it)", () => {
    const releases = releasesOf("demo", [{ filename: "demo-1.0.tar.gz" }, { filename: "demo-2.0.tar.gz" }]);
    const step = supportStep(releases, "2.7", () => null);
    assert.equal(step.kind, "done");
    if (step.kind === "done") assert.equal(step.support.droppedIn, null);
  });
});
