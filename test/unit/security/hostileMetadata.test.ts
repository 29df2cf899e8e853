import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { analyzeFile } from "../../../server/src/core/analysis/analyze";
import { dependencyFindings, type Targets } from "../../../server/src/core/analysis/dependencyFindings";
import { fixesFor } from "../../../server/src/core/analysis/fixes";
import { hoverAt } from "../../../server/src/core/analysis/hover";
import { indexFindings, type IndexSnapshot } from "../../../server/src/core/analysis/indexFindings";
import { versionCompletions, versionHints } from "../../../server/src/core/analysis/versionHints";
import { readJsonApi, type ProjectMetadata } from "../../../server/src/core/index/jsonApi";
import { mergePackage, type PackageView } from "../../../server/src/core/index/packageView";
import type { PageResult } from "../../../server/src/core/index/pageCommon";
import { readSimpleHtml } from "../../../server/src/core/index/simpleHtml";
import { readSimpleJson } from "../../../server/src/core/index/simpleJson";
import { lockFindings } from "../../../server/src/core/locks/lockAnalysis";
import { lockHoverAt } from "../../../server/src/core/locks/lockHover";
import { parsePoetryLock } from "../../../server/src/core/locks/poetryLock";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import { formatGithub, formatSarif } from "../../../server/src/core/report/ciFormats";
import { runCli } from "../../../server/src/cli";
import { startFixtureIndex, type FixtureIndex } from "../../support/fixtureIndex";
import { tempDir } from "../../support/tempDirs";
import { memoryReader } from "../support/fixtures";

/**
 * Package indexes are untrusted: a private index, a mirror or a squatted name can put anything in a
 * summary, a yank reason, a project URL or a file name. These tests feed hostile index responses
 * through the real readers (Simple JSON, Simple HTML, JSON API) and assert what the real renderers
 * make of them: hovers (Markdown) keep the text escaped, without control characters, capped and with
 * only http(s) links; diagnostics and CLI output are single-line plain text without control
 * characters and capped; nothing can break the layout of a hover or the line structure of CI output.
 */

/** One hostile string and what each channel must render it as. */
interface HostileCase {
  readonly name: string;
  readonly text: string;
  /** The yank reason in a hover (`- **Yanked**: …`), escaped Markdown. */
  readonly markdown: string;
  /** The yank reason in a diagnostic message and in CLI output. */
  readonly plain: string;
}

const megabyte = `<b>${"A".repeat(1_000_000)}</b>`;

const cases: readonly HostileCase[] = [
  {
    name: "a command: link",
    text: "[x](command:workbench.action.terminal.new)",
    markdown: "\\[x\\](command:workbench.action.terminal.new)",
    plain: "[x](command:workbench.action.terminal.new)",
  },
  {
    name: "an image with onerror",
    text: "<img src=x onerror=alert(1)>",
    markdown: "\\<img src=x onerror=alert(1)\\>",
    plain: "<img src=x onerror=alert(1)>",
  },
  {
    name: "a script tag",
    text: "<script>alert(1)</script>",
    markdown: "\\<script\\>alert(1)\\</script\\>",
    plain: "<script>alert(1)</script>",
  },
  {
    name: "a javascript: link",
    text: "[y](javascript:alert(1))",
    markdown: "\\[y\\](javascript:alert(1))",
    plain: "[y](javascript:alert(1))",
  },
  {
    name: "a data: image",
    text: "![z](data:image/svg+xml;base64,PHN2Zz4=)",
    markdown: "!\\[z\\](data:image/svg+xml;base64,PHN2Zz4=)",
    plain: "![z](data:image/svg+xml;base64,PHN2Zz4=)",
  },
  {
    name: "autolinks to command: and javascript:",
    text: "<command:workbench.action.x> <javascript:alert(1)>",
    markdown: "\\<command:workbench.action.x\\> \\<javascript:alert(1)\\>",
    plain: "<command:workbench.action.x> <javascript:alert(1)>",
  },
  {
    name: "a code fence",
    text: "```js\nalert(1)\n```",
    markdown: "\\`\\`\\`js alert(1) \\`\\`\\`",
    plain: "```js alert(1) ```",
  },
  {
    name: "table breakers",
    text: "| a | b |\n|---|---|",
    markdown: "\\| a \\| b \\| \\|---\\|---\\|",
    plain: "| a | b | |---|---|",
  },
  {
    name: "a heading, a setext underline and a list",
    text: "\n# Heading\n===\n- item",
    markdown: "# Heading === - item",
    plain: "# Heading === - item",
  },
  {
    name: "emphasis and character references",
    text: "**bold** _it_ ~~s~~ &lt;b&gt; &#106;avascript:",
    markdown: "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\&lt;b\\&gt; \\&#106;avascript:",
    plain: "**bold** _it_ ~~s~~ &lt;b&gt; &#106;avascript:",
  },
  {
    name: "ANSI colour and OSC 8 hyperlink escapes",
    text: "\u001b[31mred\u001b[0m \u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007",
    markdown: "\\[31mred\\[0m \\]8;;https://evil.examplelink\\]8;;",
    plain: "[31mred [0m ]8;;https://evil.example link ]8;;",
  },
  {
    name: "NUL, BEL and bidirectional overrides",
    text: "a\u0000b\u0007c \u202Eexe.txt\u202C \u2066x\u2069 \u200F",
    markdown: "abc exe.txt x",
    plain: "a b c exe.txt x",
  },
  {
    name: "every kind of line break",
    text: "line1\r\nline2\rline3\nline4\u2028line5\u0085line6",
    markdown: "line1 line2 line3 line4 line5 line6",
    plain: "line1 line2 line3 line4 line5 line6",
  },
  {
    name: "a GitHub workflow command after a line break",
    text: "done\n::error file=evil.txt,line=1::pwned%0A::warning::x",
    markdown: "done ::error file=evil.txt,line=1::pwned%0A::warning::x",
    plain: "done ::error file=evil.txt,line=1::pwned%0A::warning::x",
  },
  {
    name: "a 1 MB string",
    text: megabyte,
    markdown: `\\<b\\>${"A".repeat(297)}`,
    plain: `<b>${"A".repeat(196)}…`,
  },
];

/** C0 and C1 controls, DEL and bidirectional formatting characters, line breaks included. */
// eslint-disable-next-line no-control-regex -- the tests look for control characters on purpose.
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const indexUrl = "https://idx.example/simple/";
const targets: Targets = { versions: ["3.12"], source: "test" };

/** A Simple JSON page of `name` whose release 1.0 is yanked with `reason`, plus a normal 2.0. */
function simpleJson(name: string, reason: string, extraFiles: readonly object[] = []): string {
  const stem = name.replace(/-/g, "_");
  return JSON.stringify({
    meta: { "api-version": "1.1" },
    name,
    files: [
      {
        filename: `${stem}-1.0.tar.gz`,
        url: `https://files.example/${stem}-1.0.tar.gz`,
        hashes: {},
        yanked: reason,
        "upload-time": "2020-01-01T00:00:00Z",
      },
      {
        filename: `${stem}-2.0.tar.gz`,
        url: `https://files.example/${stem}-2.0.tar.gz`,
        hashes: {},
        "upload-time": "2021-01-01T00:00:00.000000Z",
      },
      ...extraFiles,
    ],
  });
}

/** The same page as Simple HTML (PEP 503/592): the reason travels in an entity-encoded attribute. */
function simpleHtml(name: string, reason: string): string {
  const stem = name.replace(/-/g, "_");
  const attribute = reason.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<!DOCTYPE html><html><body>
<a href="https://files.example/${stem}-1.0.tar.gz" data-yanked="${attribute}">${stem}-1.0.tar.gz</a>
<a href="https://files.example/${stem}-2.0.tar.gz">${stem}-2.0.tar.gz</a>
</body></html>`;
}

/** A JSON API document with a hostile summary and project URLs. */
function jsonApi(name: string, summary: string, projectUrls: Record<string, string> = {}): string {
  return JSON.stringify({
    info: { name, version: "2.0", summary, project_urls: projectUrls, classifiers: [], requires_dist: null },
    vulnerabilities: [],
  });
}

function page(result: PageResult): PageResult & { ok: true } {
  assert.ok(result.ok, result.ok ? "" : result.error);
  return result;
}

function metadataOf(text: string): ProjectMetadata {
  const result = readJsonApi(text);
  assert.ok(result.ok);
  return result.meta;
}

/** A snapshot over one index with pages read by the real readers. */
function snapshotOf(
  pages: Record<string, PageResult>,
  metadata: Record<string, ProjectMetadata> = {},
  releaseMetadata: Record<string, ProjectMetadata> = {},
): IndexSnapshot {
  const views = new Map<string, PackageView>();
  for (const [name, result] of Object.entries(pages)) {
    views.set(
      name,
      mergePackage(name, [
        {
          index: indexUrl,
          answer: { kind: "found", page: page(result).page },
          fetchedAt: 0,
          stale: false,
          lastError: null,
        },
      ]),
    );
  }
  return {
    indexes: [{ display: indexUrl, role: "primary", source: "PIP_INDEX_URL", isPrivate: true }],
    view: (name) => views.get(name),
    metadata: (name) => metadata[name],
    releaseMetadata: (name, version) => releaseMetadata[`${name}@${version}`] ?? null,
    support: () => null,
  };
}

/** Parses a requirements file and runs the editor's analysis on it, as the server does. */
function analyse(text: string, snapshot: IndexSnapshot) {
  const file = "/p/requirements.txt";
  const tree = parseRequirementsTree(file, memoryReader({ [file]: text }), { env: {} });
  const own = tree.requirements.filter((r) => r.file === file);
  const raw = [...analyzeFile(tree, file), ...indexFindings(own, snapshot)];
  const findings = dependencyFindings(raw, tree, file, snapshot, { targets });
  const parsed = tree.files[file];
  assert.ok(parsed);
  const hover = (offset: number): string => hoverAt(parsed, offset, { index: snapshot, tree, targets })?.markdown ?? "";
  return { tree, parsed, findings, hover, file };
}

/**
 * The hover with every code span replaced by `CODE`, following CommonMark: a run of backticks that
 * is not escaped opens a span, closed by the next run of the same length. Inside a span nothing is
 * Markdown, so what is left is what a renderer would interpret.
 */
function withoutCodeSpans(markdown: string): string {
  let out = "";
  let i = 0;
  while (i < markdown.length) {
    const char = markdown[i];
    if (char === "\\") {
      out += markdown.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (char !== "`") {
      out += char;
      i++;
      continue;
    }
    let run = 0;
    while (markdown[i + run] === "`") run++;
    const fence = "`".repeat(run);
    let close = markdown.indexOf(fence, i + run);
    while (close >= 0 && markdown[close + run] === "`") {
      let end = close;
      while (markdown[end] === "`") end++;
      close = markdown.indexOf(fence, end);
    }
    if (close < 0) {
      out += fence;
      i += run;
    } else {
      out += "CODE";
      i = close + run;
    }
  }
  return out;
}

/** The Markdown link targets of a hover: `](target)` where the `]` is not escaped. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const match of markdown.matchAll(/(?<!\\)\]\(([^)\s]*)\)/g)) targets.push(match[1] ?? "");
  return targets;
}

/**
 * Asserts that a hover is inert: no control characters other than its own line breaks, no raw HTML
 * or autolink (every `<` escaped), and links only to http(s).
 */
function assertInertMarkdown(markdown: string): void {
  for (const line of markdown.split("\n")) assert.doesNotMatch(line, unsafeCharacters, JSON.stringify(line));
  const outsideCode = withoutCodeSpans(markdown);
  assert.doesNotMatch(outsideCode, /(?<!\\)</, "every < outside code is escaped");
  for (const target of linkTargets(outsideCode)) assert.match(target, /^https?:\/\//, `link target ${target}`);
}

/** The hover's lines with each one's text after the first few characters dropped: its layout. */
const shape = (markdown: string): string[] => markdown.split("\n").map((line) => line.slice(0, 1));

const yankedMessage = (plain: string): string =>
  `evil-pkg 1.0 was yanked from the index (reason: "${plain}"); pip still installs it for this exact pin, with a warning.`;

describe("hostile index metadata is rendered inert", function () {
  const benign = snapshotOf(
    { "evil-pkg": readSimpleJson(simpleJson("evil-pkg", "benign"), `${indexUrl}evil-pkg/`, "evil-pkg") },
    { "evil-pkg": metadataOf(jsonApi("evil-pkg", "benign")) },
  );
  const benignHover = analyse("evil-pkg==1.0\n", benign).hover(1);

  for (const hostile of cases) {
    describe(hostile.name, () => {
      const fromJson = snapshotOf(
        { "evil-pkg": readSimpleJson(simpleJson("evil-pkg", hostile.text), `${indexUrl}evil-pkg/`, "evil-pkg") },
        { "evil-pkg": metadataOf(jsonApi("evil-pkg", hostile.text)) },
      );
      const fromHtml = snapshotOf({
        "evil-pkg": readSimpleHtml(simpleHtml("evil-pkg", hostile.text), `${indexUrl}evil-pkg/`, "evil-pkg"),
      });

      it("in a hover: escaped, without control characters, capped, same layout", () => {
        const hover = analyse("evil-pkg==1.0\n", fromJson).hover(1);
        assertInertMarkdown(hover);
        const lines = hover.split("\n");
        assert.ok(lines.includes(`- **Yanked**: ${hostile.markdown}`), hover.slice(0, 2000));
        // The summary is the same text, capped at 300 characters before escaping, in emphasis.
        const summary = lines.find((line) => line.startsWith("*") && !line.startsWith("**"));
        assert.ok(summary !== undefined && summary.endsWith("*"), hover.slice(0, 2000));
        assert.ok(summary.length < 700, `summary capped: ${summary.length}`);
        assert.deepEqual(shape(hover), shape(benignHover), "the hostile text adds no line and no block");
        assert.ok(hover.length < benignHover.length + 1500, `hover capped: ${hover.length}`);
      });

      it("in diagnostics: one plain line, capped, from Simple JSON and Simple HTML alike", () => {
        for (const snapshot of [fromJson, fromHtml]) {
          const yanked = analyse("evil-pkg==1.0\n", snapshot).findings.find((f) => f.code === "yanked");
          assert.equal(yanked?.message, yankedMessage(hostile.plain));
        }
      });

      it("in the yanked-in-range hover line and version completions", () => {
        const hover = analyse("evil-pkg<=2.0\n", fromJson).hover(1);
        assertInertMarkdown(hover);
        const line = hover.split("\n").find((l) => l.startsWith("- Yanked releases this line admits: `1.0` ("));
        assert.ok(line !== undefined, hover.slice(0, 2000));
        assert.ok(line.length < 400, `capped: ${line.length}`);
        const view = fromJson.view("evil-pkg");
        assert.ok(view);
        const detail = versionCompletions(view.releases, targets, () => null).find((c) => c.version === "1.0")?.detail;
        assert.doesNotMatch(String(detail), unsafeCharacters);
        assert.ok(String(detail).startsWith(`2020-01-01 · yanked: ${hostile.plain.slice(0, 60)}`), detail);
        assert.ok(String(detail).length <= 120, `capped: ${String(detail).length}`);
      });

      it("in GitHub annotations and SARIF: one workflow command per finding, data escaped", () => {
        const finding = analyse("evil-pkg==1.0\n", fromJson).findings.find((f) => f.code === "yanked");
        assert.ok(finding);
        const diagnostic = {
          code: finding.code,
          severity: finding.severity,
          message: finding.message,
          file: "requirements.txt",
          range: { start: { line: 0, character: 8 }, end: { line: 0, character: 13 } },
          package: finding.package,
        };
        const github = formatGithub([diagnostic]);
        assert.equal(github.split("\n").length, 2, "exactly one line");
        assert.ok(github.startsWith("::warning file=requirements.txt,line=1,col=9,endLine=1,endColumn=14,title="));
        const data = github.slice(github.indexOf("::", 2) + 2, -1);
        assert.doesNotMatch(data, unsafeCharacters);
        assert.equal(
          data.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%"),
          yankedMessage(hostile.plain),
        );
        const sarif = formatSarif([diagnostic], { name: "t", version: "0", informationUri: "https://t.example" }, []);
        assert.equal(sarif.runs[0]?.results[0]?.message.text, yankedMessage(hostile.plain));
      });

      it("in a lock-file hover and the vulnerable finding", () => {
        const lockText = [
          "[[package]]",
          'name = "evil-pkg"',
          'version = "1.0"',
          'description = ""',
          "optional = false",
          'python-versions = "*"',
          "files = []",
          "",
          "[metadata]",
          'lock-version = "2.1"',
          'python-versions = "^3.8"',
          'content-hash = "0"',
          "",
        ].join("\n");
        const lock = parsePoetryLock(lockText);
        const advisory = metadataOf(
          JSON.stringify({
            info: { name: "evil-pkg", version: "1.0", summary: hostile.text },
            vulnerabilities: [
              {
                id: `PYSEC-1${hostile.text.slice(0, 2000)}`,
                aliases: [hostile.text.slice(0, 2000)],
                summary: hostile.text,
                details: hostile.text,
                fixed_in: [hostile.text.slice(0, 2000)],
                link: "javascript:alert(1)",
                withdrawn: null,
              },
            ],
          }),
        );
        const snapshot = snapshotOf(
          { "evil-pkg": readSimpleJson(simpleJson("evil-pkg", hostile.text), `${indexUrl}evil-pkg/`, "evil-pkg") },
          { "evil-pkg": metadataOf(jsonApi("evil-pkg", hostile.text)) },
          { "evil-pkg@1.0": advisory },
        );
        const hover = lockHoverAt(lock, lockText.indexOf("evil-pkg") + 1, snapshot, targets)?.markdown ?? "";
        assertInertMarkdown(hover);
        assert.ok(hover.split("\n").includes(`- **Yanked**: ${hostile.markdown}`), hover.slice(0, 2000));
        const vulnerability = hover.split("\n").find((line) => line.startsWith("- **Vulnerability** "));
        assert.ok(vulnerability !== undefined && vulnerability.length < 1500, `capped: ${vulnerability?.length}`);
        const findings = lockFindings(lock, snapshot, { targets });
        for (const finding of findings) {
          assert.doesNotMatch(finding.message, unsafeCharacters, finding.code);
          assert.ok(finding.message.length < 1000, `${finding.code} capped: ${finding.message.length}`);
        }
        // `outdated` is off in lock files unless pinsight.locks.outdated is set.
        assert.deepEqual(findings.map((f) => f.code).sort(), ["vulnerable", "yanked"]);
      });
    });
  }
});

describe("hostile versions and upload times from an index", () => {
  // A file name read from the index decides the release's version. packaging strips Python
  // whitespace around a version, so "9.9\n" and "2.5\u001c" are valid releases 9.9 and 2.5 — whose
  // spelling must not carry the line break into messages, hints, completions or edits.
  const pageText = JSON.stringify({
    meta: { "api-version": "1.1" },
    files: [
      { filename: "evil_pkg-1.0.tar.gz", url: "https://f.example/a.tar.gz", "upload-time": "<b>x</b>yz-2020" },
      { filename: "evil_pkg-2.0.tar.gz", url: "https://f.example/b.tar.gz", "upload-time": "\u001b[31m2021-01-01" },
      {
        filename: "evil_pkg-2.5\u001c-py3-none-any.whl",
        url: "https://f.example/c.whl",
        "upload-time": "2022-01-01T00:00:00Z",
      },
      {
        filename: "evil_pkg-9.9\n.tar.gz",
        url: "https://f.example/evil_pkg-9.9%0A.tar.gz",
        "upload-time": "2023-05-01",
      },
      { filename: "evil_pkg-1.0<script>alert(1)</script>.tar.gz", url: "https://f.example/d.tar.gz" },
      { filename: "evil_pkg-3.0\u001b[2J.tar.gz", url: "https://f.example/e.tar.gz" },
    ],
  });
  const htmlText = `<a href="https://f.example/evil_pkg-9.9%0A.tar.gz">x</a><a href="https://f.example/evil_pkg-1.0%3Cscript%3E.tar.gz">y</a>`;
  const snapshot = snapshotOf({ "evil-pkg": readSimpleJson(pageText, `${indexUrl}evil-pkg/`, "evil-pkg") });

  it("reads valid versions with their surrounding whitespace stripped, and keeps invalid ones as legacy", () => {
    const view = snapshot.view("evil-pkg");
    assert.deepEqual(
      view?.releases.map((r) => [r.version, r.legacy]),
      [
        ["9.9", false],
        ["2.5", false],
        ["2.0", false],
        ["1.0", false],
        // Legacy versions sort after all others, by their text.
        ["3.0\u001b[2J", true],
        ["1.0<script>alert(1)</script>", true],
      ],
    );
    const html = snapshotOf({ "evil-pkg": readSimpleHtml(htmlText, `${indexUrl}evil-pkg/`, "evil-pkg") });
    assert.deepEqual(
      html.view("evil-pkg")?.releases.map((r) => r.version),
      ["9.9", "1.0<script>"],
    );
  });

  it("shows an upload time only when it is one", () => {
    const view = snapshot.view("evil-pkg");
    assert.deepEqual(
      view?.releases.map((r) => r.uploadTime),
      ["2023-05-01", "2022-01-01T00:00:00Z", null, null, null, null],
    );
  });

  it("puts only the clean version into messages, hovers, inlay hints, completions and pin edits", () => {
    const ranged = analyse("evil-pkg>=1.0\n", snapshot);
    const range = ranged.findings.find((f) => f.code === "range");
    assert.equal(
      range?.message,
      '">=1.0" admits 4 releases of evil-pkg: a fresh install picks 9.9 (released 2023-05-01) on Python 3.12.',
    );
    assert.ok(range?.fix);
    const fixes = fixesFor(range.fix, ranged.parsed);
    assert.deepEqual(
      fixes.map((f) => [f.title, f.edits.map((e) => e.newText)]),
      [["Pin to 9.9 (supports Python 3.12)", ["==9.9"]]],
    );
    assert.deepEqual(
      versionHints(ranged.tree, ranged.file, snapshot, targets).map((h) => [h.label, h.tooltip]),
      [[" → 9.9", "A fresh pip install on Python 3.12 picks 9.9 (released 2023-05-01)."]],
    );
    const view = snapshot.view("evil-pkg");
    assert.ok(view);
    assert.deepEqual(
      versionCompletions(view.releases, targets, () => null).map((c) => [c.version, c.detail]),
      [
        ["9.9", "2023-05-01"],
        ["2.5", "2022-01-01"],
        ["2.0", ""],
        ["1.0", ""],
      ],
    );
    const pinned = analyse("evil-pkg==2.0\n", snapshot);
    const outdated = pinned.findings.find((f) => f.code === "outdated");
    assert.equal(outdated?.message, "evil-pkg 2.0 is pinned; the newest release is 9.9 (2023-05-01).");
    const hover = pinned.hover(1);
    assertInertMarkdown(hover);
    assert.ok(hover.includes("- Latest release: `9.9` (uploaded 2023-05-01)"), hover);
    assert.ok(hover.includes("- Pinned release `2.0`\n"), "no upload date from a hostile upload-time");
  });

  it("shows a legacy version only inside inline code, without its control characters", () => {
    const arbitrary = analyse("evil-pkg===3.0\u001b[2J\n", snapshot);
    const hover = arbitrary.hover(1);
    assertInertMarkdown(hover);
    const legacy = analyse("evil-pkg===1.0<script>alert(1)</script>\n", snapshot);
    assertInertMarkdown(legacy.hover(1));
  });
});

describe("a hostile body that is not a page at all", () => {
  // Node's JSON.parse quotes the start of the body in its message, and the reader passes the message
  // on: an index can put text of its choosing into the "could not reach the index" hover and message.
  const body = "\u001b[2J<script>alert(1)</script>[x](command:evil)";
  const result = readSimpleJson(body, `${indexUrl}evil-pkg/`, "evil-pkg");

  it("is reported inert in the hover and the index-unreachable diagnostic", () => {
    assert.ok(!result.ok);
    const error = result.error;
    const view = mergePackage("evil-pkg", [
      { index: indexUrl, answer: { kind: "error", message: error }, fetchedAt: null, stale: true, lastError: error },
    ]);
    const snapshot: IndexSnapshot = {
      indexes: [{ display: indexUrl, role: "primary", source: "PIP_INDEX_URL", isPrivate: true }],
      view: () => view,
    };
    const { findings, hover } = analyse("evil-pkg==1.0\n", snapshot);
    const markdown = hover(1);
    assertInertMarkdown(markdown);
    // The wording of the JSON error is V8's; what matters is that the quoted body arrives inert.
    const line = markdown.split("\n").find((row) => row.startsWith("Could not reach the index: ")) ?? "";
    assert.ok(line.startsWith("Could not reach the index: idx.example: invalid JSON ("), markdown);
    assert.ok(line.includes("\\[2J\\<scrip"), line);
    const unreachable = findings.find((f) => f.code === "index-unreachable")?.message ?? "";
    assert.match(
      unreachable,
      /^Could not reach the package index \(idx\.example: invalid JSON \(.*\)\)\. Version checks/,
    );
    assert.ok(unreachable.includes(" [2J<scrip"), unreachable);
    assert.doesNotMatch(unreachable, unsafeCharacters);
  });
});

describe("hostile project URLs in a hover", () => {
  const table: readonly { label: string; url: string; link: string | null }[] = [
    { label: "Run", url: "command:workbench.action.terminal.new", link: null },
    { label: "JS", url: "javascript:alert(1)", link: null },
    { label: "JS upper", url: " JAVASCRIPT:alert(1)", link: null },
    { label: "JS entity", url: "&#106;avascript:alert(1)", link: null },
    { label: "Data", url: "data:text/html,<script>alert(1)</script>", link: null },
    { label: "File", url: "file:///etc/passwd", link: null },
    { label: "VBScript", url: "vbscript:msgbox(1)", link: null },
    { label: "Relative", url: "/relative/path", link: null },
    {
      label: "Docs](command:x)",
      url: "https://docs.example/a (b)",
      link: "[Docs\\](command:x)](https://docs.example/a%20%28b%29)",
    },
    {
      label: "Quote",
      url: 'https://ok.example/x"onmouseover="alert(1)',
      link: "[Quote](https://ok.example/x%22onmouseover=%22alert%281%29)",
    },
    {
      label: "Markdown title",
      url: 'https://ok.example/ "title"',
      link: "[Markdown title](https://ok.example/%20%22title%22)",
    },
    { label: "Credentials", url: "https://user:pw@ok.example/", link: "[Credentials](https://ok.example/)" },
    {
      label: "\u202Eevil\u001b[31m<b>",
      url: "http://ok.example/l",
      link: "[evil\\[31m\\<b\\>](http://ok.example/l)",
    },
    { label: " \u0000 ", url: "https://blank.example/", link: "[blank.example](https://blank.example/)" },
    { label: "L".repeat(100_000), url: "https://long.example/", link: `[${"L".repeat(60)}](https://long.example/)` },
  ];
  const indexLink = "[idx.example](https://idx.example/simple/evil-pkg/)";

  for (const row of table) {
    it(`${JSON.stringify(row.url.slice(0, 50))} labelled ${JSON.stringify(row.label.slice(0, 20))}`, () => {
      const snapshot = snapshotOf(
        { "evil-pkg": readSimpleJson(simpleJson("evil-pkg", "r"), `${indexUrl}evil-pkg/`, "evil-pkg") },
        { "evil-pkg": metadataOf(jsonApi("evil-pkg", "s", { [row.label]: row.url })) },
      );
      const hover = analyse("evil-pkg==2.0\n", snapshot).hover(1);
      assertInertMarkdown(hover);
      const links = hover.split("\n").find((line) => line.startsWith(`- ${indexLink}`));
      assert.equal(links, row.link === null ? `- ${indexLink}` : `- ${indexLink} · ${row.link}`);
    });
  }
});

describe("hostile index metadata through the CLI (fixture index on loopback)", function () {
  this.timeout(20_000);
  let index: FixtureIndex;
  let dir: string;
  const names = cases.map((_, i) => `evil-${i}`);

  before(async () => {
    index = await startFixtureIndex();
    for (const [i, hostile] of cases.entries()) {
      const name = names[i] ?? "";
      index.addProject(name, {
        files: [],
        simpleJson: simpleJson(name, hostile.text),
        jsonApi: jsonApi(name, hostile.text, {
          [hostile.text.slice(0, 200)]: `javascript:${hostile.text.slice(0, 50)}`,
        }),
      });
    }
    index.addProject("evil-versions", {
      files: [],
      simpleJson: JSON.stringify({
        meta: { "api-version": "1.1" },
        files: [
          {
            filename: "evil_versions-1.0.tar.gz",
            url: "https://f.example/a.tar.gz",
            yanked: cases.map((c) => c.text.slice(0, 300)).join(" "),
            "upload-time": "\u001b[31m<b>2020</b>",
          },
          {
            filename: "evil_versions-9.9\n.tar.gz",
            url: "https://f.example/b.tar.gz",
            "requires-python": ">=3\u001b[2J",
          },
          { filename: "evil_versions-1.0\u001b[2J<script>.tar.gz", url: "https://f.example/c.tar.gz" },
          { filename: "evil_versions-0.1\u202egpj.exe.zip", url: "https://f.example/d.zip" },
        ],
      }),
    });
    dir = tempDir("pinsight-hostile-cli-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), names.map((name) => `${name}==1.0\n`).join(""));
  });
  after(async () => index.close());

  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      cwd: dir,
      env: { PIP_CONFIG_FILE: os.devNull, PIP_INDEX_URL: index.simpleUrl },
      home: dir,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  }

  interface JsonDiagnostic {
    code: string;
    line: number;
    message: string;
  }

  it("text: one line per finding, control characters removed, capped", async () => {
    const { stdout, stderr } = await run(["check", "--python", "3.12", "requirements.txt"]);
    assert.equal(stderr, "");
    assert.doesNotMatch(stdout.replace(/\n/g, ""), unsafeCharacters);
    const lines = stdout.trimEnd().split("\n");
    for (const [i, hostile] of cases.entries()) {
      const name = names[i] ?? "";
      const expected = `requirements.txt:${i + 1}:${name.length + 1}: warning [yanked] ${yankedMessage(hostile.plain).replace("evil-pkg", name)}`;
      assert.ok(lines.includes(expected), `${hostile.name}: ${expected}\n${stdout.slice(0, 3000)}`);
    }
    // A heading line, two findings per requirement (yanked, outdated), the summary line.
    assert.equal(lines.length, 1 + 2 * cases.length + 1, stdout.slice(0, 3000));
  });

  it("json and sarif: the same messages, parseable, without raw control characters", async () => {
    const json = await run(["check", "--format", "json", "--python", "3.12", "requirements.txt"]);
    assert.doesNotMatch(json.stdout.replace(/\n/g, ""), unsafeCharacters);
    const parsed = JSON.parse(json.stdout) as { files: { diagnostics: JsonDiagnostic[] }[] };
    const yanked = parsed.files[0]?.diagnostics.filter((d) => d.code === "yanked") ?? [];
    assert.deepEqual(
      yanked.map((d) => d.message),
      cases.map((c, i) => yankedMessage(c.plain).replace("evil-pkg", names[i] ?? "")),
    );
    const sarif = await run(["check", "--format", "sarif", "--python", "3.12", "requirements.txt"]);
    assert.doesNotMatch(sarif.stdout.replace(/\n/g, ""), unsafeCharacters);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] };
    assert.deepEqual(
      log.runs[0]?.results.filter((r) => r.ruleId === "yanked").map((r) => r.message.text),
      yanked.map((d) => d.message),
    );
  });

  it("github: exactly one workflow command per finding, nothing injected", async () => {
    const { stdout } = await run(["check", "--format", "github", "--python", "3.12", "requirements.txt"]);
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2 * cases.length);
    for (const line of lines) {
      assert.match(
        line,
        /^::(warning|notice) file=requirements\.txt,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=Pinsight \([a-z-]+\)::[^\r\n]*$/,
      );
      assert.doesNotMatch(line, unsafeCharacters);
    }
    const injected = lines.find((line) => line.includes("pwned"));
    assert.ok(
      injected !== undefined && injected.startsWith("::warning "),
      "the workflow command sits inside the data of a warning",
    );
    assert.ok(injected.includes("done ::error file=evil.txt,line=1::pwned%250A::warning::x"), injected);
  });

  it("versions: hostile versions, yank reasons and upload times, as text and JSON", async () => {
    const text = await run(["versions", "evil-versions", "--python", "3.12"]);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout.replace(/\n/g, ""), unsafeCharacters);
    const lines = text.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 7, text.stdout);
    assert.match(lines[2] ?? "", /^9\.9 {2,}>=3 \[2J {2,}- {2,}yes {2,}sdist$/);
    assert.match(lines[3] ?? "", /^1\.0 \(yanked\) {2,}- {2,}- {2,}yes {2,}sdist$/);
    assert.ok((lines[4] ?? "").startsWith("    yanked: [x](command:workbench.action.terminal.new) <img src=x"));
    assert.ok((lines[4] ?? "").length <= 4 + 8 + 200, `capped: ${lines[4]?.length}`);
    assert.match(lines[5] ?? "", /^1\.0 \[2J<script> {2,}- {2,}- {2,}yes {2,}sdist$/);
    assert.match(lines[6] ?? "", /^0\.1 gpj\.exe {2,}- {2,}- {2,}yes {2,}sdist$/);
    const json = await run(["versions", "evil-versions", "--format", "json"]);
    assert.doesNotMatch(json.stdout.replace(/\n/g, ""), unsafeCharacters);
    const report = JSON.parse(json.stdout) as {
      releases: { version: string; yankedReason: string | null; uploadTime: string | null }[];
    };
    assert.deepEqual(
      report.releases.map((r) => [r.version, r.uploadTime]),
      [
        ["9.9", null],
        ["1.0", null],
        ["1.0\u001b[2J<script>", null],
        // JSON keeps the data: the override is written as an escape, which a JSON reader decodes.
        ["0.1\u202egpj.exe", null],
      ],
    );
    assert.ok(json.stdout.includes('"0.1\\u202egpj.exe"'), "written as \\u202e, not raw");
    const reason = report.releases[1]?.yankedReason ?? "";
    assert.doesNotMatch(reason, unsafeCharacters);
    assert.ok(reason.length <= 1000, `capped: ${reason.length}`);
  });

  it("text: a hostile requirements file (a pull request in CI) cannot drive the terminal", async () => {
    fs.writeFileSync(
      path.join(dir, "marker.txt"),
      'evil-0==2.0 ; python_version < "3" and os_name == "\u001b[2J\u001b]0;title\u0007\u202e"\n',
    );
    const { stdout } = await run(["check", "--python", "3.12", "marker.txt"]);
    assert.doesNotMatch(stdout.replace(/\n/g, ""), unsafeCharacters);
    assert.ok(
      stdout.includes(
        'marker.txt:1:1: hint [not-applicable] Skipped on Python 3.12 (target from --python): the marker "python_version < "3" and os_name == " [2J ]0;title "" excludes it',
      ),
      stdout,
    );
    const json = await run(["check", "--format", "json", "--python", "3.12", "marker.txt"]);
    assert.doesNotMatch(json.stdout.replace(/\n/g, ""), unsafeCharacters);
    assert.ok(json.stdout.includes("\\u001b[2J\\u001b]0;title\\u0007\\u202e"), json.stdout);
  });

  it("pin: writes only the clean version", async () => {
    fs.writeFileSync(path.join(dir, "pin.txt"), "evil-versions>=1.0\n");
    const { code, stdout } = await run(["pin", "--python", "3.12", "pin.txt"]);
    assert.equal(code, 0);
    assert.equal(stdout, "--- a/pin.txt\n+++ b/pin.txt\n@@ -1,1 +1,1 @@\n-evil-versions>=1.0\n+evil-versions==9.9\n");
  });
});
