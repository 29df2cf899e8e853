import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { workspaceTag } from "../protocol";
import {
  activatePinsight,
  closeAllEditors,
  completionLabel,
  describeDiagnostics,
  extensionId,
  hoverText,
  inlayHintLabel,
  isCodeAction,
  openEditor,
  pinsightDiagnostics,
  recordMetric,
  waitFor,
  waitForDiagnostic,
  withCode,
} from "./helpers";

/**
 * Requirements files in a real editor, on the `requirements` workspace: its settings target Python 2.7
 * and name the launcher's fixture index, where django-scarface 3.2 dropped Python 2.7 by classifiers only
 * and black 21.11b0 is yanked.
 */
suite(`requirements files ${workspaceTag("requirements")}`, function () {
  this.timeout(90_000);
  suiteTeardown(closeAllEditors);

  // Runs first: nothing in this workspace activates Pinsight before a requirements file opens, so this
  // measures a cold activation (starting the language server included) and the first diagnostics.
  test("activates and publishes diagnostics for a requirements file it has never seen", async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is installed`);
    recordMetric("activationWasAlreadyActive", extension.isActive ? 1 : 0);
    const activationStart = performance.now();
    const exported: unknown = await extension.activate();
    recordMetric("activationMs", performance.now() - activationStart);
    // The extension's own measure: from evaluating its module to the end of activate(), without the
    // extension host's loading work around it.
    const own = (exported as { activationMs?: unknown } | undefined)?.activationMs;
    if (typeof own === "number") recordMetric("extensionActivateMs", own);

    const openStart = performance.now();
    const editor = await openEditor("requirements.txt");
    assert.equal(editor.document.languageId, "pip-requirements");
    await waitFor(() => pinsightDiagnostics(editor.document.uri).length > 0, "the first Pinsight diagnostic");
    recordMetric("firstDiagnosticsMs", performance.now() - openStart);
    // django-scarface's python-support error needs release data and the per-version metadata that the
    // classifier evidence comes from (black's, from Requires-Python, comes earlier).
    await waitForDiagnostic(editor.document, "python-support", 0);
    recordMetric("firstIndexDiagnosticsMs", performance.now() - openStart);
  });

  test("python-support on the unpinned django-scarface and yanked on black==21.11b0, with their ranges", async () => {
    await activatePinsight();
    const { document } = await openEditor("requirements.txt");
    const support = await waitForDiagnostic(document, "python-support", 0);
    const yanked = await waitForDiagnostic(document, "yanked", 1);
    assert.equal(support.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(support.range), "django-scarface");
    assert.match(support.message, /dropped Python 2\.7 in 3\.2/);
    assert.match(support.message, /Last release for 2\.7: 3\.1\./);

    assert.equal(yanked.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(document.getText(yanked.range), "==21.11b0");
    assert.match(yanked.message, /black 21\.11b0 was yanked/);
  });

  test("the hover shows the Python-support timeline", async () => {
    const { document } = await openEditor("requirements.txt");
    await waitForDiagnostic(document, "python-support", 0);
    let last = "";
    const text = await waitFor(
      async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          "vscode.executeHoverProvider",
          document.uri,
          new vscode.Position(0, 3),
        );
        last = hoverText(hovers);
        return last.includes("| 2.7 |") ? last : undefined;
      },
      "a hover with the Python-support timeline row for 2.7",
      { describe: () => last },
    );
    assert.match(text, /\| 2\.7 \| `3\.1` \| `3\.2` \(2018-09-14\) \| classifiers list only 3\.5–3\.7/);
  });

  test("an inlay hint shows what a fresh install picks", async () => {
    const { document } = await openEditor("requirements.txt");
    await waitForDiagnostic(document, "python-support", 0);
    const whole = new vscode.Range(0, 0, document.lineCount, 0);
    let last: string[] = [];
    const hint = await waitFor(
      async () => {
        const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
          "vscode.executeInlayHintProvider",
          document.uri,
          whole,
        );
        last = hints.map((h) => `${h.position.line}:${h.position.character} ${inlayHintLabel(h)}`);
        return hints.find((h) => h.position.line === 0 && inlayHintLabel(h).includes("→"));
      },
      "an inlay hint with → on the django-scarface line",
      { describe: () => JSON.stringify(last) },
    );
    assert.equal(inlayHintLabel(hint).trim(), "→ 3.2.1");
    assert.equal(hint.position.character, "django-scarface".length);
  });

  test("-r other.txt is a link to the included file", async () => {
    const { document } = await openEditor("requirements.txt");
    const includeLine = document.lineAt(2);
    assert.equal(includeLine.text, "-r other.txt");
    const links = await waitFor(async () => {
      const found = await vscode.commands.executeCommand<vscode.DocumentLink[]>(
        "vscode.executeLinkProvider",
        document.uri,
      );
      return found.length > 0 ? found : undefined;
    }, "document links");
    const link = links.find((l) => l.range.start.line === includeLine.lineNumber);
    assert.ok(link, JSON.stringify(links.map((l) => [l.range.start.line, l.target?.toString()])));
    assert.equal(document.getText(link.range), "other.txt");
    assert.equal(link.target?.scheme, "file");
    assert.ok(link.target?.path.endsWith("/requirements/other.txt"), String(link.target));
  });

  test("the preferred quick fix pins 3.1 and applying its edit fixes the line", async () => {
    const { document } = await openEditor("requirements-pin.txt");
    const diagnostic = await waitForDiagnostic(document, "python-support", 0);
    const actions = await vscode.commands.executeCommand<(vscode.Command | vscode.CodeAction)[]>(
      "vscode.executeCodeActionProvider",
      document.uri,
      diagnostic.range,
    );
    const codeActions = actions.filter(isCodeAction);
    const titles = codeActions.map((a) => `${a.isPreferred === true ? "*" : ""}${a.title}`);
    const preferred = codeActions.filter((a) => a.isPreferred === true);
    assert.equal(preferred.length, 1, JSON.stringify(titles));
    assert.equal(preferred[0]?.title, "Pin to 3.1 (supports Python 2.7)");
    const edit = preferred[0]?.edit;
    assert.ok(edit, "the preferred fix carries its edit");

    assert.equal(await vscode.workspace.applyEdit(edit), true);
    await waitFor(() => document.getText() === "django-scarface==3.1\n", "the pinned line", {
      describe: () => JSON.stringify(document.getText()),
    });
    // The fix is right when the error it fixes goes away after the server re-analyses the edited text.
    await waitFor(() => withCode(document.uri, "python-support").length === 0, "python-support to go away", {
      describe: () => describeDiagnostics(document),
    });
  });

  test("Pinsight: Pin All Requirements pins every unpinned line", async () => {
    const { document } = await openEditor("requirements-pinall.txt");
    // Pinning needs the release data, which is there once the index-backed diagnostics are.
    await waitFor(
      () => withCode(document.uri, "unpinned").filter((d) => /a fresh install picks/.test(d.message)).length === 2,
      "unpinned diagnostics that know what a fresh install picks",
      { describe: () => describeDiagnostics(document) },
    );
    await vscode.commands.executeCommand("pinsight.pinAllRequirements", document.uri);
    await waitFor(() => document.getText() === "django-scarface==3.1\nsnowballstemmer==2.2.0\n", "both lines pinned", {
      describe: () => JSON.stringify(document.getText()),
    });
  });

  test("completing after django-scarface== offers versions, newest first", async () => {
    const { document } = await openEditor("requirements-complete.txt");
    const position = new vscode.Position(0, "django-scarface==".length);
    let last: string[] = [];
    const labels = await waitFor(
      async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>(
          "vscode.executeCompletionItemProvider",
          document.uri,
          position,
          "=",
        );
        // Other providers (word-based suggestions) may answer too; Pinsight's items have a detail.
        const sorted = list.items
          .filter((item) => item.detail !== undefined)
          .sort((a, b) => (a.sortText ?? completionLabel(a)).localeCompare(b.sortText ?? completionLabel(b)));
        last = sorted.map(completionLabel);
        return last.includes("3.1") ? last : undefined;
      },
      "version completions",
      { describe: () => JSON.stringify(last) },
    );
    assert.equal(labels[0], "3.2.1");
    assert.ok(labels.indexOf("3.2") < labels.indexOf("3.1"), "newest first");
  });
});
