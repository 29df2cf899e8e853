import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Hover, MarkupContent } from "vscode-languageserver-protocol/node";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../support/fixtureIndex";
import { isolatedEnv, startClient, type TestClient, pushCapabilities, byCode } from "./lspClient";
import { tempDir } from "../support/tempDirs";

function workspaceWith(files: Record<string, string>): string {
  const dir = tempDir("pinsight-index-ws-");
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function openFile(client: TestClient, file: string): Promise<string> {
  const uri = `file://${file}`;
  await client.connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "pip-requirements", version: 1, text: fs.readFileSync(file, "utf8") },
  });
  return uri;
}

describe("language server with a package index (fixture index on loopback)", function () {
  this.timeout(20_000);
  let index: FixtureIndex;
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => index.close());
  beforeEach(() => {
    index.setBehaviour({});
    index.resetLog();
  });

  it("reports yanked pins with the reason, unknown packages and unknown versions", async () => {
    const dir = workspaceWith({
      "requirements.txt": "black==21.11b0\npytz==1999.1\nno-such-package-pinsight==1.0\nsnowballstemmer\n",
    });
    const client = await startClient(dir, pushCapabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }));
    try {
      const uri = await openFile(client, path.join(dir, "requirements.txt"));
      const published = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "yanked").length > 0);
      const yanked = byCode(published.diagnostics, "yanked")[0];
      assert.equal(yanked?.range.start.line, 0);
      assert.match(String(yanked?.message), /21\.11b0 was yanked.*Broken regex dependency\. Use 21\.11b1 instead\./);
      // Answers may arrive in more than one refresh, so the wait is for both findings.
      const final = await client.waitForDiagnostics(
        uri,
        (p) =>
          byCode(p.diagnostics, "unknown-package").length > 0 && byCode(p.diagnostics, "unknown-version").length > 0,
      );
      assert.equal(byCode(final.diagnostics, "unknown-package")[0]?.range.start.line, 2);
      assert.equal(byCode(final.diagnostics, "unknown-version")[0]?.range.start.line, 1);
      assert.equal(byCode(final.diagnostics, "index-unreachable").length, 0);
      // One request per package per index, no matter how many analyses ran.
      const pages = index.requests.filter((r) => r.path.startsWith("/simple/"));
      const distinct = new Set(pages.map((r) => r.path));
      assert.equal(pages.length, distinct.size, `duplicate requests: ${pages.map((r) => r.path).join(", ")}`);
      assert.equal(distinct.size, 4);

      const hover = (await client.connection.sendRequest("textDocument/hover", {
        textDocument: { uri },
        position: { line: 0, character: 2 },
      })) as Hover;
      const value = (hover.contents as MarkupContent).value;
      assert.match(value, /Latest release: `\d+\.\d+/);
      assert.match(value, /\*The uncompromising code formatter\.\*/, "the summary from the JSON API");
      assert.match(value, /\[Changelog\]\(https:\/\/github\.com\/psf\/black\/blob\/main\/CHANGES\.md\)/);
      assert.match(value, /\*\*Yanked\*\*: Broken regex dependency\. Use 21\.11b1 instead\./);
      assert.ok(value.includes(index.simpleUrl), "the hover names the index");
      assert.match(value, /PIP\\_INDEX\\_URL/, `and where it came from: ${value}`);
    } finally {
      await client.stop();
    }
  });

  it("reports an unreachable index once, never as an unknown package, and recovers", async () => {
    index.setBehaviour({ status: 503 });
    const dir = workspaceWith({ "requirements.txt": "black==21.11b0\npytz\n" });
    const client = await startClient(
      dir,
      pushCapabilities,
      undefined,
      isolatedEnv({ PIP_INDEX_URL: index.simpleUrl, PINSIGHT_FAILURE_BACKOFF_MS: "300" }),
    );
    try {
      const uri = await openFile(client, path.join(dir, "requirements.txt"));
      const failed = await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "index-unreachable").length > 0);
      assert.equal(byCode(failed.diagnostics, "index-unreachable").length, 1, "one per file");
      assert.match(String(byCode(failed.diagnostics, "index-unreachable")[0]?.message), /127\.0\.0\.1:\d+: HTTP 503/);
      assert.equal(byCode(failed.diagnostics, "unknown-package").length, 0, JSON.stringify(failed.diagnostics));
      const attempts = index.requests.length;
      assert.ok(attempts <= 2 * 3, `retries are bounded (${attempts} requests)`);

      index.setBehaviour({});
      // Recovery without a restart: the failed lookups are retried after the back-off.
      await client.waitForDiagnostics(
        uri,
        (p) => byCode(p.diagnostics, "yanked").length > 0 && byCode(p.diagnostics, "index-unreachable").length === 0,
      );
    } finally {
      await client.stop();
    }
  });

  it("never contacts an index named by the workspace when the workspace is untrusted", async () => {
    const other = await startFixtureIndex();
    try {
      const dir = workspaceWith({ "requirements.txt": `-i ${other.simpleUrl}\nblack==21.11b0\n` });
      const client = await startClient(
        dir,
        pushCapabilities,
        { workspaceTrusted: false },
        isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }),
      );
      try {
        const uri = await openFile(client, path.join(dir, "requirements.txt"));
        await client.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "yanked").length > 0);
        assert.equal(other.requests.length, 0, "the workspace's index was not contacted");
        assert.ok(index.requests.length > 0, "the user's index (environment) was used");
        assert.ok(client.logs.some((l) => /ignoring index .* the workspace is not trusted/.test(l)));

        // Granting trust switches to the workspace's index.
        await client.connection.sendNotification("pinsight/workspaceTrust", { trusted: true });
        await waitFor(() => other.requests.length > 0);
      } finally {
        await client.stop();
      }
    } finally {
      await other.close();
    }
  });

  it("keeps credentials out of logs, diagnostics and hovers", async () => {
    index.setBehaviour({ status: 500 });
    const credentialed = index.simpleUrl.replace("http://", "http://alice:s3cr3t-token@");
    const dir = workspaceWith({ "requirements.txt": `-i ${credentialed}\nblack==21.11b0\n` });
    // The environment names an unused index; the file's -i replaces it, as in pip.
    const client = await startClient(
      dir,
      pushCapabilities,
      undefined,
      isolatedEnv({ PIP_INDEX_URL: "http://127.0.0.1:9/simple/" }),
    );
    try {
      const uri = await openFile(client, path.join(dir, "requirements.txt"));
      const published = await client.waitForDiagnostics(
        uri,
        (p) => byCode(p.diagnostics, "index-unreachable").length > 0,
      );
      const hover = (await client.connection.sendRequest("textDocument/hover", {
        textDocument: { uri },
        position: { line: 1, character: 2 },
      })) as Hover;
      const everything = JSON.stringify([published, hover, client.logs]);
      assert.ok(!everything.includes("s3cr3t-token"), everything);
      assert.ok(
        index.requests.some((r) => r.authorization),
        "the credentials were sent to the index itself",
      );
    } finally {
      await client.stop();
    }
  });
});

describe("language server index cache, offline mode and private indexes", function () {
  this.timeout(20_000);
  let index: FixtureIndex;
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => index.close());
  beforeEach(() => {
    index.setBehaviour({});
    index.resetLog();
  });

  it("answers a reopened project from the disk cache without any request, and clears it on command", async () => {
    const storage = tempDir("pinsight-storage-");
    const dir = workspaceWith({ "requirements.txt": "black==21.11b0\npytz\n" });
    const env = isolatedEnv({ PIP_INDEX_URL: index.simpleUrl });
    const first = await startClient(dir, pushCapabilities, { globalStoragePath: storage }, env);
    try {
      const uri = await openFile(first, path.join(dir, "requirements.txt"));
      await first.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "yanked").length > 0);
    } finally {
      await first.stop();
    }
    assert.ok(index.requests.length >= 2);
    index.resetLog();
    const second = await startClient(dir, pushCapabilities, { globalStoragePath: storage }, env);
    try {
      const uri = await openFile(second, path.join(dir, "requirements.txt"));
      await second.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, "yanked").length > 0);
      assert.equal(index.requests.filter((r) => r.path.startsWith("/simple/")).length, 0, "fresh on disk: no request");

      await second.connection.sendRequest("pinsight/clearCache");
      await waitFor(() => index.requests.some((r) => r.path === "/simple/black/"));
      assert.ok(second.logs.some((l) => /cache cleared/i.test(l)));
    } finally {
      await second.stop();
    }
  });

  it("never contacts the index with pinsight.offline, and says why data is missing", async () => {
    const dir = workspaceWith({ "requirements.txt": "black==21.11b0\n" });
    const client = await startClient(
      dir,
      pushCapabilities,
      undefined,
      isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }),
      { offline: true },
    );
    try {
      const uri = await openFile(client, path.join(dir, "requirements.txt"));
      const published = await client.waitForDiagnostics(
        uri,
        (p) => byCode(p.diagnostics, "index-unreachable").length > 0,
      );
      assert.match(String(byCode(published.diagnostics, "index-unreachable")[0]?.message), /offline/);
      assert.equal(byCode(published.diagnostics, "unknown-package").length, 0);
      assert.equal(index.requests.length, 0);
    } finally {
      await client.stop();
    }
  });

  it("reads an HTML-only index (like Artifactory or Nexus) just as well", async () => {
    index.setBehaviour({ htmlOnly: true });
    const dir = workspaceWith({ "requirements.txt": "black==21.11b0\nblack-not-here==1\n" });
    const client = await startClient(dir, pushCapabilities, undefined, isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }));
    try {
      const uri = await openFile(client, path.join(dir, "requirements.txt"));
      const published = await client.waitForDiagnostics(
        uri,
        (p) => byCode(p.diagnostics, "yanked").length > 0 && byCode(p.diagnostics, "unknown-package").length > 0,
      );
      assert.match(String(byCode(published.diagnostics, "yanked")[0]?.message), /Broken regex dependency/);
    } finally {
      await client.stop();
    }
  });

  it("warns about dependency confusion when a private extra index shares a name with the primary", async () => {
    const extra = await startFixtureIndex();
    // The private index has its own black (a file PyPI does not have); a pure mirror would not warn.
    extra.addProject("black", syntheticProject("black", ["0.0.1"]));
    try {
      const dir = workspaceWith({ "requirements.txt": "black==21.11b0\n" });
      const client = await startClient(
        dir,
        pushCapabilities,
        undefined,
        isolatedEnv({ PIP_INDEX_URL: index.simpleUrl, PIP_EXTRA_INDEX_URL: extra.simpleUrl }),
      );
      try {
        const uri = await openFile(client, path.join(dir, "requirements.txt"));
        const published = await client.waitForDiagnostics(
          uri,
          (p) => byCode(p.diagnostics, "dependency-confusion").length > 0,
        );
        assert.equal(byCode(published.diagnostics, "dependency-confusion")[0]?.range.start.line, 0);
        assert.equal(extra.requests.filter((r) => r.path === "/simple/black/").length, 1);
      } finally {
        await client.stop();
      }
    } finally {
      await extra.close();
    }
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
