import { execFileSync } from "node:child_process";
import * as vscode from "vscode";
import { workspaceTag } from "../protocol";
import {
  activatePinsight,
  closeAllEditors,
  describeDiagnostics,
  openEditor,
  recordMetric,
  skipBecause,
  waitFor,
  waitForDiagnostic,
  withCode,
} from "./helpers";

/**
 * The language server dies (killed, out of memory, a crash): the client restarts it and diagnostics
 * come back without the user doing anything. It runs last in the `requirements` window, since it kills
 * the server the other tests there use.
 */
suite(`server restart ${workspaceTag("requirements")}`, function () {
  this.timeout(90_000);
  suiteTeardown(async () => {
    await closeAllEditors();
    // The client tells the user once that the server stopped; the launcher's screenshots follow.
    await vscode.commands.executeCommand("notifications.clearAll");
  });

  test("a killed server is restarted by the client and diagnostics come back", async function () {
    if (process.platform === "win32") skipBecause(this, "finding the server process uses ps");
    await activatePinsight();
    const editor = await openEditor("requirements.txt");
    const { document } = editor;
    await waitForDiagnostic(document, "yanked", 1);
    const first = await waitFor(() => serverPid(), "the language server's process");

    const killedAt = performance.now();
    process.kill(first, "SIGKILL");
    const second = await waitFor(() => {
      const pid = serverPid();
      return pid !== undefined && pid !== first ? pid : undefined;
    }, "a new language server process");
    recordMetric("serverRestartMs", performance.now() - killedAt);

    // The new server analyses an edit: a second black line with another version is a duplicate.
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), "black==22.1.0\n"));
    await waitFor(() => withCode(document.uri, "duplicate").length > 0, "a duplicate diagnostic after the edit", {
      describe: () => describeDiagnostics(document),
    });
    // And it has release data again: the yanked pin (one line further down now) is still reported.
    await waitForDiagnostic(document, "yanked", 2);
    recordMetric("serverRestartToDiagnosticsMs", performance.now() - killedAt);
    if (serverPid() !== second) throw new Error(`the server restarted again: ${describeDiagnostics(document)}`);
  });
});

/**
 * The pid of the language server this extension host started: vscode-languageclient passes the host's
 * pid as `--clientProcessId`, which tells it apart from servers of other windows on the same machine.
 */
function serverPid(): number | undefined {
  const lines = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).split("\n");
  const marker = `--clientProcessId=${process.pid}`;
  const line = lines.find((l) => l.includes("dist/server.js") && l.includes(marker));
  const pid = Number(line?.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
