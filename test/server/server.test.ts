import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { TextDocument } from "vscode-languageserver-textdocument";
import type {
  ClientCapabilities,
  CodeAction,
  Diagnostic,
  DocumentDiagnosticReport,
  DocumentLink,
  Hover,
  MarkupContent,
  TextDocumentEdit,
} from "vscode-languageserver-protocol/node";
import { startClient, type TestClient, pushCapabilities } from "./lspClient";

const workspace = path.resolve(__dirname, "../fixtures/workspaces/basic");
const requirementsPath = path.join(workspace, "requirements.txt");
const requirementsUri = `file://${requirementsPath}`;

const pullCapabilities: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true }, configuration: true, diagnostics: { refreshSupport: true } },
  textDocument: { diagnostic: { dynamicRegistration: false } },
};

function open(client: TestClient, uri: string, text: string, version = 1): Promise<void> {
  return client.connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "pip-requirements", version, text },
  });
}

function applyEdit(text: string, version: number, action: CodeAction): string {
  const change = action.edit?.documentChanges?.[0] as TextDocumentEdit | undefined;
  assert.ok(change, `action ${action.title} carries a document edit`);
  assert.equal(change.textDocument.version, version, "the edit is tied to the document version");
  const document = TextDocument.create(change.textDocument.uri, "pip-requirements", version, text);
  return TextDocument.applyEdits(
    document,
    change.edits.map((e) => {
      assert.ok("newText" in e, "plain text edits only");
      return { range: e.range, newText: e.newText };
    }),
  );
}

const codes = (diagnostics: readonly Diagnostic[]): string[] => diagnostics.map((d) => String(d.code)).sort();

describe("language server over stdio (push diagnostics, as Neovim 0.7)", function () {
  let client: TestClient;
  const text = fs.readFileSync(requirementsPath, "utf8");

  before(async () => {
    client = await startClient(workspace, pushCapabilities);
    await open(client, requirementsUri, text);
  });
  after(async () => client.stop());

  it("publishes offline diagnostics with stable codes, ranges and quick-fix data once the venv is read", async () => {
    const published = await client.waitForDiagnostics(requirementsUri, (p) =>
      p.diagnostics.some((d) => d.code === "unpinned" && d.data !== undefined),
    );
    assert.deepEqual(codes(published.diagnostics), ["duplicate", "range", "unpinned", "unpinned"]);
    for (const d of published.diagnostics) assert.equal(d.source, "pinsight");
    const range = published.diagnostics.find((d) => d.code === "range");
    assert.deepEqual(range?.range, { start: { line: 1, character: 14 }, end: { line: 1, character: 19 } });
    const requests = published.diagnostics.find((d) => d.code === "unpinned" && d.range.start.line === 2);
    assert.deepEqual(requests?.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 8 } });
    assert.match(String(requests?.message), /Installed in \.venv: 2\.31\.0/);
  });

  it("hovers a requirement with its meaning and the installed version", async () => {
    const hover = (await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri: requirementsUri },
      position: { line: 1, character: 2 },
    })) as Hover;
    const value = (hover.contents as MarkupContent).value;
    assert.match(value, /\*\*Django\*\*/);
    assert.doesNotMatch(value, /normalised/, "case alone is not worth a note");
    assert.match(value, /Extras: `bcrypt`/);
    assert.match(value, /4\.2 or newer/);
    assert.match(value, /Python/);
    assert.match(value, /Installed in \.venv: `4\.2\.11`/);
  });

  it("offers 'Pin to installed' and applies it as a versioned edit, keeping extras, marker and comment", async () => {
    const published = client.diagnostics.get(requirementsUri);
    const django = published?.diagnostics.find((d) => d.code === "range");
    assert.ok(django);
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri: requirementsUri },
      range: django.range,
      context: { diagnostics: [django] },
    })) as CodeAction[];
    const pin = actions.find((a) => a.isPreferred);
    assert.equal(pin?.title, "Pin to installed 4.2.11");
    const after = applyEdit(text, 1, pin!);
    assert.equal(after.split("\n")[1], 'Django[bcrypt]==4.2.11 ; python_version >= "3.8"  # web');
  });

  it("offers the pin-all source action", async () => {
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri: requirementsUri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ["source.fixAll.pinsight"] },
    })) as CodeAction[];
    assert.equal(actions.length, 1);
    const after = applyEdit(text, 1, actions[0]!);
    assert.deepEqual(after.split("\n").slice(1, 4), [
      'Django[bcrypt]==4.2.11 ; python_version >= "3.8"  # web',
      "requests==2.31.0",
      "flask==3.0.2",
    ]);
  });

  it("links -r targets to the included file", async () => {
    const links = (await client.connection.sendRequest("textDocument/documentLink", {
      textDocument: { uri: requirementsUri },
    })) as DocumentLink[];
    assert.equal(links.length, 1);
    assert.equal(links[0]?.target, `file://${path.join(workspace, "requirements/base.txt")}`);
  });

  it("updates diagnostics after an incremental edit", async () => {
    await client.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: requirementsUri, version: 2 },
      contentChanges: [
        { range: { start: { line: 3, character: 5 }, end: { line: 3, character: 5 } }, text: "==3.0.2" },
      ],
    });
    const published = await client.waitForDiagnostics(requirementsUri, (p) => p.version === 2);
    assert.deepEqual(codes(published.diagnostics), ["duplicate", "range", "unpinned"]);
  });

  it("survives hostile input and keeps answering", async () => {
    const uri = `file://${path.join(workspace, "hostile-requirements.txt")}`;
    const hostile = [
      "\u0000\u0000garbage\u0001\uFFFD",
      "x".repeat(1_000_000),
      `pkg; ${"(".repeat(10_000)}python_version > "3"${")".repeat(10_000)}`,
      "-r /dev/zero",
      "-r .",
      "--bogus-option",
    ].join("\n");
    await open(client, uri, hostile);
    const published = await client.waitForDiagnostics(uri, () => true, 20_000);
    assert.ok(published.diagnostics.some((d) => d.code === "syntax"));
    assert.ok(published.diagnostics.some((d) => d.code === "include-missing"));
    const hover = await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri: requirementsUri },
      position: { line: 1, character: 2 },
    });
    assert.ok(hover);
  });
});

describe("language server over stdio (pull diagnostics, as VS Code)", function () {
  let client: TestClient;
  before(async () => {
    client = await startClient(workspace, pullCapabilities);
    await open(client, requirementsUri, fs.readFileSync(requirementsPath, "utf8"));
  });
  after(async () => client.stop());

  it("answers textDocument/diagnostic with a full report and pushes nothing", async () => {
    const report = (await client.connection.sendRequest("textDocument/diagnostic", {
      textDocument: { uri: requirementsUri },
    })) as DocumentDiagnosticReport;
    assert.equal(report.kind, "full");
    assert.deepEqual(codes(report.kind === "full" ? report.items : []), ["duplicate", "range", "unpinned", "unpinned"]);
    assert.equal(client.diagnostics.size, 0);
  });

  it("honours per-code severity settings from the client", async () => {
    const settings = await startClient(
      workspace,
      { textDocument: {} },
      {
        settings: { diagnostics: { unpinned: "off", range: "hint" } },
      },
    );
    try {
      await open(settings, requirementsUri, fs.readFileSync(requirementsPath, "utf8"));
      const published = await settings.waitForDiagnostics(requirementsUri, () => true);
      assert.deepEqual(codes(published.diagnostics), ["duplicate", "range"]);
      assert.equal(published.diagnostics.find((d) => d.code === "range")?.severity, 4);
    } finally {
      await settings.stop();
    }
  });
});
