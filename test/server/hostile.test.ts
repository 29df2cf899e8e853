import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  Hover,
  InlayHint,
  MarkupContent,
  TextDocumentEdit,
} from "vscode-languageserver-protocol/node";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { isolatedEnv, startClient, type TestClient, pushCapabilities } from "./lspClient";

/**
 * A hostile package index through the real server: the fixture index serves a project whose summary,
 * yank reason, project URLs, upload times and file names are attacks on the renderers (Markdown
 * links to `command:` and `javascript:`, HTML, ANSI escapes, bidirectional overrides, line breaks, a
 * megabyte of text). Every answer the editor gets — diagnostics, hovers, inlay hints, quick fixes,
 * completions — must be inert: escaped, single-line, capped, and linking to http(s) only.
 */

// eslint-disable-next-line no-control-regex -- the test looks for control characters on purpose.
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const attack = [
  "[run](command:workbench.action.terminal.new) <img src=x onerror=alert(1)> <script>alert(1)</script>",
  "[js](javascript:alert(1)) ![d](data:image/svg+xml;base64,PHN2Zz4=) ```fence``` | a | b |",
  "# Heading",
  "\u001b[31mred\u001b[0m \u0000\u0007 \u202Eexe.txt\u202C",
  "::error file=x::pwned%0A",
].join("\r\n");
const megabyte = `${attack} ${"A".repeat(1_000_000)}`;

function hostileProject(): { simpleJson: string; jsonApi: string } {
  const file = (filename: string, extra: Record<string, unknown> = {}) => ({
    filename,
    url: `https://files.example/${encodeURIComponent(filename)}`,
    hashes: {},
    ...extra,
  });
  return {
    simpleJson: JSON.stringify({
      meta: { "api-version": "1.1" },
      name: "evil-pkg",
      files: [
        file("evil_pkg-1.0.tar.gz", { yanked: megabyte, "upload-time": "<b>x</b>yz-2020" }),
        file("evil_pkg-2.0.tar.gz", { "upload-time": "\u001b[31m2021-01-01", "requires-python": ">=3\u001b[2J" }),
        // packaging reads "9.9\n" as 9.9: the newest release, with a line break in its spelling.
        file("evil_pkg-9.9\n.tar.gz", { "upload-time": "2023-05-01T00:00:00Z" }),
        file("evil_pkg-1.0<script>alert(1)</script>.tar.gz"),
      ],
    }),
    jsonApi: JSON.stringify({
      info: {
        name: "evil-pkg",
        version: "9.9",
        summary: megabyte,
        home_page: "javascript:alert(1)",
        project_urls: {
          "Run](command:workbench.action.terminal.new)": "command:workbench.action.terminal.new",
          Data: "data:text/html,<script>alert(1)</script>",
          File: "file:///etc/passwd",
          "Docs\u202E\u001b[31m": "https://docs.example/a (b)",
        },
        classifiers: [],
        requires_dist: null,
      },
      vulnerabilities: [],
    }),
  };
}

/** Link targets outside code spans: `](target)` with an unescaped `]`. */
function linkTargets(markdown: string): string[] {
  const outside = markdown.replace(/(`+)[^`]*?\1/g, "");
  return [...outside.matchAll(/(?<!\\)\]\(([^)\s]*)\)/g)].map((match) => match[1] ?? "");
}

describe("language server with a hostile package index", function () {
  this.timeout(20_000);
  let index: FixtureIndex;
  let client: TestClient;
  let uri: string;
  let published: Diagnostic[];
  const text = "evil-pkg==1.0\nevil-pkg>=1.0\n";

  before(async () => {
    index = await startFixtureIndex();
    index.addProject("evil-pkg", { files: [], ...hostileProject() });
    const dir = tempDir("pinsight-hostile-ws-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), text);
    client = await startClient(
      dir,
      pushCapabilities,
      { settings: { pythonVersion: "3.12" } },
      isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }),
      { pythonVersion: "3.12" },
    );
    uri = `file://${path.join(dir, "requirements.txt")}`;
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    published = (
      await client.waitForDiagnostics(
        uri,
        (p) => p.diagnostics.some((d) => d.code === "yanked") && p.diagnostics.some((d) => d.code === "range"),
      )
    ).diagnostics;
  });
  after(async () => {
    await client.stop();
    await index.close();
  });

  it("publishes single-line, capped diagnostics without control characters", () => {
    for (const diagnostic of published) {
      const message = typeof diagnostic.message === "string" ? diagnostic.message : diagnostic.message.value;
      assert.doesNotMatch(message, unsafeCharacters, JSON.stringify(message.slice(0, 300)));
      assert.ok(message.length < 600, `${String(diagnostic.code)} capped: ${message.length}`);
    }
    const yanked = published.find((d) => d.code === "yanked");
    assert.equal(
      yanked?.message,
      'evil-pkg 1.0 was yanked from the index (reason: "[run](command:workbench.action.terminal.new) <img src=x onerror=alert(1)> <script>alert(1)</script> [js](javascript:alert(1)) ![d](data:image/svg+xml;base64,PHN2Zz4=) ```fence``` | a | b | # Heading …"); pip still installs it for this exact pin, with a warning.',
    );
    const range = published.find((d) => d.code === "range");
    // 2.0 and 9.9: the yanked 1.0 does not count, and the legacy "1.0<script>…" is never a candidate.
    assert.equal(
      range?.message,
      '">=1.0" admits 2 releases of evil-pkg: a fresh install picks 9.9 (released 2023-05-01) on Python 3.12.',
    );
  });

  it("answers hovers that are escaped, capped and link only to http(s)", async () => {
    for (const line of [0, 1]) {
      const hover = (await client.connection.sendRequest("textDocument/hover", {
        textDocument: { uri },
        position: { line, character: 2 },
      })) as Hover;
      const value = (hover.contents as MarkupContent).value;
      for (const row of value.split("\n")) assert.doesNotMatch(row, unsafeCharacters, JSON.stringify(row));
      assert.ok(value.length < 4000, `capped: ${value.length}`);
      assert.deepEqual(linkTargets(value), [`${index.simpleUrl}evil-pkg/`, "https://docs.example/a%20%28b%29"]);
      assert.ok(value.includes("[Docs\\[31m](https://docs.example/a%20%28b%29)"), value);
      assert.ok(value.includes("\n- Latest release: `9.9` (uploaded 2023-05-01)\n"), value);
      const summary = value.split("\n").find((row) => row.startsWith("*\\["));
      assert.ok(
        summary?.startsWith(
          "*\\[run\\](command:workbench.action.terminal.new) \\<img src=x onerror=alert(1)\\> \\<script\\>alert(1)\\</script\\>",
        ),
        value,
      );
      if (line === 0) {
        const yanked = value.split("\n").find((row) => row.startsWith("- **Yanked**: "));
        assert.ok(
          yanked?.includes("\\`\\`\\`fence\\`\\`\\` \\| a \\| b \\| # Heading \\[31mred\\[0m  exe.txt ::error"),
          yanked,
        );
        assert.ok(value.includes("- Pinned release `1.0`\n"), "no date from a hostile upload-time");
      }
    }
  });

  it("offers inlay hints, quick fixes and completions with the clean version only", async () => {
    const hints = (await client.connection.sendRequest("textDocument/inlayHint", {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } },
    })) as InlayHint[];
    assert.deepEqual(
      hints.map((h) => [h.position.line, h.label]),
      [
        [0, " ⬆ 9.9"],
        [1, " → 9.9"],
      ],
    );
    for (const hint of hints) assert.doesNotMatch(String(hint.tooltip), unsafeCharacters);

    const range = published.find((d) => d.code === "range");
    assert.ok(range);
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri },
      range: range.range,
      context: { diagnostics: [range] },
    })) as CodeAction[];
    const pin = actions.find((a) => a.isPreferred);
    assert.equal(pin?.title, "Pin to 9.9 (supports Python 3.12)");
    const edit = pin?.edit?.documentChanges?.[0] as TextDocumentEdit | undefined;
    assert.deepEqual(
      edit?.edits.map((e) => ("newText" in e ? e.newText : "")),
      ["==9.9"],
    );

    const completion = (await client.connection.sendRequest("textDocument/completion", {
      textDocument: { uri },
      position: { line: 0, character: 10 },
    })) as CompletionList;
    assert.deepEqual(
      completion.items.map((item) => item.label),
      ["9.9", "2.0", "1.0"],
    );
    for (const item of completion.items) {
      assert.doesNotMatch(`${item.label}${item.detail ?? ""}`, unsafeCharacters);
      assert.ok((item.detail ?? "").length < 200, `capped: ${item.detail?.length}`);
    }
  });
});
