import * as os from "node:os";
import * as path from "node:path";
import { computeIndexConfig, type IndexConfig } from "./core/index/indexConfig";
import type { RequirementsTree } from "./core/parsing/requirementsModel";
import type { IndexTarget } from "./indexService";
import { FindLinksReader, type FindLinksDirectory } from "./node/findLinks";
import { loadPipConfig, type LoadedPipConfig } from "./node/pipConfigFiles";
import type { Settings } from "./settings";

/** pip's configuration as read from disk and the environment, loaded once per settings change. */
export interface PipEnvironment {
  readonly config: LoadedPipConfig | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** CA bundles named by pip.conf `cert` (pip uses them for HTTPS). */
  readonly certFiles: readonly string[];
}

/**
 * pip's environment without pip's own configuration (pip.conf files and `PIP_*` variables), for
 * Poetry, uv, PDM and pipenv files: those tools read their own sources, not pip's. CA bundles stay,
 * since they are about trusting the network, not about which index to ask.
 */
export function withoutPipConfiguration(pip: PipEnvironment): PipEnvironment {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(pip.env)) if (!key.startsWith("PIP_")) env[key] = value;
  return { config: null, env, certFiles: pip.certFiles };
}

/** The indexes to consult for one requirements tree, with explanations for the log. */
export interface IndexTargets {
  readonly indexes: readonly IndexTarget[];
  /** Local `--find-links` directories, searched alongside the indexes. */
  readonly findLinks: readonly FindLinksDirectory[];
  readonly noIndex: boolean;
  /** Human-readable lines: which indexes are used and why, and which were ignored and why. */
  readonly notes: readonly string[];
}

/** Reads pip.conf files and `PIP_*` variables. Never throws; problems become log lines. */
export async function loadPipEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  log: (message: string) => void,
  home: string = os.homedir(),
): Promise<PipEnvironment> {
  let config: LoadedPipConfig | null = null;
  try {
    config = await loadPipConfig(env, { homedir: home });
    for (const warning of config.warnings) log(`pip configuration: ${warning}`);
    if (config.files.length > 0) log(`pip configuration read from ${config.files.map((f) => f.path).join(", ")}`);
  } catch (error) {
    log(`pip configuration could not be read: ${String(error)}`);
  }
  const cert = config?.cert?.value;
  const certFiles = cert ? [cert.startsWith("~") ? path.join(home, cert.slice(1)) : cert] : [];
  return { config, env, certFiles };
}

/**
 * The effective indexes for a requirements tree (or, for `pinsight versions`, for no file), following
 * pip's precedence and the workspace-trust rules of `computeIndexConfig`.
 */
export function resolveIndexTargets(
  tree: RequirementsTree | null,
  file: string | null,
  settings: Settings,
  pip: PipEnvironment,
  context: { readonly trusted: boolean; readonly folders: readonly string[] },
): IndexTargets {
  const config: IndexConfig = computeIndexConfig({
    options: tree?.options ?? [],
    settings: settings.index,
    pipConfig: pip.config,
    env: pip.env,
    trusted: context.trusted,
    workspaceFolders: context.folders,
  });
  const indexes: IndexTarget[] = config.indexes.map((index) => ({
    url: index.url,
    display: index.displayUrl,
    role: index.role,
    source: index.source.detail,
    isPrivate: !isPublicPyPI(index.url),
  }));
  const label = file === null ? "package lookups" : path.basename(file);
  const notes: string[] = [];
  const findLinks: FindLinksDirectory[] = [];
  const cwd = context.folders[0] ?? (file ? path.dirname(file) : process.cwd());
  for (const location of config.findLinks) {
    const directory = FindLinksReader.resolve(location.path, file, cwd);
    if (directory === null) {
      notes.push(
        `${label}: --find-links ${location.path} (${location.source.detail}) is not a local directory; Pinsight reads only local find-links directories.`,
      );
    } else if (!findLinks.some((f) => f.directory === directory)) {
      findLinks.push({ directory, source: location.source.detail });
    }
  }
  if (findLinks.length > 0) {
    notes.push(`${label}: also searching ${findLinks.map((f) => `${f.directory} (from ${f.source})`).join(", ")}.`);
  }
  if (config.noIndex) {
    notes.push(
      `${label}: --no-index (${config.noIndexSource?.detail ?? "configuration"}): no package index is contacted.`,
    );
  } else {
    notes.push(`${label}: using ${indexes.map((i) => `${i.display} (${i.role}, from ${i.source})`).join(", ")}.`);
  }
  for (const ignored of config.ignored) {
    notes.push(`${label}: ignoring index ${ignored.displayUrl} from ${ignored.source.detail}: ${ignored.reason}.`);
  }
  return { indexes, findLinks, noIndex: config.noIndex, notes };
}

function isPublicPyPI(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === "pypi.org" || host === "pypi.python.org";
  } catch {
    return false;
  }
}
