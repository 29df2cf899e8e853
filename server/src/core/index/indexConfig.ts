import type { OptionEntry } from "../parsing/requirementsModel";
import { expandEnvVars, redactUrl } from "./indexUrls";
import { describePipSource, type PipConfigResult, type PipConfigSource, type PipConfigValue } from "./pipConfig";

/**
 * The effective package-index configuration for one requirements file: which indexes a
 * `pip install -r <file>` would search, and where each came from, with the workspace-trust rules
 * applied. Pure: the caller passes the parsed tree's options, Pinsight's settings, the merged pip
 * configuration (`loadPipConfig`) and the environment.
 *
 * Precedence, highest first, following pip where pip has a rule:
 * 1. The requirements tree (`-i`/`--index-url`, `--extra-index-url`, `--no-index`, `-f`), applied
 *    line by line in pip's order: `--no-index` empties the list and makes later index options
 *    ignored; `-i` REPLACES the whole list built so far (pip's `index_urls = [opts.index_url]`,
 *    which also drops extras from settings and pip configuration); `--extra-index-url` appends.
 * 2. `pinsight.index.url` / `pinsight.index.extraUrls`, treated like pip's command-line options:
 *    the URL beats pip's environment and files; the extra URLs are appended after pip's extras.
 * 3. `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`, `PIP_NO_INDEX`, `PIP_FIND_LINKS`.
 * 4. pip configuration files (`[install]` over `[global]`; see `mergePipConfig`).
 * 5. The default index, https://pypi.org/simple/.
 *
 * Workspace trust: in an untrusted workspace, index options from requirements files, settings
 * with workspace scope and pip configuration files inside a workspace folder are not used (they
 * are listed in `ignored`), and `${VAR}` is not expanded. `--no-index` from a requirements file is
 * still honoured, since it only stops contacting indexes. A URL that still contains `${NAME}` is
 * never used, whatever its source.
 *
 * Credentials stay in `url` only; `displayUrl`, `source.detail` and reasons never contain them.
 */

export const defaultIndexUrl = "https://pypi.org/simple/";

export type IndexSourceKind = "requirements" | "setting" | "pip-env" | "pip-config" | "default";

export interface IndexSource {
  readonly kind: IndexSourceKind;
  /** E.g. "requirements.txt line 3", "PIP_INDEX_URL", "/etc/pip.conf [global]", "pinsight.index.url (workspace)". */
  readonly detail: string;
}

export interface ConfiguredIndex {
  /** The URL to request, credentials included. */
  readonly url: string;
  /** The URL for display, credentials redacted like pip does. */
  readonly displayUrl: string;
  readonly source: IndexSource;
  /** "primary" for the index URL (`-i` or its replacements), "extra" for extra index URLs. */
  readonly role: "primary" | "extra";
}

export interface IgnoredIndexUrl {
  readonly displayUrl: string;
  readonly source: IndexSource;
  readonly reason: string;
}

export interface IndexConfig {
  /** The indexes pip would search, in pip's order; empty under `--no-index`. */
  readonly indexes: readonly ConfiguredIndex[];
  readonly noIndex: boolean;
  /** Where `--no-index` came from, when it is set. */
  readonly noIndexSource?: IndexSource;
  /**
   * `--find-links` locations as written (pip joins a relative path to the requirements file's
   * directory only when that path exists, which the caller can check), pip configuration first.
   */
  readonly findLinks: readonly { readonly path: string; readonly source: IndexSource }[];
  /** URLs and locations that were configured but are not used, with why. */
  readonly ignored: readonly IgnoredIndexUrl[];
}

export type SettingScope = "user" | "workspace";

/** The index part of Pinsight's settings (structurally the same as `Settings["index"]`). */
export interface IndexSettings {
  readonly url: string | null;
  readonly urlScope: SettingScope;
  readonly extraUrls: readonly string[];
  readonly extraUrlsScope: SettingScope;
}

export interface IndexConfigInput {
  /** The tree's option lines in pip's processing order (`RequirementsTree.options`). */
  readonly options: readonly { readonly file: string; readonly entry: OptionEntry }[];
  readonly settings: IndexSettings;
  /** The merged pip configuration; null when it was not loaded. */
  readonly pipConfig: PipConfigResult | null;
  /** Environment for `${VAR}` expansion. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether the workspace is trusted. */
  readonly trusted: boolean;
  /**
   * Whether the requirements parser already expanded `${VAR}` in option values (it does when it
   * is given the environment). Defaults to true; when false, values are expanded here (if trusted).
   */
  readonly requirementsExpanded?: boolean;
  /** Workspace folder paths; pip configuration files inside them are workspace-controlled. */
  readonly workspaceFolders?: readonly string[];
  /** How to name a requirements file in `detail`; defaults to its last path segment. */
  readonly describeFile?: (file: string) => string;
}

function lastSegment(file: string): string {
  const trimmed = file.replace(/[\\/]+$/, "");
  const cut = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  return cut >= 0 ? trimmed.slice(cut + 1) : trimmed;
}

function normalizeFolder(folder: string): string {
  const slashed = folder.replace(/\\/g, "/").replace(/\/+$/, "");
  return /^[A-Za-z]:/.test(slashed) ? slashed.toLowerCase() : slashed;
}

/** Whether `file` is `folder` or inside it (separator- and, for drive paths, case-insensitive). */
function isInside(file: string, folders: readonly string[]): boolean {
  const target = normalizeFolder(file);
  return folders.some((folder) => {
    const base = normalizeFolder(folder);
    return base !== "" && (target === base || target.startsWith(base + "/"));
  });
}

const fromPip = (source: PipConfigSource): IndexSource => ({
  kind: source.kind === "env" ? "pip-env" : "pip-config",
  detail: describePipSource(source),
});

/** Computes the effective index configuration; see the module comment for the rules. */
export function computeIndexConfig(input: IndexConfigInput): IndexConfig {
  const { trusted, env, settings } = input;
  const describeFile = input.describeFile ?? lastSegment;
  const workspaceFolders = input.workspaceFolders ?? [];
  const ignored: IgnoredIndexUrl[] = [];
  const ignore = (raw: string, source: IndexSource, reason: string): void => {
    ignored.push({ displayUrl: redactUrl(raw), source, reason });
  };
  const untrustedReason = "the workspace is not trusted";

  /** Expands and validates one URL; undefined (and an `ignored` entry) when it cannot be used. */
  const prepare = (raw: string, source: IndexSource, expand: boolean): string | undefined => {
    let url = raw;
    if (expand) {
      const expansion = expandEnvVars(raw, env, trusted);
      if (expansion.refused.length > 0) {
        ignore(raw, source, `${untrustedReason}, so \${${expansion.refused[0] ?? ""}} is not expanded`);
        return undefined;
      }
      url = expansion.value;
    }
    const reference = /\$\{([A-Z0-9_]+)\}/.exec(url);
    if (reference !== null) {
      const why =
        source.kind === "pip-env" || source.kind === "pip-config"
          ? "pip does not expand variables in its configuration or PIP_* variables"
          : "the variable is not set or is empty";
      ignore(raw, source, `it contains \${${reference[1] ?? ""}}: ${why}`);
      return undefined;
    }
    if (url === "" || /\s/.test(url)) {
      ignore(raw, source, "it is not a valid URL (empty or containing whitespace)");
      return undefined;
    }
    return url;
  };

  /** A pip configuration value that may be used: not from a workspace file in an untrusted workspace. */
  const pipAllowed = <T>(value: PipConfigValue<T> | null | undefined): value is PipConfigValue<T> => {
    if (value === null || value === undefined) return false;
    if (trusted || value.source.kind !== "file" || !isInside(value.source.path, workspaceFolders)) return true;
    const source = fromPip(value.source);
    const values: readonly unknown[] = Array.isArray(value.value) ? value.value : [value.value];
    for (const item of values) {
      ignore(
        typeof item === "string" ? item : String(item),
        source,
        `${untrustedReason} (pip configuration inside the workspace)`,
      );
    }
    return false;
  };

  const pip = input.pipConfig;
  const settingSource = (name: string, scope: SettingScope): IndexSource => ({
    kind: "setting",
    detail: `pinsight.index.${name} (${scope})`,
  });

  // 1. What pip starts with (its `make_search_scope`): the index URL, then the extra URLs.
  let list: ConfiguredIndex[] = [];
  const add = (url: string, source: IndexSource, role: "primary" | "extra"): void => {
    list.push({ url, displayUrl: redactUrl(url), source, role });
  };

  let primary: { url: string; source: IndexSource } | undefined;
  if (settings.url !== null) {
    const source = settingSource("url", settings.urlScope);
    if (settings.urlScope === "workspace" && !trusted) ignore(settings.url, source, untrustedReason);
    else {
      const url = prepare(settings.url, source, true);
      if (url !== undefined) primary = { url, source };
    }
  }
  const pipIndex = pip?.indexUrl;
  if (pipAllowed(pipIndex)) {
    const source = fromPip(pipIndex.source);
    if (primary !== undefined) ignore(pipIndex.value, source, `overridden by ${primary.source.detail}`);
    else {
      const url = prepare(pipIndex.value, source, false);
      if (url !== undefined) primary = { url, source };
    }
  }
  primary ??= { url: defaultIndexUrl, source: { kind: "default", detail: "pip's default index" } };
  add(primary.url, primary.source, "primary");

  const pipExtras = pip?.extraIndexUrls;
  if (pipAllowed(pipExtras)) {
    const source = fromPip(pipExtras.source);
    for (const raw of pipExtras.value) {
      const url = prepare(raw, source, false);
      if (url !== undefined) add(url, source, "extra");
    }
  }
  if (settings.extraUrls.length > 0) {
    const source = settingSource("extraUrls", settings.extraUrlsScope);
    for (const raw of settings.extraUrls) {
      if (settings.extraUrlsScope === "workspace" && !trusted) ignore(raw, source, untrustedReason);
      else {
        const url = prepare(raw, source, true);
        if (url !== undefined) add(url, source, "extra");
      }
    }
  }

  let noIndex = false;
  let noIndexSource: IndexSource | undefined;
  const dropAll = (reason: string): void => {
    for (const index of list) ignored.push({ displayUrl: index.displayUrl, source: index.source, reason });
    list = [];
  };
  const pipNoIndex = pip?.noIndex;
  if (pipAllowed(pipNoIndex) && pipNoIndex.value) {
    noIndex = true;
    noIndexSource = fromPip(pipNoIndex.source);
    dropAll(`--no-index is set by ${noIndexSource.detail}`);
  }

  const findLinks: { path: string; source: IndexSource }[] = [];
  const pipFindLinks = pip?.findLinks;
  if (pipAllowed(pipFindLinks)) {
    const source = fromPip(pipFindLinks.source);
    for (const location of pipFindLinks.value) findLinks.push({ path: location, source });
  }

  // 2. The requirements tree, line by line. Within one line pip applies --no-index, then
  //    --index-url (the last one given), then the extra URLs, then the first --find-links.
  const expandRequirements = input.requirementsExpanded === false;
  const lines: { file: string; pipLine: number; entries: OptionEntry[] }[] = [];
  for (const { file, entry } of input.options) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.file === file && last.pipLine === entry.pipLine) last.entries.push(entry);
    else lines.push({ file, pipLine: entry.pipLine, entries: [entry] });
  }
  for (const line of lines) {
    const source: IndexSource = { kind: "requirements", detail: `${describeFile(line.file)} line ${line.pipLine}` };
    const valuesOf = (option: string): string[] =>
      line.entries.filter((e) => e.option === option).flatMap((e) => e.values.map((v) => v.value));

    if (line.entries.some((e) => e.option === "no-index")) {
      if (!noIndex) {
        noIndex = true;
        noIndexSource = source;
        dropAll(`--no-index is set by ${source.detail}`);
      }
    }
    const indexUrls = valuesOf("index-url");
    const chosen = indexUrls[indexUrls.length - 1];
    for (const raw of indexUrls.slice(0, -1)) ignore(raw, source, "a later --index-url on the same line replaces it");
    if (chosen !== undefined) {
      if (!trusted) ignore(chosen, source, untrustedReason);
      else if (noIndex) ignore(chosen, source, `--no-index is set by ${noIndexSource?.detail ?? "an earlier line"}`);
      else {
        const url = prepare(chosen, source, expandRequirements);
        if (url !== undefined) {
          dropAll(`replaced by --index-url at ${source.detail} (pip replaces the whole index list)`);
          add(url, source, "primary");
        }
      }
    }
    for (const raw of valuesOf("extra-index-url")) {
      if (!trusted) ignore(raw, source, untrustedReason);
      else if (noIndex) ignore(raw, source, `--no-index is set by ${noIndexSource?.detail ?? "an earlier line"}`);
      else {
        const url = prepare(raw, source, expandRequirements);
        if (url !== undefined) add(url, source, "extra");
      }
    }
    const links = valuesOf("find-links");
    const [firstLink, ...otherLinks] = links;
    if (firstLink !== undefined) {
      if (!trusted) ignore(firstLink, source, untrustedReason);
      else {
        const location = expandRequirements ? expandEnvVars(firstLink, env, true).value : firstLink;
        findLinks.push({ path: location, source });
      }
    }
    for (const raw of otherLinks) ignore(raw, source, "pip uses only the first --find-links of a line");
  }

  // Duplicates (same URL once redacted) add nothing: keep the first.
  const seen = new Set<string>();
  const indexes = list.filter((index) => {
    if (seen.has(index.displayUrl)) return false;
    seen.add(index.displayUrl);
    return true;
  });
  return noIndexSource === undefined
    ? { indexes, noIndex, findLinks, ignored }
    : { indexes, noIndex, noIndexSource, findLinks, ignored };
}
