import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { workspaceTag } from "../protocol";
import { activatePinsight, closeAllEditors, describeDiagnostics, openEditor, waitForCodes, withCode } from "./helpers";

/**
 * Lock files and manifests in a real editor, on the `poetry` workspace (the pair from
 * test/support/poetryProject.ts): poetry.lock pins the yanked black 21.11b0 with one tampered sdist hash,
 * and pyproject.toml has drifted from it (black ^22.1) and names a package the lock lacks.
 */
suite(`lock files and manifests ${workspaceTag("poetry")}`, function () {
  this.timeout(90_000);
  suiteTeardown(closeAllEditors);

  test("poetry.lock: yanked, hash-mismatch and lock-drift on the locked lines", async () => {
    await activatePinsight();
    const { document } = await openEditor("poetry.lock");
    await waitForCodes(document, ["yanked", "hash-mismatch", "lock-drift"]);
    const state = describeDiagnostics(document);
    const lineOf = (d: vscode.Diagnostic | undefined) => (d ? document.lineAt(d.range.start.line).text : "");

    const yanked = withCode(document.uri, "yanked")[0];
    assert.equal(lineOf(yanked), 'version = "21.11b0"', state);
    assert.equal(yanked && document.getText(yanked.range), "21.11b0");
    assert.match(yanked?.message ?? "", /black 21\.11b0 was yanked/);

    const mismatches = withCode(document.uri, "hash-mismatch");
    assert.equal(mismatches.length, 1, `only the tampered sdist hash: ${state}`);
    assert.match(lineOf(mismatches[0]), /black-21\.11b0\.tar\.gz/);
    assert.equal(mismatches[0] && document.getText(mismatches[0].range), `sha256:${"1".repeat(64)}`);
    assert.equal(mismatches[0]?.severity, vscode.DiagnosticSeverity.Error);

    const drift = withCode(document.uri, "lock-drift")[0];
    assert.equal(lineOf(drift), 'version = "21.11b0"', state);
    assert.equal(
      drift?.message,
      "pyproject.toml requires black>=22.1,<23.0, but 21.11b0 is locked. Run `poetry lock`.",
    );
  });

  test("pyproject.toml: lock-drift and lock-missing on the requirements", async () => {
    await activatePinsight();
    const { document } = await openEditor("pyproject.toml");
    await waitForCodes(document, ["lock-drift", "lock-missing"]);
    const state = describeDiagnostics(document);

    const drift = withCode(document.uri, "lock-drift")[0];
    assert.ok(drift, state);
    assert.equal(document.lineAt(drift.range.start.line).text, 'black = "^22.1"');
    assert.equal(document.getText(drift.range), "^22.1");
    assert.match(drift.message, /poetry\.lock has black 21\.11b0/);

    const missing = withCode(document.uri, "lock-missing")[0];
    assert.ok(missing, state);
    assert.equal(document.getText(missing.range), "snowballstemmer");
    assert.match(missing.message, /snowballstemmer is not in poetry\.lock/);
  });
});
