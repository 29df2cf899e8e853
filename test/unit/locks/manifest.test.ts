import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeFile } from "../../../server/src/core/analysis/analyze";
import { applyEdits, fixesFor } from "../../../server/src/core/analysis/fixes";
import { parseManifest } from "../../../server/src/core/manifests/manifest";

/** pyproject.toml and Pipfile read as requirement entries whose spans and edits stay inside the TOML. */

function entries(kind: "pyproject.toml" | "Pipfile", text: string) {
  const manifest = parseManifest(kind, `/p/${kind}`, text);
  return {
    manifest,
    rows: manifest.tree.requirements.map((r) => [
      r.entry.name?.value,
      r.entry.specifier?.value ?? null,
      r.entry.specifier ? text.slice(r.entry.specifier.span.start, r.entry.specifier.span.end) : null,
      r.entry.marker?.value ?? null,
    ]),
  };
}

describe("manifests as requirements", () => {
  it("reads [project] dependencies, optional dependencies and PEP 735 groups", () => {
    const text = [
      "[project]",
      'name = "demo"',
      'dependencies = ["requests>=2.31", "Django[bcrypt]~=4.2 ; python_version >= \'3.8\'"]',
      "[project.optional-dependencies]",
      'docs = ["sphinx"]',
      "[dependency-groups]",
      'test = ["pytest==8.0", {include-group = "docs"}]',
      "",
    ].join("\n");
    assert.deepEqual(entries("pyproject.toml", text).rows, [
      ["requests", ">=2.31", ">=2.31", null],
      ["Django", "~=4.2", "~=4.2", "python_version >= '3.8'"],
      ["sphinx", null, null, null],
      ["pytest", "==8.0", "==8.0", null],
    ]);
  });

  it("translates Poetry constraints and keeps `python` out", () => {
    const text = [
      "[tool.poetry.dependencies]",
      'python = "^3.8"',
      'requests = "^2.31"',
      'django = { version = "~4.2", extras = ["bcrypt"], markers = "python_version >= \'3.8\'" }',
      'local = { path = "../local" }',
      "[tool.poetry.group.dev.dependencies]",
      'pytest = "*"',
      "",
    ].join("\n");
    const { rows, manifest } = entries("pyproject.toml", text);
    assert.equal(manifest.tool, "poetry");
    assert.deepEqual(rows, [
      ["requests", ">=2.31,<3.0", "^2.31", null],
      ["django", ">=4.2,<4.3", "~4.2", "python_version >= '3.8'"],
      ["pytest", "", "*", null],
    ]);
  });

  it("leaves out packages that [tool.uv.sources] takes from git or the workspace, and reads uv indexes", () => {
    const text = [
      "[project]",
      'dependencies = ["requests>=2", "mylib", "tool-from-git"]',
      "[tool.uv.sources]",
      "mylib = { workspace = true }",
      'tool-from-git = { git = "https://example.invalid/tool.git" }',
      "[[tool.uv.index]]",
      'url = "https://corp.example/simple"',
      "",
    ].join("\n");
    const { rows, manifest } = entries("pyproject.toml", text);
    assert.equal(manifest.tool, "uv");
    assert.deepEqual(rows, [["requests", ">=2", ">=2", null]]);
    assert.deepEqual(
      manifest.tree.options.map((o) => o.entry.values[0]?.value),
      ["https://corp.example/simple"],
    );
  });

  it("reads Pipfile packages and its sources as index options", () => {
    const text = [
      "[[source]]",
      'url = "https://pypi.org/simple"',
      'name = "pypi"',
      "[[source]]",
      'url = "https://corp.example/simple"',
      'name = "corp"',
      "[packages]",
      'requests = "*"',
      'flask = {version = ">=2", extras = ["async"]}',
      "[dev-packages]",
      'pytest = "==8.0"',
      "",
    ].join("\n");
    const { rows, manifest } = entries("Pipfile", text);
    assert.deepEqual(rows, [
      ["requests", "", "*", null],
      ["flask", ">=2", ">=2", null],
      ["pytest", "==8.0", "==8.0", null],
    ]);
    assert.deepEqual(
      manifest.tree.options.map((o) => [o.entry.option, o.entry.values[0]?.value]),
      [
        ["index-url", "https://pypi.org/simple"],
        ["extra-index-url", "https://corp.example/simple"],
      ],
    );
  });

  it("pins inside the TOML string, keeping it valid", () => {
    const text =
      '[tool.poetry.dependencies]\nrequests = "^2.31"\nflask = "*"\n[project]\ndependencies = ["rich>=13 ; python_version > \'3\'"]\n';
    const manifest = parseManifest("pyproject.toml", "/p/pyproject.toml", text);
    const findings = analyzeFile(manifest.tree, "/p/pyproject.toml");
    let updated = text;
    for (const requirement of [...manifest.tree.requirements].reverse()) {
      const version =
        { requests: "2.32.3", flask: "3.1.0", rich: "13.9.4" }[requirement.entry.normalizedName ?? ""] ?? "1";
      const fix = fixesFor(
        {
          kind: "pin",
          package: requirement.entry.normalizedName ?? "",
          entryStart: requirement.entry.span.start,
          options: [{ action: "pin", version, title: "Pin", preferred: true }],
        },
        manifest.parsed,
      )[0];
      updated = applyEdits(updated, fix?.edits ?? []);
    }
    assert.equal(
      updated,
      '[tool.poetry.dependencies]\nrequests = "==2.32.3"\nflask = "==3.1.0"\n[project]\ndependencies = ["rich==13.9.4 ; python_version > \'3\'"]\n',
    );
    assert.deepEqual(
      findings.map((f) => f.code),
      ["range", "unpinned", "range"],
    );
  });

  it("reads every pyproject.toml and Pipfile of the corpus with spans that slice to the names", () => {
    let files = 0;
    for (const dir of ["pyproject", "pipenv"]) {
      const root = path.resolve(__dirname, "../../fixtures/corpus", dir);
      for (const name of fs.readdirSync(root)) {
        const kind = /Pipfile$/.test(name) ? "Pipfile" : /pyproject.*\.toml$/.test(name) ? "pyproject.toml" : null;
        if (kind === null) continue;
        const text = fs.readFileSync(path.join(root, name), "utf8");
        const manifest = parseManifest(kind, `/p/${name}`, text);
        files++;
        for (const r of manifest.tree.requirements) {
          const entry = r.entry;
          if (entry.name) assert.equal(text.slice(entry.name.span.start, entry.name.span.end), entry.name.value, name);
        }
      }
    }
    assert.ok(files >= 40, `${files} manifests`);
  });
});
