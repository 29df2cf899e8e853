/**
 * `npm start`: opens a real VS Code (code-server, the same install the end-to-end suite uses) in the
 * browser on `examples/` with the freshly packaged extension, and prints the URL. With
 * `--offline-demo` — the default when PyPI cannot be reached — the examples run against the bundled
 * fixture index, so the demo works on any machine; `--online` forces PyPI. Ctrl+C stops everything.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFixtureIndex } from "../test/support/fixtureIndex";
import { celeryStoryProjects } from "../test/support/storyProjects";
import {
  codeServerDir,
  ensureSystemPackages,
  installCodeServer,
  installExtensions,
  isInstalled,
  startCodeServer,
} from "../test/e2e/support/codeServer";
import { isolatedEditorEnv, quietEditorSettings, writeUserSettings } from "../test/e2e/support/editorSetup";

const root = path.resolve(__dirname, "..");

async function pypiReachable(): Promise<boolean> {
  try {
    const response = await fetch("https://pypi.org/simple/pip/", {
      method: "HEAD",
      signal: AbortSignal.timeout(3000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  const vsix = path.join(root, `pinsight-${pkg.version}.vsix`);
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first (npm start does)`);

  const state = path.join(os.homedir(), ".cache", "pinsight-e2e", "demo");
  fs.mkdirSync(state, { recursive: true });
  const logFile = path.join(state, "demo.log");
  const log = (line: string): void => console.log(line);

  const dir = codeServerDir();
  if (!isInstalled(dir)) {
    log(`Installing code-server into ${dir} (once; about two minutes; log: ${logFile})…`);
    await ensureSystemPackages(log, logFile, true);
    await installCodeServer(dir, log, logFile);
  }

  const offline = args.includes("--offline-demo") || (!args.includes("--online") && !(await pypiReachable()));
  const settings: Record<string, unknown> = {
    ...quietEditorSettings,
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
  };
  let index: Awaited<ReturnType<typeof startFixtureIndex>> | undefined;
  if (offline) {
    index = await startFixtureIndex();
    for (const [name, project] of Object.entries(celeryStoryProjects())) index.addProject(name, project);
    // A user setting, so the examples folder itself stays as committed.
    settings["pinsight.index.url"] = index.simpleUrl;
    log(`Offline demo: the examples use the bundled fixture index at ${index.simpleUrl}`);
  }

  const home = fs.mkdtempSync(path.join(state, "home-"));
  const userDataDir = path.join(home, "user-data");
  const extensionsDir = path.join(home, "extensions");
  writeUserSettings(userDataDir, settings);
  const env = isolatedEditorEnv(home, {});
  await installExtensions(dir, { extensionsDir, userDataDir, vsixes: [vsix], env }, logFile);
  const server = await startCodeServer(dir, { userDataDir, extensionsDir, env, logFile });
  const examples = path.join(root, "examples");
  const url = `${server.url}/?folder=${encodeURIComponent(examples)}`;
  log("");
  log(`Pinsight demo: open ${url}`);
  log("Try examples/legacy-service/requirements.txt (Python 2.7) and examples/web-app (a Poetry project).");
  log("Ctrl+C stops the demo.");
  if (process.env["DISPLAY"] || process.platform === "darwin") {
    const opener = process.platform === "darwin" ? "open" : "xdg-open";
    spawn(opener, [url], { stdio: "ignore", detached: true })
      .on("error", () => undefined)
      .unref();
  }

  const stop = async (): Promise<void> => {
    await server.stop();
    await index?.close();
    fs.rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  const code = await server.exited;
  await index?.close();
  process.exit(code ?? 0);
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
