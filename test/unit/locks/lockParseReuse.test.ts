import assert from "node:assert/strict";
import * as path from "node:path";
import { ProjectState } from "../../../server/src/projectState";
import { readSettings } from "../../../server/src/settings";
import { tempDir } from "../../support/tempDirs";

const uvLock = (version: string): string =>
  [
    "version = 1",
    'requires-python = ">=3.9"',
    "",
    "[[package]]",
    'name = "idna"',
    `version = "${version}"`,
    'source = { registry = "https://pypi.org/simple" }',
    "",
  ].join("\n");

describe("lock documents in the project state", () => {
  it("parse once per version: new index data re-runs the findings, not the parse", () => {
    const file = path.join(tempDir("pinsight-lock-reuse-"), "uv.lock");
    const uri = `file://${file}`;
    let document = { text: uvLock("3.6"), version: 1 };
    const state = new ProjectState({
      documentText: (requested) => (requested === uri ? document : undefined),
      openFileText: () => undefined,
      workspaceFolders: () => [path.dirname(file)],
      environmentVariables: {},
      onStale: () => undefined,
      log: () => undefined,
    });
    const settings = readSettings({});
    const first = state.analyzeLock(uri, settings);
    assert.equal(first?.lock.entries[0]?.version?.value, "3.6");
    // What the server does when index data arrives: everything is re-analysed.
    state.invalidate();
    const again = state.analyzeLock(uri, settings);
    assert.notEqual(again, first, "a new analysis for the new generation");
    assert.equal(again?.lock, first?.lock, "on the same parse");

    document = { text: uvLock("3.7"), version: 2 };
    const edited = state.analyzeLock(uri, settings);
    assert.notEqual(edited?.lock, first?.lock);
    assert.equal(edited?.lock.entries[0]?.version?.value, "3.7");

    state.forget(uri);
    document = { text: uvLock("3.7"), version: 2 };
    assert.notEqual(state.analyzeLock(uri, settings)?.lock, edited?.lock, "a closed document's parse is gone");
  });
});
