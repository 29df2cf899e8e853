import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveRequirement } from "../../../server/src/core/analysis/resolve";
import type { IndexFile, ProjectPage } from "../../../server/src/core/index/releaseModel";
import { groupReleases } from "../../../server/src/core/index/releases";
import { parseDistFilename } from "../../../server/src/core/index/filenames";

function page(
  name: string,
  files: { filename: string; requiresPython?: string | null; yanked?: string | null }[],
): ProjectPage {
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
      yankedReason: f.yanked ?? null,
      uploadTime: null,
      size: null,
      sha256: null,
      coreMetadata: { available: false },
    };
  });
  return {
    name,
    format: "simple-json",
    apiVersion: "1.1",
    files: indexFiles,
    versions: null,
    status: null,
    warnings: [],
  };
}

describe("what a fresh pip install picks", () => {
  it("picks django-scarface 3.2.1 on Python 2.7: no Requires-Python stops it (the motivating case)", () => {
    // The recorded per-version JSON API documents of django-scarface (see test/fixtures/pypi/SOURCES.tsv).
    const history = JSON.parse(
      fs.readFileSync(
        path.resolve(__dirname, "../../fixtures/pypi/pypi-data-warlockee/release_data/d/j/django-scarface.json"),
        "utf8",
      ),
    ) as Record<string, { urls: { filename: string; requires_python: string | null }[] }>;
    const files = Object.values(history).flatMap((doc) =>
      doc.urls.map((u) => ({ filename: u.filename, requiresPython: u.requires_python })),
    );
    const releases = groupReleases(page("django-scarface", files));
    assert.equal(resolveRequirement(releases, undefined, "2.7").version, "3.2.1");
    assert.equal(resolveRequirement(releases, "<3.2", "2.7").version, "3.1");
    assert.equal(
      resolveRequirement(releases, ">=4.0a0", "3.8").version,
      "4.0a4",
      "a specifier naming a pre-release admits them",
    );
    assert.equal(resolveRequirement(releases, undefined, "3.8", { pre: true }).version, "4.0a4");
  });

  it("narrows by constraints, and explains when nothing fits", () => {
    const releases = groupReleases(
      page("lib", [
        { filename: "lib-1.0.tar.gz" },
        { filename: "lib-2.0.tar.gz", requiresPython: ">=3.9" },
        { filename: "lib-3.0-py3-none-any.whl", requiresPython: ">=3.12" },
      ]),
    );
    assert.equal(resolveRequirement(releases, ">=1", "3.12").version, "3.0");
    assert.equal(resolveRequirement(releases, ">=1", "3.12", { constraints: ["<3"] }).version, "2.0");
    assert.equal(resolveRequirement(releases, ">=1", "3.8").version, "1.0");
    assert.equal(resolveRequirement(releases, ">=1", "3.8").admitted, 1);
    const none = resolveRequirement(releases, ">=2", "3.8");
    assert.equal(none.version, null);
    assert.match(none.reason ?? "", /no release for Python 3\.8 satisfies >=2/);
    assert.equal(resolveRequirement(releases, ">=1", "3.12", { allowSdists: false }).version, "3.0");
    assert.equal(resolveRequirement(releases, "<3", "3.12", { allowSdists: false }).version, null);
  });

  it("skips yanked releases unless an exact pin matches only yanked ones", () => {
    const releases = groupReleases(
      page("y", [{ filename: "y-1.0.tar.gz" }, { filename: "y-2.0.tar.gz", yanked: "broken" }]),
    );
    assert.equal(resolveRequirement(releases, undefined, "3.12").version, "1.0");
    const pinned = resolveRequirement(releases, "==2.0", "3.12");
    assert.deepEqual([pinned.version, pinned.yanked], ["2.0", true]);
    assert.equal(resolveRequirement(releases, ">=2.0", "3.12").version, null);
    assert.equal(resolveRequirement(releases, "==2.*", "3.12").version, null, "a wildcard is not a pin");
  });
});
