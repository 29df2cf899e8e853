import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  ClientCapabilities,
  CodeAction,
  Diagnostic,
  Hover,
  Location,
  MarkupContent,
  TextEdit,
} from "vscode-languageserver-protocol/node";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { poetryLockText as lockText, pyprojectText } from "../support/poetryProject";
import { isolatedEnv, startClient, type TestClient } from "./lspClient";

/**
 * Lock files and manifests through the real server: a Poetry project whose poetry.lock pins a yanked
 * black with one tampered hash, and whose pyproject.toml has drifted from the lock.
 */

const capabilities: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true }, configuration: true },
  textDocument: { publishDiagnostics: { relatedInformation: false } },
};

const byCode = (diagnostics: readonly Diagnostic[], code: string) => diagnostics.filter((d) => d.code === code);

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const offset = (line: number, character: number): number => {
    let at = 0;
    for (let i = 0; i < line; i++) at = text.indexOf("\n", at) + 1;
    return at + character;
  };
  let result = text;
  for (const e of [...edits].sort(
    (a, b) => offset(b.range.start.line, b.range.start.character) - offset(a.range.start.line, a.range.start.character),
  )) {
    result =
      result.slice(0, offset(e.range.start.line, e.range.start.character)) +
      e.newText +
      result.slice(offset(e.range.end.line, e.range.end.character));
  }
  return result;
}

describe("lock files and manifests (fixture index)", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  let client: TestClient | undefined;
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => index.close());
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  async function workspace() {
    const dir = tempDir("pinsight-locks-");
    fs.writeFileSync(path.join(dir, "poetry.lock"), lockText);
    fs.writeFileSync(path.join(dir, "pyproject.toml"), pyprojectText);
    client = await startClient(dir, capabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }), {
      pythonVersion: "3.12",
    });
    const open = async (name: string, languageId: string): Promise<string> => {
      const uri = `file://${path.join(dir, name)}`;
      await client?.connection.sendNotification("textDocument/didOpen", {
        textDocument: { uri, languageId, version: 1, text: fs.readFileSync(path.join(dir, name), "utf8") },
      });
      return uri;
    };
    return { dir, client, open };
  }

  it("reports yanked and tampered hashes inside poetry.lock, drift against pyproject.toml, and hovers with why", async () => {
    const { client, open } = await workspace();
    const uri = await open("poetry.lock", "toml");
    const published = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "hash-mismatch").length > 0);
    const line = (d: Diagnostic | undefined) => lockText.split("\n")[d?.range.start.line ?? -1] ?? "";
    assert.match(line(byCode(published.diagnostics, "yanked")[0]), /^version = "21\.11b0"/);
    assert.match(line(byCode(published.diagnostics, "hash-mismatch")[0]), /black-21\.11b0\.tar\.gz/);
    assert.equal(byCode(published.diagnostics, "hash-mismatch").length, 1, "the genuine wheel hash is accepted");
    const drift = byCode(published.diagnostics, "lock-drift")[0];
    assert.equal(
      drift?.message,
      "pyproject.toml requires black>=22.1,<23.0, but 21.11b0 is locked. Run `poetry lock`.",
    );

    const lines = lockText.split("\n");
    const hover = (await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri },
      position: { line: lines.indexOf('name = "pytest"'), character: 9 },
    })) as Hover;
    const value = (hover.contents as MarkupContent).value;
    assert.match(value, /\*\*pytest\*\* `7\.4\.0` — locked in poetry\.lock/);
    assert.match(value, /Why it is here:\n {2}- black 21\.11b0 requires pytest\\>=7/);

    const definition = (await client.connection.sendRequest("textDocument/definition", {
      textDocument: { uri },
      position: { line: lines.indexOf('pytest = ">=7"'), character: 2 },
    })) as Location | null;
    assert.equal(definition?.range.start.line, lines.indexOf('name = "pytest"'));
  });

  it("checks pyproject.toml like a requirements file: drift, missing packages and a pin to the locked version", async () => {
    const { client, open } = await workspace();
    const uri = await open("pyproject.toml", "toml");
    const published = await client.waitForDiagnostics(
      uri,
      (p) =>
        byCode(p.diagnostics, "lock-missing").length > 0 &&
        byCode(p.diagnostics, "range").some((d) => /a fresh install picks/.test(String(d.message))),
    );
    const slice = (d: Diagnostic | undefined) => {
      const lines = pyprojectText.split("\n");
      return (lines[d?.range.start.line ?? -1] ?? "").slice(d?.range.start.character, d?.range.end.character);
    };
    assert.equal(slice(byCode(published.diagnostics, "lock-missing")[0]), "snowballstemmer");
    assert.equal(slice(byCode(published.diagnostics, "lock-drift")[0]), "^22.1");
    const range = byCode(published.diagnostics, "range").find((d) => slice(d) === ">=7");
    assert.ok(range, JSON.stringify(published.diagnostics.map((d) => [d.code, slice(d)])));
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri },
      range: range.range,
      context: { diagnostics: [range] },
    })) as CodeAction[];
    const locked = actions.find((a) => a.title === "Pin to locked 7.4.0 (from poetry.lock)");
    assert.ok(locked, `actions: ${actions.map((a) => a.title).join(", ")}`);
    assert.equal(locked.isPreferred, true, "the locked version is what the project was tested with");
    const change = locked.edit?.documentChanges?.[0];
    assert.ok(change && "edits" in change, JSON.stringify(locked));
    assert.match(applyEdits(pyprojectText, change.edits as TextEdit[]), /\npytest = "==7\.4\.0"\n/);
  });
});
