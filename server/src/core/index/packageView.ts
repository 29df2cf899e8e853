import { canonicalizeVersion } from "../pep440/version";
import type { ProjectLookup } from "./indexClient";
import type { IndexFile, ProjectPage, Release } from "./releaseModel";
import { groupReleases } from "./releases";

/** The state of a package across all configured indexes. */
export type PackageState =
  /** At least one index lists the project. */
  | "found"
  /** Every configured index answered 404/410. */
  | "not-found"
  /** No index lists it and at least one could not be asked (network, HTTP error, offline miss). */
  | "error"
  /** Some answers are still missing and none found it yet. */
  | "pending";

/** What every configured index says about one package, merged the way pip merges candidates. */
export interface PackageView {
  readonly name: string;
  readonly state: PackageState;
  /** True when every index has answered (found or not found), so absence of a version is certain. */
  readonly complete: boolean;
  /** One entry per configured index, in configuration order; undefined while not yet answered. */
  readonly lookups: readonly (ProjectLookup | undefined)[];
  /** Releases from every index that lists the project, merged by version, newest first. */
  readonly releases: readonly Release[];
  /** Display URLs (credentials redacted) of the indexes that list the project. */
  readonly foundOn: readonly string[];
  /** Errors of the indexes that could not answer, as "host: message". */
  readonly errors: readonly string[];
}

/**
 * Merges the lookups of one package on each configured index. pip gathers candidate files from every
 * index and find-links location and picks among all of them, so the releases here are the union of
 * files grouped by version: a version is yanked only when every file of it, on every index, is.
 */
export function mergePackage(name: string, lookups: readonly (ProjectLookup | undefined)[]): PackageView {
  const pages: ProjectPage[] = [];
  const foundOn: string[] = [];
  const errors: string[] = [];
  let pending = false;
  let notFound = 0;
  for (const lookup of lookups) {
    if (lookup === undefined) {
      pending = true;
      continue;
    }
    const answer = lookup.answer;
    if (answer.kind === "found") {
      pages.push(answer.page);
      foundOn.push(lookup.index);
    } else if (answer.kind === "not-found") {
      notFound++;
    } else {
      errors.push(`${hostOfDisplay(lookup.index)}: ${answer.message}`);
    }
  }
  let state: PackageState;
  if (pages.length > 0) state = "found";
  else if (pending) state = "pending";
  else if (errors.length > 0) state = "error";
  else state = notFound > 0 ? "not-found" : "pending";
  const releases = pages.length === 1 && pages[0] ? groupReleases(pages[0]) : mergedReleases(name, pages);
  return { name, state, complete: !pending && errors.length === 0, lookups, releases, foundOn, errors };
}

function mergedReleases(name: string, pages: readonly ProjectPage[]): Release[] {
  if (pages.length === 0) return [];
  const files: IndexFile[] = [];
  const versions: string[] = [];
  let hasVersions = false;
  for (const page of pages) {
    files.push(...page.files);
    if (page.versions) {
      hasVersions = true;
      versions.push(...page.versions);
    }
  }
  const first = pages[0];
  const combined: ProjectPage = {
    name,
    format: first ? first.format : "simple-json",
    apiVersion: first ? first.apiVersion : "1.0",
    files,
    versions: hasVersions ? [...new Set(versions)] : null,
    status: first ? first.status : null,
    warnings: [],
  };
  return groupReleases(combined);
}

const releaseIndex = new WeakMap<readonly Release[], Map<string, Release>>();

/**
 * Finds the release matching a version by PEP 440 equality (so `1.0` finds `1.0.0`). The lookup map
 * is built once per release list (lists are immutable), since analyses ask for many versions.
 */
export function findRelease(view: PackageView, version: string): Release | undefined {
  let byVersion = releaseIndex.get(view.releases);
  if (byVersion === undefined) {
    byVersion = new Map();
    // Newest first, so the first spelling of a canonical version wins, as the linear search did.
    for (const release of [...view.releases].reverse()) {
      byVersion.set(canonicalizeVersion(release.version), release);
      byVersion.set(release.version, release);
    }
    releaseIndex.set(view.releases, byVersion);
  }
  return byVersion.get(version) ?? byVersion.get(canonicalizeVersion(version));
}

/** An index by its host in messages; a local (`file:`) index by its path. */
function hostOfDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "file:" ? decodeURIComponent(parsed.pathname) : parsed.host;
  } catch {
    return url;
  }
}
