import assert from "node:assert/strict";
import { hoverAt } from "../../../server/src/core/analysis/hover";
import {
  indexFindings,
  type IndexDescription,
  type IndexSnapshot,
} from "../../../server/src/core/analysis/indexFindings";
import type { ProjectLookup } from "../../../server/src/core/index/indexClient";
import { mergePackage } from "../../../server/src/core/index/packageView";
import type { IndexFile, ProjectPage } from "../../../server/src/core/index/releaseModel";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import { memoryReader } from "../support/fixtures";

const pypi: IndexDescription = {
  display: "https://pypi.org/simple/",
  role: "primary",
  source: "default",
  isPrivate: false,
};
const corp: IndexDescription = {
  display: "https://corp.example/simple/",
  role: "extra",
  source: "PIP_EXTRA_INDEX_URL",
  isPrivate: true,
};

function file(name: string, version: string, extra: Partial<IndexFile> = {}): IndexFile {
  return {
    filename: `${name}-${version}.tar.gz`,
    url: `https://files.example/${name}-${version}.tar.gz`,
    packagetype: "sdist",
    version,
    wheel: null,
    requiresPython: null,
    yankedReason: null,
    uploadTime: "2024-01-01T00:00:00Z",
    size: 1,
    sha256: null,
    coreMetadata: { available: false },
    ...extra,
  };
}

function found(index: IndexDescription, name: string, files: IndexFile[]): ProjectLookup {
  const page: ProjectPage = {
    name,
    format: "simple-json",
    apiVersion: "1.1",
    files,
    versions: null,
    status: null,
    warnings: [],
  };
  return { index: index.display, answer: { kind: "found", page }, fetchedAt: 0, stale: false, lastError: null };
}
const notFound = (index: IndexDescription): ProjectLookup => ({
  index: index.display,
  answer: { kind: "not-found", status: 404 },
  fetchedAt: 0,
  stale: false,
  lastError: null,
});
const failed = (index: IndexDescription, message: string): ProjectLookup => ({
  index: index.display,
  answer: { kind: "error", message },
  fetchedAt: null,
  stale: true,
  lastError: message,
});

function snapshot(indexes: IndexDescription[], data: Record<string, (ProjectLookup | undefined)[]>): IndexSnapshot {
  return { indexes, view: (name) => (data[name] ? mergePackage(name, data[name]) : undefined) };
}

function analyse(text: string, snap: IndexSnapshot) {
  const tree = parseRequirementsTree("/w/requirements.txt", memoryReader({ "/w/requirements.txt": text }), { env: {} });
  return indexFindings(tree.requirements, snap).map((f) => ({
    code: f.code,
    line: text.slice(0, f.span.start).split("\n").length,
    message: f.message,
  }));
}

describe("index-backed findings", () => {
  it("reports unknown packages only when every index answered 404", () => {
    const snap = snapshot([pypi, corp], {
      ghost: [notFound(pypi), notFound(corp)],
      half: [notFound(pypi), failed(corp, "ECONNREFUSED")],
      pending: [notFound(pypi), undefined],
    });
    const findings = analyse("ghost\nhalf\npending\n", snap);
    assert.deepEqual(
      findings.map((f) => [f.code, f.line]),
      [
        ["unknown-package", 1],
        ["index-unreachable", 2],
      ],
    );
    assert.match(findings[1]?.message ?? "", /corp\.example: ECONNREFUSED/);
    assert.match(findings[0]?.message ?? "", /^ghost is not on pypi\.org or corp\.example: pip install will fail/);
  });

  it("does not call constraints on absent packages errors: constraints install nothing", () => {
    const reader = memoryReader({
      "/w/requirements.txt": "-c constraints.txt\n",
      "/w/constraints.txt": "ghost==1.0\n",
    });
    const tree = parseRequirementsTree("/w/requirements.txt", reader, { env: {} });
    const snap = snapshot([pypi], { ghost: [notFound(pypi)] });
    assert.equal(tree.requirements[0]?.constraint, true);
    assert.deepEqual(indexFindings(tree.requirements, snap), []);
  });

  it("reports unknown versions (by PEP 440 equality) only when every index answered", () => {
    const snap = snapshot([pypi], {
      django: [found(pypi, "django", [file("django", "4.2.0"), file("django", "5.0")])],
    });
    assert.deepEqual(analyse("django==4.2\ndjango==4.2.0\n", snap), []);
    const missing = analyse("django==4.3\n", snap);
    assert.equal(missing[0]?.code, "unknown-version");
    assert.match(missing[0]?.message ?? "", /no release 4\.3 .*latest is 5\.0/);
    const partial = snapshot([pypi, corp], {
      django: [found(pypi, "django", [file("django", "4.2.0")]), failed(corp, "timeout")],
    });
    assert.deepEqual(
      analyse("django==4.3\n", partial).map((f) => f.code),
      ["index-unreachable"],
      "an index that did not answer might have it",
    );
  });

  it("reports a yanked pin with its reason made plain", () => {
    const snap = snapshot([pypi], {
      black: [
        found(pypi, "black", [
          file("black", "21.11b0", { yankedReason: "Broken regex\u0000 dependency.\u202e Use 21.11b1 instead." }),
          file("black", "21.11b1"),
        ]),
      ],
    });
    const [yanked] = analyse("black==21.11b0\n", snap);
    assert.equal(yanked?.code, "yanked");
    assert.equal(yanked?.message.includes("\u0000"), false);
    assert.equal(yanked?.message.includes("\u202e"), false);
    assert.match(yanked?.message ?? "", /"Broken regex dependency\. Use 21\.11b1 instead\."/);
    assert.deepEqual(analyse("black==21.11b1\nblack>=21\n", snap), [], "ranges and good pins are not yanked findings");
  });

  it("does not call a release yanked while another index still serves it", () => {
    const snap = snapshot([pypi, corp], {
      lib: [found(pypi, "lib", [file("lib", "1.0", { yankedReason: "" })]), found(corp, "lib", [file("lib", "1.0")])],
    });
    // The private index serves exactly the public files: a mirror, so no dependency confusion either.
    assert.deepEqual(
      analyse("lib==1.0\n", snap).map((f) => f.code),
      [],
    );
  });

  it("does not warn about dependency confusion for a mirror of the public index, by hash", () => {
    const sha = (c: string) => c.repeat(64);
    const snap = snapshot([pypi, corp], {
      mirrored: [
        found(pypi, "mirrored", [
          file("mirrored", "1.0", { sha256: sha("a") }),
          file("mirrored", "2.0", { sha256: sha("b") }),
        ]),
        found(corp, "mirrored", [file("mirrored", "1.0", { sha256: sha("a") })]),
      ],
      rebuilt: [
        found(pypi, "rebuilt", [file("rebuilt", "1.0", { sha256: sha("c") })]),
        found(corp, "rebuilt", [file("rebuilt", "1.0", { sha256: sha("d") })]),
      ],
    });
    assert.deepEqual(
      analyse("mirrored==1.0\nrebuilt==1.0\n", snap).map((f) => [f.code, f.line]),
      [["dependency-confusion", 2]],
      "same version number, different file: not a mirror",
    );
  });

  it("warns about dependency confusion when a private name also exists elsewhere", () => {
    const snap = snapshot([pypi, corp], {
      internal: [
        found(pypi, "internal", [file("internal", "99.0")]),
        found(corp, "internal", [file("internal", "1.0")]),
      ],
      private: [notFound(pypi), found(corp, "private", [file("private", "1.0")])],
    });
    const findings = analyse("internal==1.0\nprivate==1.0\n", snap);
    assert.deepEqual(
      findings.map((f) => [f.code, f.line]),
      [["dependency-confusion", 1]],
    );
    assert.match(findings[0]?.message ?? "", /private index corp\.example and also on pypi\.org/);
  });

  it("reports one unreachable index per file", () => {
    const snap = snapshot([pypi], { a: [failed(pypi, "HTTP 503")], b: [failed(pypi, "HTTP 503")] });
    assert.deepEqual(
      analyse("a\nb\n", snap).map((f) => f.code),
      ["index-unreachable"],
    );
  });

  it("shows index facts in the hover, escaped", () => {
    const snap = snapshot([pypi], {
      black: [
        found(pypi, "black", [
          file("black", "21.11b0", { yankedReason: "use [this](command:evil) <b>now</b>" }),
          file("black", "22.1.0", { requiresPython: ">=3.6.2" }),
          file("black", "23.1a1"),
        ]),
      ],
    });
    const text = "black==21.11b0\n";
    const tree = parseRequirementsTree("/w/r.txt", memoryReader({ "/w/r.txt": text }), { env: {} });
    const parsed = tree.files["/w/r.txt"];
    assert.ok(parsed);
    const hover = hoverAt(parsed, 1, { index: snap })?.markdown ?? "";
    assert.match(hover, /Latest release: `22\.1\.0` \(uploaded 2024-01-01, requires Python `>=3\.6\.2`\)/);
    assert.match(hover, /Latest pre-release: `23\.1a1`/);
    assert.match(hover, /\*\*Yanked\*\*: use \\\[this\\\]\(command:evil\) \\<b\\>now\\<\/b\\>/);
    assert.ok(!/\]\(command:/.test(hover.replace(/\\\]/g, "")), "no live command link");
  });

  it("renders index-supplied summaries and links inert", () => {
    const base = snapshot([pypi], { demo: [found(pypi, "demo", [file("demo", "1.0")])] });
    const snap: IndexSnapshot = {
      ...base,
      metadata: () => ({
        name: "demo",
        version: "1.0",
        summary: "**bold** <img src=x onerror=alert(1)> [click](command:workbench.action.terminal.new)",
        projectUrls: [
          { label: "Evil", url: "javascript:alert(1)" },
          { label: "Run", url: "command:workbench.action.terminal.new" },
          { label: "Docs](command:x)", url: "https://docs.example/a (b)" },
        ],
        classifiers: [],
        requiresDist: null,
        requiresPython: null,
        yanked: false,
        yankedReason: null,
        vulnerabilities: [],
      }),
    };
    const text = "demo==1.0\n";
    const tree = parseRequirementsTree("/w/r.txt", memoryReader({ "/w/r.txt": text }), { env: {} });
    const parsed = tree.files["/w/r.txt"];
    assert.ok(parsed);
    const hover = hoverAt(parsed, 1, { index: snap })?.markdown ?? "";
    assert.ok(!hover.includes("javascript:"), hover);
    assert.ok(!/(?<!\\)\]\(command:/.test(hover), "every `](command:` has its bracket escaped");
    assert.match(hover, /\\\*\\\*bold\\\*\\\* \\<img/);
    assert.match(hover, /\[Docs\\\]\(command:x\)\]\(https:\/\/docs\.example\/a%20%28b%29\)/);
  });
});
