import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { workspaceTag } from "../protocol";
import {
  activatePinsight,
  closeAllEditors,
  describeDiagnostics,
  indexRequests,
  openEditor,
  skipBecause,
  waitForCodes,
} from "./helpers";

/**
 * Restricted Mode, on the `restricted` workspace: its `.vscode/settings.json` names a second fixture
 * index that nothing else uses, while the user settings name the main one. In an untrusted workspace
 * Pinsight must still analyse the file with the user's index and never contact the workspace's.
 */
suite(`untrusted workspace ${workspaceTag("restricted")}`, function () {
  this.timeout(90_000);
  suiteTeardown(closeAllEditors);

  test("in Restricted Mode the index URL from workspace settings is never contacted", async function () {
    if (vscode.workspace.isTrusted) {
      // @vscode/test-electron always launches VS Code with --disable-workspace-trust, which trusts
      // every workspace; only the code-server launcher can open this window in Restricted Mode.
      skipBecause(this, "the workspace is trusted (workspace trust is disabled in this editor)");
    }
    if ((await indexRequests("restricted")) === undefined) {
      skipBecause(this, "no control server: the fixture index logs are only available under test/e2e/launch.ts");
    }
    await activatePinsight();
    const { document } = await openEditor("requirements.txt");
    // The yanked diagnostic needs black's release data, so once it is there the server has done all
    // the index lookups this file causes: through the user's index, since the workspace's is ignored.
    await waitForCodes(document, ["yanked"]);

    const workspaceIndex = await indexRequests("restricted");
    assert.deepEqual(
      workspaceIndex?.map((r) => `${r.method} ${r.path}`),
      [],
      "no request reached the index named in the untrusted workspace's settings",
    );
    const userIndex = (await indexRequests("main")) ?? [];
    assert.ok(
      userIndex.some((r) => r.path === "/simple/black/"),
      `the user's index answered for black: ${describeDiagnostics(document)}`,
    );
  });
});
