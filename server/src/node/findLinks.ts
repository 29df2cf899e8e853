import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseDistFilename } from "../core/index/filenames";
import type { ProjectLookup } from "../core/index/indexClient";
import type { IndexFile, ProjectPage } from "../core/index/releaseModel";
import { normalizeName } from "../core/parsing/names";

/** A `--find-links` location that Pinsight can read: a local directory. */
export interface FindLinksDirectory {
  readonly directory: string;
  /** Where it was configured, for logs and hovers. */
  readonly source: string;
}

interface Listing {
  readonly readAt: number;
  readonly byProject: ReadonlyMap<string, IndexFile[]> | null;
  readonly error: string | null;
}

const listingTtlMs = 5_000;
const maxEntries = 20_000;

/**
 * Reads `--find-links` directories the way pip's link collector treats a local directory: every file
 * in it (not recursively) is a candidate distribution, matched to projects by its file name. Listings
 * are cached briefly so that typing does not re-read the directory on every keystroke.
 */
export class FindLinksReader {
  private readonly listings = new Map<string, Listing>();

  /**
   * Resolves a configured `--find-links` value to a local directory, or null for URLs (not read by
   * Pinsight) and paths that are not directories. pip joins a relative path to the requirements file's
   * folder when that path exists there, else to the working directory.
   */
  static resolve(value: string, requirementsFile: string | null, cwd: string): string | null {
    let candidate = value;
    if (/^file:/i.test(candidate)) {
      try {
        candidate = fileURLToPath(candidate);
      } catch {
        return null;
      }
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(candidate)) {
      return null;
    }
    const options = path.isAbsolute(candidate)
      ? [candidate]
      : [
          ...(requirementsFile ? [path.join(path.dirname(requirementsFile), candidate)] : []),
          path.join(cwd, candidate),
        ];
    for (const option of options) {
      try {
        if (fs.statSync(option).isDirectory()) return option;
      } catch {
        // Try the next interpretation.
      }
    }
    return null;
  }

  /** What a find-links directory offers for a project, as an index lookup. */
  lookup(location: FindLinksDirectory, name: string, now = Date.now()): ProjectLookup {
    const listing = this.listing(location.directory, now);
    const display = pathToFileURL(location.directory).toString();
    if (listing.byProject === null) {
      return {
        index: display,
        answer: { kind: "error", message: listing.error ?? "cannot read directory" },
        fetchedAt: null,
        stale: false,
        lastError: listing.error,
      };
    }
    const files = listing.byProject.get(name);
    if (!files || files.length === 0) {
      return {
        index: display,
        answer: { kind: "not-found", status: 404 },
        fetchedAt: listing.readAt,
        stale: false,
        lastError: null,
      };
    }
    const page: ProjectPage = {
      name,
      format: "simple-html",
      apiVersion: "1.0",
      files,
      versions: null,
      status: null,
      warnings: [],
    };
    return {
      index: display,
      answer: { kind: "found", page },
      fetchedAt: listing.readAt,
      stale: false,
      lastError: null,
    };
  }

  private listing(directory: string, now: number): Listing {
    const cached = this.listings.get(directory);
    if (cached && now - cached.readAt < listingTtlMs) return cached;
    let listing: Listing;
    try {
      const names = fs.readdirSync(directory).slice(0, maxEntries);
      const byProject = new Map<string, IndexFile[]>();
      for (const filename of names) {
        const project = projectOf(filename);
        if (project === null) continue;
        const parsed = parseDistFilename(filename, project);
        if (!parsed || parsed.version === null) continue;
        const file: IndexFile = {
          filename,
          url: pathToFileURL(path.join(directory, filename)).toString(),
          packagetype: parsed.packagetype,
          version: parsed.version,
          wheel: parsed.wheel,
          requiresPython: null,
          yankedReason: null,
          uploadTime: null,
          size: null,
          sha256: null,
          coreMetadata: { available: false },
        };
        const list = byProject.get(project);
        if (list) list.push(file);
        else byProject.set(project, [file]);
      }
      listing = { readAt: now, byProject, error: null };
    } catch (error) {
      listing = { readAt: now, byProject: null, error: (error as Error).message };
    }
    this.listings.set(directory, listing);
    return listing;
  }
}

/**
 * The project a distribution file name belongs to. Wheel names and modern sdists separate the name
 * from the version at the first `-` followed by a digit; that is what pip's `_find_name_version_sep`
 * finds when it knows the name, and the project is confirmed by `parseDistFilename` afterwards.
 */
function projectOf(filename: string): string | null {
  const match = /^(.+?)-(?=\d)/.exec(filename);
  if (!match || match[1] === undefined) return null;
  return normalizeName(match[1]);
}
