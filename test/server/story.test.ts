import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  CodeAction,
  CompletionList,
  Hover,
  InlayHint,
  MarkupContent,
  TextEdit,
} from "vscode-languageserver-protocol/node";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { isolatedEnv, startClient, type TestClient, pushCapabilities, byCode, applyEdits } from "./lspClient";
import { celeryStoryProjects } from "../support/storyProjects";

/**
 * The motivating story, through the real server over stdio: django-scarface unpinned on a project
 * targeting Python 2.7. pip would install 3.2.1, whose classifiers dropped 2.7 without a
 * Requires-Python; the preferred fix pins 3.1 and the error goes away.
 */

describe("story: django-scarface on Python 2.7 (fixture index)", function () {
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

  async function open(files: Record<string, string>, settings: unknown = {}) {
    const dir = tempDir("pinsight-story-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    client = await startClient(
      dir,
      pushCapabilities,
      undefined,
      isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }),
      settings,
    );
    const file = path.join(dir, "requirements.txt");
    const uri = `file://${file}`;
    const text = fs.readFileSync(file, "utf8");
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    return { uri, text, client };
  }

  it("reports python-support, pins 3.1 with the preferred fix, and the error is gone", async () => {
    const { uri, text, client } = await open({
      "requirements.txt": "django-scarface  # push notifications\n",
      ".python-version": "2.7\n",
    });
    const published = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "python-support").length > 0);
    const error = byCode(published.diagnostics, "python-support")[0];
    assert.ok(error);
    assert.equal(error.severity, 1);
    assert.equal(
      error.message,
      "pip would install 3.2.1 on Python 2.7, but django-scarface dropped Python 2.7 in 3.2 (2018-09-14; classifiers list only 3.5–3.7 and no Requires-Python declares it). Last release for 2.7: 3.1.",
    );
    const unpinned = byCode(published.diagnostics, "unpinned")[0];
    assert.match(String(unpinned?.message), /a fresh install picks 3\.2\.1 \(released 2018-10-08\) on Python 2\.7/);

    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri },
      range: error.range,
      context: { diagnostics: [error] },
    })) as CodeAction[];
    const preferred = actions.find((a) => a.isPreferred);
    assert.equal(preferred?.title, "Pin to 3.1 (supports Python 2.7)");
    const titles = actions.map((a) => a.title);
    assert.deepEqual(titles, [...new Set(titles)], "each fix once, even when two diagnostics offer it");
    assert.ok(actions.some((a) => a.title === "Add upper bound <3.2 (Python 2.7 support stops there)"));
    const change = preferred?.edit?.documentChanges?.[0];
    assert.ok(change && "edits" in change);
    const updated = applyEdits(text, change.edits as TextEdit[]);
    assert.equal(updated, "django-scarface==3.1  # push notifications\n");

    await client.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: updated }],
    });
    const after = await client.waitForDiagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(
      after.diagnostics.map((d) => d.code).filter((c) => c !== "outdated"),
      [],
      JSON.stringify(after.diagnostics),
    );

    // The bisection fetched at most ⌈log2 11⌉ + 2 per-version documents (11 final releases).
    const perVersion = index.requests.filter((r) => /^\/pypi\/django-scarface\/[^/]+\/json$/.test(r.path));
    assert.ok(perVersion.length <= 6, perVersion.map((r) => r.path).join(", "));
  });

  it("hovers with the target, what pip picks, and the support timeline; hints and completes versions", async () => {
    const { uri, client } = await open({ "requirements.txt": "django-scarface\n" }, { pythonVersion: ["2.7", "3.6"] });
    await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "python-support").length > 0);
    const hover = (await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri },
      position: { line: 0, character: 3 },
    })) as Hover;
    const value = (hover.contents as MarkupContent).value;
    assert.match(value, /Target Python `2\.7`, `3\.6` \(from pinsight\.pythonVersion\)/);
    assert.match(value, /A fresh `pip install` on Python 2\.7 picks `3\.2\.1` \(released 2018-10-08\)/);
    assert.match(
      value,
      /\| 2\.7 \| `3\.1` \| `3\.2` \(2018-09-14\) \| classifiers list only 3\.5–3\.7 — \*\*not declared\*\*/,
    );
    assert.match(value, /\| 3\.6 \| `3\.2\.1` \| — \| no drop found \|/);
    assert.ok(value.includes(`](${index.simpleUrl}django-scarface/)`), "links the project page on its index");

    const hints = (await client.connection.sendRequest("textDocument/inlayHint", {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
    })) as InlayHint[];
    assert.equal(hints.length, 1);
    assert.equal(hints[0]?.label, " → 3.2.1");
    assert.deepEqual(hints[0]?.position, { line: 0, character: 15 });

    await client.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: "django-scarface==\n" }],
    });
    const list = (await client.connection.sendRequest("textDocument/completion", {
      textDocument: { uri },
      position: { line: 0, character: 17 },
    })) as CompletionList;
    const labels = [...list.items]
      .sort((a, b) => String(a.sortText).localeCompare(String(b.sortText)))
      .map((i) => i.label);
    assert.equal(labels[0], "3.2.1");
    assert.ok(labels.indexOf("3.1") > labels.indexOf("3.2"), "newest first");
    assert.ok(labels.indexOf("4.0a4") > labels.indexOf("1.0"), "pre-releases after final releases");
    const item32 = list.items.find((i) => i.label === "3.2");
    assert.match(String(item32?.detail), /^2018-09-14 · Python 2\.7: not supported/);
  });

  it("points ⬆ at the newest release that supports the target, and looks up typed names only once typing stops", async () => {
    const { uri, client } = await open({ "requirements.txt": "django-scarface==3.0\n" }, { pythonVersion: "2.7" });
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === "outdated"));
    let hints: InlayHint[] = [];
    for (let i = 0; i < 50 && hints.length === 0; i++) {
      hints = (await client.connection.sendRequest("textDocument/inlayHint", {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
      })) as InlayHint[];
      if (hints.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(hints[0]?.label, " ⬆ 3.1", "3.2.1 is newer but dropped Python 2.7");

    index.resetLog();
    let version = 2;
    for (const text of [
      "django-scarface==3.0\nd",
      "django-scarface==3.0\ndj",
      "django-scarface==3.0\ndja",
      "django-scarface==3.0\npytz",
    ]) {
      await client.connection.sendNotification("textDocument/didChange", {
        textDocument: { uri, version: version++ },
        contentChanges: [{ text }],
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await client.waitForDiagnostics(uri, (p) =>
      p.diagnostics.some(
        (d) => d.code === "unpinned" && /pytz is not pinned: a fresh install picks/.test(String(d.message)),
      ),
    );
    const pages = index.requests.map((r) => r.path).filter((p) => p.startsWith("/simple/"));
    assert.deepEqual(pages, ["/simple/pytz/"], "partial names were never requested");
  });

  it("takes the target from .python-version, or from the environment named by pinsight.pythonEnvironment", async () => {
    const ask = async (c: TestClient, uri: string, want: string): Promise<unknown> => {
      let answer: unknown;
      for (let i = 0; i < 50; i++) {
        answer = await c.connection.sendRequest("pinsight/targetPython", { uri });
        if (JSON.stringify(answer).includes(want)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return answer;
    };
    const first = await open({ "requirements.txt": "django-scarface\n", ".python-version": "3.6.15\n" });
    assert.deepEqual(await ask(first.client, first.uri, "3.6"), {
      versions: ["3.6"],
      source: ".python-version 3.6.15",
    });
    await first.client.stop();
    client = undefined;

    const dir = tempDir("pinsight-story-env-");
    fs.mkdirSync(path.join(dir, "envs", "py38", "lib"), { recursive: true });
    fs.writeFileSync(path.join(dir, "envs", "py38", "pyvenv.cfg"), "home = /usr/bin\nversion = 3.8.10\n");
    fs.writeFileSync(path.join(dir, "requirements.txt"), "django-scarface\n");
    client = await startClient(dir, pushCapabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }), {
      pythonEnvironment: "envs/py38",
    });
    const uri = `file://${path.join(dir, "requirements.txt")}`;
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text: "django-scarface\n" },
    });
    assert.deepEqual(await ask(client, uri, "3.8"), {
      versions: ["3.8"],
      source: "pinsight.pythonEnvironment (envs/py38)",
    });
  });

  it("fades a line whose marker excludes every target", async () => {
    const { uri, client } = await open(
      { "requirements.txt": 'django-scarface==3.1 ; python_version >= "3"\n' },
      { pythonVersion: "2.7" },
    );
    const published = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "not-applicable").length > 0);
    const faded = byCode(published.diagnostics, "not-applicable")[0];
    assert.deepEqual(faded?.tags, [1]);
    assert.equal(faded?.severity, 4);
    assert.equal(byCode(published.diagnostics, "python-support").length, 0);
  });
});

describe("story: celery pinned, kombu loose (fixture index)", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  let client: TestClient | undefined;
  before(async () => {
    index = await startFixtureIndex();
    for (const [name, project] of Object.entries(celeryStoryProjects())) index.addProject(name, project);
  });
  after(async () => index.close());
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  it("says a fresh install picks kombu 4.6.11 for celery 4.1.0 and adds a pinned kombu line", async () => {
    const dir = tempDir("pinsight-story-");
    const text = "celery==4.1.0\npytz==2017.2\n";
    fs.writeFileSync(path.join(dir, "requirements.txt"), text);
    client = await startClient(dir, pushCapabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }), {
      pythonVersion: "3.6",
    });
    const uri = `file://${path.join(dir, "requirements.txt")}`;
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    const published = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "transitive-range").length > 0);
    const finding = byCode(published.diagnostics, "transitive-range")[0];
    assert.ok(finding);
    assert.equal(finding.severity, 3);
    assert.equal(
      finding.message,
      "celery 4.1.0 requires kombu<5.0,>=4.0.2: a fresh install picks kombu 4.6.11 (2020), released after celery 4.1.0 (2017). Pin kombu too.",
    );
    const actions = (await client.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri },
      range: finding.range,
      context: { diagnostics: [finding] },
    })) as CodeAction[];
    const preferred = actions.find((a) => a.isPreferred);
    assert.equal(preferred?.title, "Add kombu==4.1.0 (the newest when celery 4.1.0 came out)");
    const change = preferred?.edit?.documentChanges?.[0];
    assert.ok(change && "edits" in change);
    const updated = applyEdits(text, change.edits as TextEdit[]);
    assert.equal(updated, "celery==4.1.0\nkombu==4.1.0\npytz==2017.2\n");
    await client.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: updated }],
    });
    const after = await client.waitForDiagnostics(uri, (p) => p.version === 2);
    assert.equal(byCode(after.diagnostics, "transitive-range").length, 0, JSON.stringify(after.diagnostics));
  });
});

describe("story: a new upstream release appears while the file is open", function () {
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

  it("revalidates open documents periodically and reports the breaking release without any edit", async () => {
    const sdist = (version: string, uploadTime: string) => ({
      filename: `demo_upstream-${version}.tar.gz`,
      uploadTime,
      size: 100,
    });
    index.addProject("demo-upstream", { files: [sdist("1.0", "2024-01-01T00:00:00Z")] });
    const dir = tempDir("pinsight-story-");
    const text = "demo-upstream\n";
    fs.writeFileSync(path.join(dir, "requirements.txt"), text);
    client = await startClient(dir, pushCapabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }), {
      pythonVersion: "2.7",
      index: { revalidateMinutes: 0.005 },
    });
    const uri = `file://${path.join(dir, "requirements.txt")}`;
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    await client.waitForDiagnostics(uri, (p) =>
      p.diagnostics.some((d) => d.code === "unpinned" && /picks 1\.0 /.test(String(d.message))),
    );
    // Upstream publishes 2.0 with a Python 3-only wheel and no Requires-Python: on 2.7 pip builds the sdist.
    index.addProject("demo-upstream", {
      files: [
        sdist("1.0", "2024-01-01T00:00:00Z"),
        sdist("2.0", "2026-11-30T00:00:00Z"),
        { filename: "demo_upstream-2.0-py3-none-any.whl", uploadTime: "2026-11-30T00:00:00Z", size: 100 },
      ],
    });
    const updated = await client
      .waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "python-support").length > 0)
      .catch((e: unknown) => {
        throw new Error(
          `${String(e)}\n${client?.logs.join("\n")}\n${index.requests.map((r) => `${r.path} ${r.status}`).join("\n")}`,
        );
      });
    assert.match(String(byCode(updated.diagnostics, "unpinned")[0]?.message), /picks 2\.0 \(released 2026-11-30\)/);
    assert.match(
      String(byCode(updated.diagnostics, "python-support")[0]?.message),
      /pip would install 2\.0 on Python 2\.7, but demo-upstream dropped Python 2\.7 in 2\.0 \(2026-11-30; wheels are only for py3; pip falls back to building the sdist and no Requires-Python declares it\)\. Last release for 2\.7: 1\.0\./,
    );
    assert.ok(
      client.logs.some((l) => /Revalidating package data of 1 open document/.test(l)),
      "the revalidation is logged",
    );
  });
});
