import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  CodeAction,
  Diagnostic,
  Hover,
  InlayHint,
  Location,
  MarkupContent,
  TextEdit,
} from "vscode-languageserver-protocol/node";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { poetryLockText as lockText, pyprojectText } from "../support/poetryProject";
import { isolatedEnv, startClient, type TestClient, pushCapabilities, byCode, applyEdits } from "./lspClient";

/**
 * Lock files and manifests through the real server: a Poetry project whose poetry.lock pins a yanked
 * black with one tampered hash, and whose pyproject.toml has drifted from the lock.
 */

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
    client = await startClient(dir, pushCapabilities, undefined, isolatedEnv(), {
      pythonVersion: "3.12",
      // Poetry, uv, PDM and pipenv files do not use pip's configuration (PIP_INDEX_URL): the setting.
      index: { url: index.simpleUrl },
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
    const slice = (d: Diagnostic | undefined) => {
      const lines = pyprojectText.split("\n");
      return (lines[d?.range.start.line ?? -1] ?? "").slice(d?.range.start.character, d?.range.end.character);
    };
    // Packages' data arrives one by one: wait for pytest's own line to know what it resolves to.
    const published = await client.waitForDiagnostics(
      uri,
      (p) =>
        byCode(p.diagnostics, "lock-missing").length > 0 &&
        byCode(p.diagnostics, "range").some(
          (d) => slice(d) === ">=7" && /a fresh install picks/.test(String(d.message)) && d.data !== undefined,
        ),
    );
    assert.equal(slice(byCode(published.diagnostics, "lock-missing")[0]), "snowballstemmer");
    assert.equal(slice(byCode(published.diagnostics, "lock-drift")[0]), "^22.1");
    const range = byCode(published.diagnostics, "range").find((d) => slice(d) === ">=7");
    assert.ok(range, JSON.stringify(published.diagnostics.map((d) => [d.code, slice(d)])));
    const hints = (await client.connection.sendRequest("textDocument/inlayHint", {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
    })) as InlayHint[];
    const pytestLine = pyprojectText.split("\n").indexOf('pytest = ">=7"');
    const hint = hints.find((h) => h.position.line === pytestLine);
    assert.deepEqual(
      hint?.position,
      { line: pytestLine, character: 'pytest = ">=7"'.length },
      "after the closing quote",
    );
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

const wheel = "0b1f66cbfadcd332ceeaeecf6373d9991d451868d2e2219ad0ac1213fb701117";
const wheelUrl = "https://files.pythonhosted.org/packages/black-21.11b0-py3-none-any.whl";

/** One small lock per format, each locking the yanked black 21.11b0 (required by nothing) and pytest. */
const formats: { name: string; languageId: string; text: string; pytestRequiredBy: boolean }[] = [
  {
    name: "Pipfile.lock",
    languageId: "json",
    pytestRequiredBy: false,
    text: JSON.stringify(
      {
        _meta: {
          hash: { sha256: "0" },
          "pipfile-spec": 6,
          requires: { python_version: "3.12" },
          sources: [{ name: "pypi", url: "https://pypi.org/simple", verify_ssl: true }],
        },
        default: { black: { hashes: [`sha256:${wheel}`], index: "pypi", version: "==21.11b0" } },
        develop: { pytest: { hashes: [], version: "==7.4.0" } },
      },
      null,
      4,
    ),
  },
  {
    name: "uv.lock",
    languageId: "toml",
    pytestRequiredBy: true,
    text: `version = 1
revision = 3
requires-python = ">=3.8"

[[package]]
name = "black"
version = "21.11b0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "pytest" },
]
wheels = [
    { url = "${wheelUrl}", hash = "sha256:${wheel}" },
]

[[package]]
name = "pytest"
version = "7.4.0"
source = { registry = "https://pypi.org/simple" }
`,
  },
  {
    name: "pdm.lock",
    languageId: "toml",
    pytestRequiredBy: true,
    text: `# This file is @generated by PDM.
# It is not intended for manual editing.

[metadata]
groups = ["default"]
strategy = ["inherit_metadata"]
lock_version = "4.5.0"
content_hash = "sha256:0"

[[metadata.targets]]
requires_python = ">=3.8"

[[package]]
name = "black"
version = "21.11b0"
requires_python = ">=3.6.2"
summary = "The uncompromising code formatter."
groups = ["default"]
dependencies = [
    "pytest>=7",
]
files = [
    {file = "black-21.11b0-py3-none-any.whl", hash = "sha256:${wheel}"},
]

[[package]]
name = "pytest"
version = "7.4.0"
requires_python = ">=3.7"
summary = "pytest: simple powerful testing with Python"
groups = ["default"]
files = []
`,
  },
  {
    name: "pylock.toml",
    languageId: "toml",
    pytestRequiredBy: true,
    text: `lock-version = "1.0"
requires-python = ">=3.8"
created-by = "pinsight-test"

[[packages]]
name = "black"
version = "21.11b0"
index = "https://pypi.org/simple"
dependencies = [{ name = "pytest" }]

[[packages.wheels]]
name = "black-21.11b0-py3-none-any.whl"
url = "${wheelUrl}"
hashes = { sha256 = "${wheel}" }

[[packages]]
name = "pytest"
version = "7.4.0"
index = "https://pypi.org/simple"
`,
  },
];

describe("every lock format through the server (fixture index)", function () {
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

  for (const format of formats) {
    it(`${format.name}: the yanked pin on its version, and a hover that says why pytest is there`, async () => {
      const dir = tempDir("pinsight-lock-format-");
      fs.writeFileSync(path.join(dir, format.name), format.text);
      client = await startClient(dir, pushCapabilities, undefined, isolatedEnv(), {
        pythonVersion: "3.12",
        index: { url: index.simpleUrl },
      });
      const uri = `file://${path.join(dir, format.name)}`;
      await client.connection.sendNotification("textDocument/didOpen", {
        textDocument: { uri, languageId: format.languageId, version: 1, text: format.text },
      });
      const published = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "yanked").length > 0);
      const yanked = byCode(published.diagnostics, "yanked")[0];
      const lines = format.text.split("\n");
      const line = lines[yanked?.range.start.line ?? -1] ?? "";
      assert.equal(line.slice(yanked?.range.start.character, yanked?.range.end.character), "21.11b0");
      assert.equal(byCode(published.diagnostics, "hash-mismatch").length, 0, "the genuine hash matches the index");
      // The pytest entry's own name: `"pytest": {` in JSON, `name = "pytest"` in TOML.
      const pytestLine = lines.findIndex((l) => /^\s*"pytest": \{|^name = "pytest"$/.test(l));
      const hover = (await client.connection.sendRequest("textDocument/hover", {
        textDocument: { uri },
        position: { line: pytestLine, character: lines[pytestLine]?.indexOf("pytest") ?? 0 },
      })) as Hover | null;
      const value = (hover?.contents as MarkupContent | undefined)?.value ?? "";
      assert.match(value, /\*\*pytest\*\* `7\.4\.0` — locked in /, `hover at ${pytestLine}: ${value}`);
      if (format.pytestRequiredBy) assert.match(value, /Why it is here:\n {2}- black 21\.11b0 requires pytest/);
      else assert.match(value, /A direct dependency of the project/);
    });
  }
});

describe("pip-compile output through the server (fixture index)", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  let client: TestClient | undefined;
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => {
    await client?.stop();
    await index.close();
  });

  it("hovers a compiled line with why it is there, from the # via comments", async () => {
    const text = [
      "#",
      "# This file is autogenerated by pip-compile with Python 3.12",
      "# by the following command:",
      "#",
      "#    pip-compile requirements.in",
      "#",
      "black==21.11b0",
      "    # via -r requirements.in",
      "pytest==7.4.0",
      "    # via black",
      "",
    ].join("\n");
    const dir = tempDir("pinsight-pip-compile-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), text);
    fs.writeFileSync(path.join(dir, "requirements.in"), "pytz\nblack\n");
    client = await startClient(dir, pushCapabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }), {
      pythonVersion: "3.12",
    });
    const uri = `file://${path.join(dir, "requirements.txt")}`;
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "yanked").length > 0);
    const hover = (await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri },
      position: { line: 8, character: 2 },
    })) as Hover;
    assert.match(
      (hover.contents as MarkupContent).value,
      /Why it is here:\n {2}- black 21\.11b0 requires pytest ← requirements\.in line 2/,
    );
  });
});
