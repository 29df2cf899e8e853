import * as assert from "node:assert/strict";
import { analyzeFile, type InstalledVersions } from "../../../server/src/core/analysis/analyze";
import { dependencyFindings, type Targets } from "../../../server/src/core/analysis/dependencyFindings";
import type { Finding } from "../../../server/src/core/analysis/findings";
import { applyEdits, fixesFor, preferredPinEdits } from "../../../server/src/core/analysis/fixes";
import { indexFindings, type IndexSnapshot } from "../../../server/src/core/analysis/indexFindings";
import type { ProjectMetadata } from "../../../server/src/core/index/jsonApi";
import { supportStep, type TargetSupport } from "../../../server/src/core/analysis/pythonSupport";
import { parseDistFilename } from "../../../server/src/core/index/filenames";
import { mergePackage } from "../../../server/src/core/index/packageView";
import type { IndexFile, ProjectPage } from "../../../server/src/core/index/releaseModel";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import { memoryReader } from "../support/fixtures";

/**
 * The dependency analysis on invented packages, one rule per test: what the messages say, which
 * targets a line is analysed for, and what the fixes write.
 */

interface FileSpec {
  readonly filename: string;
  readonly requiresPython?: string;
  readonly yanked?: string;
  readonly uploadTime?: string;
  readonly sha256?: string;
}

/** Classifiers per package and version; a version without an entry has none. */
type Classifiers = Record<string, Record<string, string[]>>;

function page(name: string, files: readonly FileSpec[]): ProjectPage {
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
      uploadTime: f.uploadTime ?? "2024-01-01T00:00:00Z",
      size: null,
      sha256: f.sha256 ?? null,
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

function snapshot(projects: Record<string, readonly FileSpec[]>, classifiers: Classifiers = {}): IndexSnapshot {
  const lookups = new Map(
    Object.entries(projects).map(([name, files]) => [
      name,
      mergePackage(name, [
        {
          index: "https://pypi.org/simple/",
          answer: { kind: "found", page: page(name, files) },
          fetchedAt: 0,
          stale: false,
          lastError: null,
        },
      ]),
    ]),
  );
  return {
    indexes: [{ display: "https://pypi.org/simple/", role: "primary", source: "default", isPrivate: false }],
    view: (name) => lookups.get(name),
    releaseMetadata: (name, version) => {
      const list = classifiers[name]?.[version];
      return list === undefined ? null : ({ classifiers: list } as unknown as ProjectMetadata);
    },
    support: (name, releases, target): TargetSupport | null | undefined => {
      const step = supportStep(releases, target, (version) => classifiers[name]?.[version] ?? null);
      return step.kind === "done" ? step.support : undefined;
    },
  };
}

function analyse(
  text: string,
  index: IndexSnapshot,
  targets: Targets,
  options: { installed?: InstalledVersions; files?: Record<string, string> } = {},
): { findings: Finding[]; text: string } {
  const tree = parseRequirementsTree(
    "/p/requirements.txt",
    memoryReader({ "/p/requirements.txt": text, ...options.files }),
  );
  const own = tree.requirements.filter((r) => r.file === "/p/requirements.txt");
  const raw = [...analyzeFile(tree, "/p/requirements.txt"), ...indexFindings(own, index)];
  const findings = dependencyFindings(raw, tree, "/p/requirements.txt", index, {
    targets,
    ...(options.installed ? { installed: options.installed } : {}),
  });
  return { findings, text };
}

const py = (...versions: string[]): Targets => ({ versions, source: "test" });
const message = (findings: readonly Finding[], code: string): string | undefined =>
  findings.find((f) => f.code === code)?.message;

/** Applies the preferred fix of the first finding with `code`. */
function applyPreferred(result: { findings: Finding[]; text: string }, code: string): string {
  const finding = result.findings.find((f) => f.code === code);
  assert.ok(finding?.fix, `no fix on ${code}: ${JSON.stringify(result.findings)}`);
  const tree = parseRequirementsTree("/p/requirements.txt", memoryReader({ "/p/requirements.txt": result.text }));
  const parsed = tree.files["/p/requirements.txt"];
  assert.ok(parsed);
  const fix = fixesFor(finding.fix, parsed).find((f) => f.preferred);
  assert.ok(fix);
  return applyEdits(result.text, fix.edits);
}

const demo: FileSpec[] = [
  { filename: "demo-1.0.tar.gz", uploadTime: "2020-01-01T00:00:00Z" },
  { filename: "demo-1.5.tar.gz", uploadTime: "2021-01-01T00:00:00Z" },
  { filename: "demo-2.0.tar.gz", uploadTime: "2022-06-01T00:00:00Z" },
  { filename: "demo-2.1.tar.gz", uploadTime: "2023-06-01T00:00:00Z" },
  { filename: "demo-3.0b1.tar.gz", uploadTime: "2024-01-01T00:00:00Z" },
];
/** demo 2.0 dropped 2.7 by classifiers only (undeclared). */
const demoClassifiers: Classifiers = {
  demo: {
    "1.0": ["Programming Language :: Python :: 2.7", "Programming Language :: Python :: 3"],
    "1.5": ["Programming Language :: Python :: 2.7", "Programming Language :: Python :: 3"],
    "2.0": ["Programming Language :: Python :: 3 :: Only"],
    "2.1": ["Programming Language :: Python :: 3 :: Only"],
  },
};

describe("dependency analysis: what a fresh install picks", () => {
  it("says what an unpinned line picks, when it came out, and the installed divergence", () => {
    const installed: InstalledVersions = { versions: new Map([["demo", "1.5"]]), label: ".venv" };
    const { findings } = analyse("demo\n", snapshot({ demo }), py("3.12"), { installed });
    assert.equal(
      message(findings, "unpinned"),
      "demo is not pinned: a fresh install picks 2.1 (released 2023-06-01) on Python 3.12. Your environment (.venv) has 1.5, what you tested; a fresh install on a new server picks 2.1.",
    );
  });

  it("counts the releases a range admits", () => {
    const { findings } = analyse("demo>=1.5,<3\n", snapshot({ demo }), py("3.12"));
    assert.equal(
      message(findings, "range"),
      '">=1.5,<3" admits 3 releases of demo: a fresh install picks 2.1 (released 2023-06-01) on Python 3.12.',
    );
  });

  it("names different picks per target", () => {
    const files = [
      ...demo,
      { filename: "demo-2.2.tar.gz", requiresPython: ">=3.10", uploadTime: "2024-02-01T00:00:00Z" },
    ];
    const { findings } = analyse("demo\n", snapshot({ demo: files }), py("3.8", "3.12"));
    assert.match(
      String(message(findings, "unpinned")),
      /picks 2\.1 \(released 2023-06-01\) on Python 3\.8; 2\.2 \(released 2024-02-01\) on Python 3\.12\./,
    );
  });

  it("narrows by constraint files and widens to pre-releases with --pre", () => {
    const constrained = analyse("-c constraints.txt\ndemo\n", snapshot({ demo }), py("3.12"), {
      files: { "/p/constraints.txt": "demo<2\n" },
    });
    assert.match(String(message(constrained.findings, "unpinned")), /picks 1\.5 /);
    const pre = analyse("--pre\ndemo\n", snapshot({ demo }), py("3.12"));
    assert.match(String(message(pre.findings, "unpinned")), /picks 3\.0b1 /);
  });

  it("analyses a line only for the targets its marker admits, and fades it when it admits none", () => {
    const some = analyse('demo ; python_version >= "3"\n', snapshot({ demo }, demoClassifiers), py("2.7", "3.12"));
    assert.equal(message(some.findings, "python-support"), undefined, "2.7 is excluded by the marker");
    assert.match(String(message(some.findings, "unpinned")), /on Python 3\.12\.$/);
    const none = analyse('demo ; python_version < "3"\n', snapshot({ demo }), py("3.12"));
    assert.deepEqual(
      none.findings.map((f) => f.code),
      ["unpinned", "not-applicable"],
    );
    assert.match(String(message(none.findings, "not-applicable")), /the marker "python_version < "3"" excludes it/);
  });
});

describe("dependency analysis: python-support", () => {
  it("flags an unpinned line whose pick dropped the target without declaring it, and pins the last supporting release", () => {
    const result = analyse("demo\n", snapshot({ demo }, demoClassifiers), py("2.7"));
    assert.equal(
      message(result.findings, "python-support"),
      "pip would install 2.1 on Python 2.7, but demo dropped Python 2.7 in 2.0 (2022-06-01; classifiers say Python 3 only and no Requires-Python declares it). Last release for 2.7: 1.5.",
    );
    assert.equal(applyPreferred(result, "python-support"), "demo==1.5\n");
  });

  it("flags an exact pin of a release that does not support the target", () => {
    const undeclared = analyse("demo==2.0\n", snapshot({ demo }, demoClassifiers), py("2.7"));
    assert.match(
      String(message(undeclared.findings, "python-support")),
      /^demo 2\.0 does not support Python 2\.7: demo dropped/,
    );
    assert.equal(applyPreferred(undeclared, "python-support"), "demo==1.5\n");
    const files = [...demo, { filename: "demo-2.2.tar.gz", requiresPython: ">=3.10" }];
    const declared = analyse("demo==2.2\n", snapshot({ demo: files }), py("3.8"));
    assert.equal(
      message(declared.findings, "python-support"),
      'demo 2.2 cannot be installed on Python 3.8 (Requires-Python >=3.10): pip fails with "No matching distribution".',
    );
  });

  it("keeps hostile index text inert in messages", () => {
    const hostile = `>=3.10\u0000\n[click](command:evil) ${"x".repeat(5000)}`;
    const files = [
      { filename: "demo-2.2.tar.gz", requiresPython: ">=3.10" },
      { filename: "demo-2.2-py3-none-any.whl", requiresPython: hostile },
    ];
    const text = String(
      message(analyse("demo==2.2\n", snapshot({ demo: files }), py("3.8")).findings, "python-support"),
    );
    // eslint-disable-next-line no-control-regex -- the test looks for control characters on purpose.
    assert.doesNotMatch(text, /[\u0000-\u001f]/);
    assert.ok(text.length < 400, `capped: ${text.length}`);
  });

  it("flags a line no release of which installs on the target", () => {
    const files = [{ filename: "demo-2.2.tar.gz", requiresPython: ">=3.10" }];
    const { findings } = analyse("demo>=2\n", snapshot({ demo: files }), py("3.8"));
    assert.match(
      String(message(findings, "python-support")),
      /^No release of demo that this line admits installs on Python 3\.8/,
    );
  });

  it("offers an upper bound just below an undeclared drop", () => {
    const result = analyse("demo>=1.0\n", snapshot({ demo }, demoClassifiers), py("2.7"));
    const finding = result.findings.find((f) => f.code === "python-support");
    const bound = finding?.fix?.options.find((o) => o.action === "bound");
    assert.equal(bound?.title, "Add upper bound <2.0 (Python 2.7 support stops there)");
    const tree = parseRequirementsTree("/p/requirements.txt", memoryReader({ "/p/requirements.txt": result.text }));
    const parsed = tree.files["/p/requirements.txt"];
    assert.ok(parsed && finding?.fix && bound);
    const fix = fixesFor({ ...finding.fix, options: [bound] }, parsed)[0];
    assert.equal(applyEdits(result.text, fix?.edits ?? []), "demo>=1.0,<2.0\n");
  });

  it("waits for the support search instead of guessing", () => {
    const index = snapshot({ demo }, demoClassifiers);
    const pending: IndexSnapshot = { ...index, support: () => undefined };
    const { findings } = analyse("demo\n", pending, py("2.7"));
    assert.equal(message(findings, "python-support"), undefined);
  });
});

describe("dependency analysis: fixes", () => {
  it("rewrites --hash lines with every file of the new release in hash-checking mode", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    const c = "c".repeat(64);
    const files: FileSpec[] = [
      { filename: "demo-1.0.tar.gz", sha256: a },
      { filename: "demo-1.5.tar.gz", sha256: b },
      { filename: "demo-1.5-py3-none-any.whl", sha256: c },
    ];
    const text = `demo>=1.0 \\\n    --hash=sha256:${a}\n`;
    const result = analyse(text, snapshot({ demo: files }), py("3.12"));
    assert.equal(applyPreferred(result, "range"), `demo==1.5 \\\n    --hash=sha256:${b} \\\n    --hash=sha256:${c}\n`);
  });

  it("replaces a yanked pin with the next release that is not yanked", () => {
    const files: FileSpec[] = [
      { filename: "demo-1.0.tar.gz" },
      { filename: "demo-1.1.tar.gz", yanked: "broken" },
      { filename: "demo-1.2.tar.gz" },
    ];
    const result = analyse("demo==1.1  # pinned\n", snapshot({ demo: files }), py("3.12"));
    const yanked = result.findings.find((f) => f.code === "yanked");
    assert.deepEqual(
      yanked?.fix?.options.map((o) => o.title),
      ["Replace yanked 1.1 with 1.2", "Replace yanked 1.1 with 1.0"],
    );
    assert.equal(applyPreferred(result, "yanked"), "demo==1.2  # pinned\n");
  });

  it("pins every unpinned and ranged line at once with the preferred versions", () => {
    const text = "demo\nother>=1\nfixed==1.0\n";
    const index = snapshot(
      {
        demo,
        other: [{ filename: "other-1.0.tar.gz" }, { filename: "other-1.1.tar.gz" }],
        fixed: [{ filename: "fixed-1.0.tar.gz" }],
      },
      demoClassifiers,
    );
    const result = analyse(text, index, py("2.7"));
    const tree = parseRequirementsTree("/p/requirements.txt", memoryReader({ "/p/requirements.txt": text }));
    const parsed = tree.files["/p/requirements.txt"];
    assert.ok(parsed);
    assert.equal(applyEdits(text, preferredPinEdits(result.findings, parsed)), "demo==1.5\nother==1.1\nfixed==1.0\n");
  });

  it("says what is newer than a pin, overall and for the target once the timeline is known", () => {
    // The pinned 1.0 supports 2.7, so no bisection is spent on it: only the newest release is named.
    const { findings } = analyse("demo==1.0\n", snapshot({ demo }, demoClassifiers), py("2.7"));
    assert.equal(message(findings, "outdated"), "demo 1.0 is pinned; the newest release is 2.1 (2023-06-01).");
    const unsupported = analyse("demo==2.0\n", snapshot({ demo }, demoClassifiers), py("2.7"));
    assert.equal(
      message(unsupported.findings, "outdated"),
      "demo 2.0 is pinned; the newest release is 2.1 (2023-06-01), the newest that supports your Python is 1.5 for Python 2.7.",
    );
  });
});
