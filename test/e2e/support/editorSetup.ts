import * as fs from "node:fs";
import * as path from "node:path";
import type { WorkspaceName } from "../protocol";

/**
 * The committed fixture workspaces (test/e2e/workspaces/<name>) are copied to a fresh directory for each
 * run: the fixture index listens on a new port every time and its URL has to go into the workspace
 * settings, the tests edit documents, and the committed files must stay untouched either way.
 */
export const fixtureWorkspaces = path.resolve(__dirname, "..", "workspaces");

/**
 * Copies one fixture workspace into `targetRoot/<name>` (the folder name is what the suite uses to pick
 * its tests) and merges `settings` into its `.vscode/settings.json`. Returns the copy's path.
 */
export function prepareWorkspace(
  name: WorkspaceName,
  targetRoot: string,
  settings: Readonly<Record<string, unknown>>,
): string {
  const target = path.join(targetRoot, name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(path.join(fixtureWorkspaces, name), target, { recursive: true });
  const file = path.join(target, ".vscode", "settings.json");
  const committed = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...committed, ...settings }, null, 2)}\n`);
  return target;
}

/** Writes the user settings of an editor profile (`<user-data-dir>/User/settings.json`). */
export function writeUserSettings(userDataDir: string, settings: Readonly<Record<string, unknown>>): void {
  const file = path.join(userDataDir, "User", "settings.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

/**
 * User settings that keep a fresh editor quiet and deterministic: no welcome page, walkthroughs, update
 * or gallery checks, and no trust prompt (Restricted Mode, where it is wanted, still applies without it).
 */
export const quietEditorSettings: Readonly<Record<string, unknown>> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.banner": "never",
  "git.enabled": false,
};

/**
 * The environment for the editor processes, and so for the extension host and the language server: a
 * throw-away home, so that no pip.conf, ~/.netrc, XDG configuration or index cache of the machine can
 * change what Pinsight contacts, and without the PIP_* variables a developer's shell may set. Only
 * what the processes need to run (PATH, locale, time zone) is kept from the launcher's environment.
 */
export function isolatedEditorEnv(home: string, extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const key of ["PATH", "LANG", "LC_ALL", "TZ"]) {
    const value = process.env[key];
    if (value !== undefined) kept[key] = value;
  }
  for (const dir of [".config", ".cache", ".local/share", "xdg", "tmp"]) {
    fs.mkdirSync(path.join(home, dir), { recursive: true });
  }
  return {
    ...kept,
    HOME: home,
    // The editor leaves IPC sockets and scratch directories in TMPDIR; inside the run's directory they
    // are removed with it.
    TMPDIR: path.join(home, "tmp"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local/share"),
    XDG_CONFIG_DIRS: path.join(home, "xdg"),
    // pip (and Pinsight, which reads pip's configuration like pip) loads no configuration file at all.
    PIP_CONFIG_FILE: "/dev/null",
    ...extra,
  };
}
