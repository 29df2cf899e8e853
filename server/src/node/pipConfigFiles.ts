import * as fsSync from "node:fs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseNetrc, type NetrcFile } from "../core/index/netrc";
import {
  mergePipConfig,
  type PipConfigFile,
  type PipConfigFileKind,
  type PipConfigResult,
} from "../core/index/pipConfig";
import { pyStrip } from "../core/pep440/pyString";

/**
 * Finds and reads pip's configuration files and the netrc file the way pip (pypa/pip@6d30920
 * `configuration.py`, `utils/appdirs.py` and its vendored platformdirs) and requests do, then hands
 * the text to the pure merge in `core/index/pipConfig.ts`. Nothing here throws: unreadable, huge or
 * undecodable files become warnings.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** pip's configuration file locations for one platform, in the order pip loads them. */
export interface PipConfigLocations {
  /** Global ("site config dirs") files, lowest precedence first. */
  readonly global: readonly string[];
  /** The legacy user file, then the new one, which overrides it. */
  readonly user: readonly string[];
  /** The environment's own file (`sys.prefix`), when a prefix is known. */
  readonly site: readonly string[];
  /** `PIP_CONFIG_FILE` as set (null when unset), resolved against `cwd` when relative. */
  readonly envFile: string | null;
  /** True when `PIP_CONFIG_FILE` is `os.devnull`: pip then loads no file at all. */
  readonly disabled: boolean;
}

export interface PipConfigLocationOptions {
  /**
   * The `sys.prefix` of the Python that would run pip (the project's environment). When absent,
   * `VIRTUAL_ENV`, then `CONDA_PREFIX`, stands in for it.
   */
  readonly sitePrefix?: string;
  /** Used on macOS only: whether `~/Library/Application Support/pip` exists as a directory. */
  readonly isDirectory?: (directory: string) => boolean;
  /** The directory a relative `PIP_CONFIG_FILE` is relative to (pip: its working directory). */
  readonly cwd?: string;
}

/** Environment lookup; Windows environment names are case-insensitive. */
function getEnv(env: Env, name: string, platform: NodeJS.Platform): string | undefined {
  const direct = env[name];
  if (direct !== undefined || platform !== "win32") return direct;
  const upper = name.toUpperCase();
  for (const [key, value] of Object.entries(env)) if (key.toUpperCase() === upper) return value;
  return undefined;
}

/** Python's `os.path.join` for two components (posixpath or ntpath, without normalising). */
function pyJoin(platform: NodeJS.Platform, a: string, b: string): string {
  if (platform === "win32") {
    if (/^([A-Za-z]:)?[\\/]/.test(b)) return b;
    return a === "" || /[\\/:]$/.test(a) ? a + b : a + "\\" + b;
  }
  if (b.startsWith("/")) return b;
  return a === "" || a.endsWith("/") ? a + b : a + "/" + b;
}

/**
 * Where pip looks for configuration (SPECS §4.8), as a pure function of the platform, the
 * environment and the home directory:
 * - Linux and other Unix: each `$XDG_CONFIG_DIRS` entry + `/pip/pip.conf` (default `/etc/xdg`),
 *   then `/etc/pip.conf`; user `~/.pip/pip.conf`, then `$XDG_CONFIG_HOME/pip/pip.conf` (default
 *   `~/.config`).
 * - macOS: each `$XDG_DATA_DIRS` entry + `/pip/pip.conf`, else (a Homebrew prefix's
 *   `share/pip/pip.conf` and) `/Library/Application Support/pip/pip.conf`; user `~/.pip/pip.conf`,
 *   then `$XDG_DATA_HOME/pip` or `~/Library/Application Support/pip` if that directory exists,
 *   else `~/.config/pip`.
 * - Windows: `%PROGRAMDATA%\pip\pip.ini`; user `~\pip\pip.ini`, then `%APPDATA%\pip\pip.ini`.
 * - Site: `<prefix>/pip.conf` (`pip.ini` on Windows).
 */
export function pipConfigLocations(
  platform: NodeJS.Platform,
  env: Env,
  homedir: string,
  options: PipConfigLocationOptions = {},
): PipConfigLocations {
  const windows = platform === "win32";
  const basename = windows ? "pip.ini" : "pip.conf";
  const join = (a: string, ...rest: string[]): string => rest.reduce((acc, part) => pyJoin(platform, acc, part), a);
  const stripped = (name: string): string => pyStrip(getEnv(env, name, platform) ?? "");
  const multiPath = (name: string): string[] | undefined => {
    const value = stripped(name);
    if (value === "") return undefined;
    // platformdirs splits the stripped value on os.pathsep and skips blank entries.
    return value.split(windows ? ";" : ":").filter((entry) => pyStrip(entry) !== "");
  };
  const prefix =
    options.sitePrefix ??
    nonEmpty(getEnv(env, "VIRTUAL_ENV", platform)) ??
    nonEmpty(getEnv(env, "CONDA_PREFIX", platform));

  let globalDirs: string[];
  let userDir: string;
  if (windows) {
    const programData =
      nonEmpty(getEnv(env, "PROGRAMDATA", platform)) ??
      nonEmpty(getEnv(env, "ALLUSERSPROFILE", platform)) ??
      "C:\\ProgramData";
    globalDirs = [join(programData, "pip")];
    const appData = nonEmpty(getEnv(env, "APPDATA", platform)) ?? join(homedir, "AppData", "Roaming");
    userDir = join(appData, "pip");
  } else if (platform === "darwin") {
    const dataDirs = multiPath("XDG_DATA_DIRS");
    if (dataDirs !== undefined) {
      globalDirs = dataDirs.map((dir) => join(dir, "pip"));
    } else {
      globalDirs = [];
      // platformdirs adds the Homebrew share directory when Python runs from a Homebrew prefix.
      if (prefix !== undefined && prefix.includes("/opt/python")) {
        globalDirs.push(join(prefix.split("/opt/python")[0] ?? "", "share", "pip"));
      }
      globalDirs.push("/Library/Application Support/pip");
    }
    const dataHome = stripped("XDG_DATA_HOME");
    const appSupport = dataHome !== "" ? join(dataHome, "pip") : join(homedir, "Library", "Application Support", "pip");
    userDir = options.isDirectory?.(appSupport) === true ? appSupport : join(homedir, ".config", "pip");
  } else {
    globalDirs = [...(multiPath("XDG_CONFIG_DIRS") ?? ["/etc/xdg"]).map((dir) => join(dir, "pip")), "/etc"];
    const configHome = stripped("XDG_CONFIG_HOME");
    userDir = configHome !== "" ? join(configHome, "pip") : join(homedir, ".config", "pip");
  }

  const configFile = getEnv(env, "PIP_CONFIG_FILE", platform);
  const devNull = windows ? "nul" : "/dev/null";
  let envFile: string | null = null;
  if (configFile !== undefined) {
    const absolute = windows ? path.win32.isAbsolute(configFile) : path.posix.isAbsolute(configFile);
    envFile =
      absolute || options.cwd === undefined || configFile === "" || configFile === devNull
        ? configFile
        : join(options.cwd, configFile);
  }
  return {
    global: globalDirs.map((dir) => join(dir, basename)),
    user: [join(homedir, windows ? "pip" : ".pip", basename), join(userDir, basename)],
    site: prefix === undefined ? [] : [join(prefix, basename)],
    envFile,
    disabled: configFile === devNull,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Configuration files are a few hundred bytes; anything past this is not a pip.conf. */
const maxFileBytes = 1024 * 1024;

type ReadOutcome =
  | { kind: "missing" }
  | { kind: "exists-unreadable"; reason: string }
  | { kind: "text"; text: string; warning?: string };

/** Reads a small text file as UTF-8; a file that exists but cannot be used says why. */
async function readSmallText(file: string): Promise<ReadOutcome> {
  let handle: fs.FileHandle | undefined;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return { kind: "exists-unreadable", reason: "it is not a regular file" };
    if (stat.size > maxFileBytes) {
      return { kind: "exists-unreadable", reason: `it is larger than ${maxFileBytes / 1024 / 1024} MB` };
    }
    handle = await fs.open(file, "r");
    const buffer = Buffer.alloc(Math.min(stat.size, maxFileBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxFileBytes) {
      return { kind: "exists-unreadable", reason: `it is larger than ${maxFileBytes / 1024 / 1024} MB` };
    }
    const bytes = buffer.subarray(0, bytesRead);
    try {
      return { kind: "text", text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
    } catch {
      // Python would fall back to (or use) the locale encoding; Latin-1 never fails to decode.
      return {
        kind: "text",
        text: new TextDecoder("latin1").decode(bytes),
        warning: "it is not valid UTF-8; it was read as Latin-1",
      };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "exists-unreadable", reason: (error as Error).message };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export interface LoadPipConfigOptions extends PipConfigLocationOptions {
  readonly platform?: NodeJS.Platform;
  readonly homedir?: string;
  /** Where to look, instead of `pipConfigLocations(platform, env, homedir, options)` (tests). */
  readonly locations?: PipConfigLocations;
}

/** The effective pip configuration, with which files were found and what went wrong reading them. */
export interface LoadedPipConfig extends PipConfigResult {
  readonly locations: PipConfigLocations;
  /** Every file that existed and was read, in override order. */
  readonly files: readonly { readonly path: string; readonly kind: PipConfigFileKind }[];
}

const isDirectorySync = (directory: string): boolean => {
  try {
    return fsSync.statSync(directory).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Reads pip's configuration for `pip install` from disk and merges it with the `PIP_*` variables
 * of `env`. Files that do not exist are skipped silently (as pip does); unreadable, oversized or
 * broken files are skipped with a warning. Never throws.
 */
export async function loadPipConfig(env: Env, options: LoadPipConfigOptions = {}): Promise<LoadedPipConfig> {
  const platform = options.platform ?? process.platform;
  const homedir = options.homedir ?? os.homedir();
  const locations =
    options.locations ??
    pipConfigLocations(platform, env, homedir, { ...options, isDirectory: options.isDirectory ?? isDirectorySync });
  const warnings: string[] = [];
  const files: PipConfigFile[] = [];
  const read = async (file: string, kind: PipConfigFileKind): Promise<boolean> => {
    const outcome = await readSmallText(file);
    if (outcome.kind === "missing") return false;
    if (outcome.kind === "exists-unreadable") {
      warnings.push(`${file} was not read: ${outcome.reason}.`);
      // An existing PIP_CONFIG_FILE still makes pip skip the user files, even when unreadable.
      if (kind === "env-file") files.push({ path: file, kind, text: "" });
      return true;
    }
    if (outcome.warning !== undefined) warnings.push(`${file}: ${outcome.warning}.`);
    files.push({ path: file, kind, text: outcome.text });
    return true;
  };
  if (!locations.disabled) {
    const envFiles: PipConfigFile[] = [];
    let envFileExists = false;
    if (locations.envFile !== null && locations.envFile !== "") {
      envFileExists = await read(locations.envFile, "env-file");
      if (!envFileExists) warnings.push(`PIP_CONFIG_FILE names ${locations.envFile}, which does not exist.`);
      envFiles.push(...files.splice(0));
    }
    for (const file of locations.global) await read(file, "global");
    // pip does not load the user files when PIP_CONFIG_FILE names a file that exists.
    if (!envFileExists) for (const file of locations.user) await read(file, "user");
    for (const file of locations.site) await read(file, "site");
    files.push(...envFiles);
  }
  // Python on Windows upper-cases environment names, so `pip_index_url` counts there.
  const pipEnv =
    platform === "win32"
      ? Object.fromEntries(Object.entries(env).map(([key, value]) => [key.toUpperCase(), value]))
      : env;
  const merged = mergePipConfig(files, pipEnv, { devNull: platform === "win32" ? "nul" : "/dev/null" });
  return {
    ...merged,
    warnings: [...warnings, ...merged.warnings],
    locations,
    files: files.map(({ path: file, kind }) => ({ path: file, kind })),
  };
}

/** The netrc file requests would use, parsed. */
export interface LoadedNetrc {
  /** The file used, or null when there is none. */
  readonly path: string | null;
  /** The parsed file; null when there is none or it could not be read. */
  readonly netrc: NetrcFile | null;
  readonly warnings: readonly string[];
}

/**
 * Finds and parses the netrc file like requests' `get_netrc_auth`: only `$NETRC` when that is set
 * (even to ""), else the first of `~/.netrc` and `~/_netrc` that exists. A file that exists but
 * cannot be read or parsed gives no credentials (requests ignores it), with a warning. Never throws.
 */
export async function loadNetrc(env: Env, homedir: string = os.homedir()): Promise<LoadedNetrc> {
  const expandUser = (file: string): string =>
    file === "~" ? homedir : file.startsWith("~/") || file.startsWith("~\\") ? path.join(homedir, file.slice(2)) : file;
  const netrcEnv = env["NETRC"];
  const locations =
    netrcEnv !== undefined ? [expandUser(netrcEnv)] : [".netrc", "_netrc"].map((name) => path.join(homedir, name));
  for (const file of locations) {
    if (file === "") continue;
    const outcome = await readSmallText(file);
    if (outcome.kind === "missing") continue;
    if (outcome.kind === "exists-unreadable") {
      return { path: file, netrc: null, warnings: [`${file} was not read: ${outcome.reason}.`] };
    }
    const netrc = parseNetrc(outcome.text);
    const warnings = outcome.warning === undefined ? [] : [`${file}: ${outcome.warning}.`];
    if (netrc.error !== undefined) {
      // Python's message quotes the offending token, which in a netrc file is often a piece of a
      // password (one with a space, say). Logs never show credentials, so the token is left out.
      const message = netrc.error.message.replace(/^(bad (?:toplevel|follower) token) .*$/s, "$1 (not shown)");
      warnings.push(`${file} line ${netrc.error.line}: ${message} (requests ignores a malformed netrc file)`);
    }
    return { path: file, netrc, warnings };
  }
  return { path: null, netrc: null, warnings: [] };
}
