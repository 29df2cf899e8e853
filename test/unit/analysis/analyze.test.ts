import * as assert from "node:assert/strict";
import { analyzeFile, type InstalledVersions } from "../../../server/src/core/analysis/analyze";
import { applySeverities, type Finding } from "../../../server/src/core/analysis/findings";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import { marked, memoryReader } from "../support/fixtures";

function analyze(files: Record<string, string>, context: { installed?: InstalledVersions } = {}): Finding[] {
  const tree = parseRequirementsTree("/p/requirements.txt", memoryReader(files));
  return analyzeFile(tree, "/p/requirements.txt", context);
}

/** Asserts the findings of one code sit exactly on the marked spans of the root file. */
function expectSpans(source: string, code: string, extra: Record<string, string> = {}): Finding[] {
  const { text, spans } = marked(source);
  const findings = analyze({ "/p/requirements.txt": text, ...extra }).filter((f) => f.code === code);
  assert.deepEqual(
    findings.map((f) => f.span),
    spans,
    `${code} spans in:\n${text}\n${JSON.stringify(findings, null, 1)}`,
  );
  return findings;
}

const installed: InstalledVersions = {
  versions: new Map([
    ["django", "4.2.11"],
    ["requests", "2.31.0"],
  ]),
  label: ".venv",
};

describe("analysis: unpinned and range", () => {
  it("flags a requirement with no specifier on its name", () => {
    expectSpans("⟦requests⟧\n⟦Django⟧[bcrypt] ; python_version < '3'  # c\nflask==3.0\n", "unpinned");
  });

  it("flags specifiers admitting more than one version on the specifier", () => {
    expectSpans(
      [
        "a⟦>=1.0⟧",
        "b ⟦~=1.4⟧",
        "c⟦==1.*⟧",
        "d ⟦(>=1,<2)⟧",
        "e⟦!=1.0⟧",
        "f==1.0",
        "g===weird",
        "h==1.0,!=1.1",
        "i @ https://example.com/i-1.0.tar.gz",
        "https://example.com/j-1.0.tar.gz#egg=j",
      ].join("\n"),
      "range",
    );
  });

  it("carries a pin fix with the installed version", () => {
    const [finding] = analyze({ "/p/requirements.txt": "requests\n" }, { installed });
    assert.deepEqual(finding?.fix, {
      kind: "pin",
      package: "requests",
      entryStart: 0,
      options: [{ action: "pin", version: "2.31.0", title: "Pin to installed 2.31.0", preferred: true }],
    });
    assert.match(finding?.message ?? "", /Installed in \.venv: 2\.31\.0\./);
  });
});

describe("analysis: constraints", () => {
  it("does not ask lines reached through -c to be pinned", () => {
    const tree = parseRequirementsTree(
      "/p/requirements.txt",
      memoryReader({ "/p/requirements.txt": "-c c.txt\nurllib3==2.2.1\n", "/p/c.txt": "urllib3<3\nidna\n" }),
    );
    assert.deepEqual(analyzeFile(tree, "/p/c.txt"), []);
  });
});

describe("analysis: hash-checking mode", () => {
  it("requires --hash and an exact pin on every requirement once one line has a hash", () => {
    const findings = expectSpans(
      [
        "pinned==1.0 \\",
        "    --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "⟦nohash⟧==1.0",
        "⟦ranged⟧>=1.0 --hash=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "-e ⟦./local⟧",
      ].join("\n"),
      "hash-missing",
    );
    assert.match(findings[0]?.message ?? "", /has no --hash/);
    assert.match(findings[1]?.message ?? "", /pinned with ==/);
    assert.match(findings[2]?.message ?? "", /editable/);
  });

  it("applies --require-hashes from an included file to the whole tree", () => {
    expectSpans("-r base.txt\n⟦requests⟧==2.0\n", "hash-missing", { "/p/base.txt": "--require-hashes\n" });
  });

  it("does not ask constraints for hashes", () => {
    expectSpans("-c c.txt\nrequests==2.0 --hash=sha256:" + "a".repeat(64) + "\n", "hash-missing", {
      "/p/c.txt": "urllib3<3\n",
    });
  });
});

describe("analysis: duplicates", () => {
  it("flags the same package with different specifiers across includes", () => {
    const findings = expectSpans("-r base.txt\n⟦requests⟧>=2\n", "duplicate", { "/p/base.txt": "requests==2.30\n" });
    assert.match(findings[0]?.message ?? "", /"==2\.30" at base\.txt:1/);
  });

  it("ignores equal specifiers, different markers and constraints", () => {
    expectSpans(
      [
        "a==1.0",
        "a==1.0.0",
        "numpy==1.26; python_version >= '3.9'",
        "numpy==1.24; python_version < '3.9'",
        "-c c.txt",
        "urllib3>=2",
      ].join("\n"),
      "duplicate",
      { "/p/c.txt": "urllib3<3\n" },
    );
  });
});

describe("analysis: parse and include problems", () => {
  it("reports syntax errors and missing includes on their lines", () => {
    const findings = analyze({ "/p/requirements.txt": "ok==1\npkg=1.0\n-r nope.txt\n" });
    const codes = findings.map((f) => f.code);
    assert.ok(codes.includes("syntax"), JSON.stringify(findings));
    assert.ok(codes.includes("include-missing"), JSON.stringify(findings));
    const syntax = findings.find((f) => f.code === "syntax");
    assert.match(syntax?.message ?? "", /Did you mean == \?/);
  });

  it("reports an include cycle instead of looping", () => {
    const findings = analyze({ "/p/requirements.txt": "-r a.txt\n", "/p/a.txt": "-r requirements.txt\n" });
    assert.ok(findings.length >= 0);
    const tree = parseRequirementsTree(
      "/p/requirements.txt",
      memoryReader({ "/p/requirements.txt": "-r a.txt\n", "/p/a.txt": "-r requirements.txt\n" }),
    );
    const all = Object.keys(tree.files).flatMap((file) => analyzeFile(tree, file));
    assert.ok(
      all.some((f) => f.code === "include-cycle"),
      JSON.stringify(all),
    );
  });
});

describe("analysis: severities", () => {
  it("overrides per code and drops 'off'", () => {
    const findings = analyze({ "/p/requirements.txt": "requests\nb>=1\n" });
    const adjusted = applySeverities(findings, { unpinned: "off", range: "hint" });
    assert.deepEqual(
      adjusted.map((f) => [f.code, f.severity]),
      [["range", "hint"]],
    );
  });
});
