import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { createIndexRuntime } from "../../../server/src/node/indexRuntime";
import { tempDir } from "../../support/tempDirs";

/** pip accepts `--index-url file:///…/simple`; so does Pinsight, reading the pages from disk. */
describe("local file: indexes", () => {
  function localIndex(): string {
    const root = tempDir("pinsight-file-index-");
    const project = path.join(root, "simple", "demo");
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(
      path.join(project, "index.html"),
      '<!DOCTYPE html><html><body><a href="../../files/demo-1.0.tar.gz">demo-1.0.tar.gz</a>' +
        '<a href="../../files/demo-2.0-py3-none-any.whl" data-requires-python="&gt;=3.8">demo-2.0-py3-none-any.whl</a></body></html>',
    );
    fs.mkdirSync(path.join(root, "simple", "empty-dir"));
    return `${pathToFileURL(path.join(root, "simple")).toString()}/`;
  }

  it("reads a project page from disk, and answers 'not on this index' for a missing one", async () => {
    const url = localIndex();
    const runtime = createIndexRuntime({ cacheDirectory: null, env: {}, log: () => undefined });
    try {
      const found = await runtime.client.getProject(url, "demo");
      assert.equal(found.answer.kind, "found");
      if (found.answer.kind === "found") {
        assert.deepEqual(
          found.answer.page.files.map((f) => [f.filename, f.requiresPython]),
          [
            ["demo-1.0.tar.gz", null],
            ["demo-2.0-py3-none-any.whl", ">=3.8"],
          ],
        );
        assert.ok(found.answer.page.files[0]?.url.startsWith("file:"));
      }
      assert.equal((await runtime.client.getProject(url, "missing")).answer.kind, "not-found");
      assert.equal((await runtime.client.getProject(url, "empty-dir")).answer.kind, "not-found");
    } finally {
      await runtime.close();
    }
  });
});
