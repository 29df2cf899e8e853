import { parseVersion } from "../pep440/version";
import type { PackageView } from "../index/packageView";
import type { IndexFile, Release } from "../index/releaseModel";
import { requiresPythonAllows, wheelSupportsPython } from "../index/releases";
import { plainText } from "./markdown";

/** One release in `pinsight versions` output; the JSON shape is a public contract (issue 3). */
export interface VersionsRelease {
  readonly version: string;
  readonly prerelease: boolean;
  readonly yanked: boolean;
  readonly yankedReason: string | null;
  readonly requiresPython: string | null;
  readonly uploadTime: string | null;
  readonly files: readonly string[];
  readonly compatible: Readonly<Record<string, boolean>>;
}

export interface VersionsReport {
  readonly name: string;
  readonly indexes: readonly string[];
  readonly releases: readonly VersionsRelease[];
}

/**
 * Whether a file could be installed on a CPython of `python` (e.g. "3.8"): its requires-python admits
 * that version (invalid values are ignored, as pip does), and it is an sdist or a wheel whose Python
 * tag fits. Platform tags are not checked: Pinsight does not know the user's platform.
 */
export function fileInstallableOn(file: IndexFile, python: string): boolean {
  if (!requiresPythonAllows(file.requiresPython, python)) return false;
  if (file.packagetype === "sdist") return true;
  if (file.packagetype === "wheel" && file.wheel) return wheelSupportsPython(file.wheel, python);
  return false;
}

/** A short description of a file's kind: "sdist" or the wheel's `python-abi-platform` tag triple. */
export function fileKind(file: IndexFile): string {
  if (file.packagetype === "sdist") return "sdist";
  if (file.packagetype === "wheel" && file.wheel) {
    return `${file.wheel.python.join(".")}-${file.wheel.abi.join(".")}-${file.wheel.platform.join(".")}`;
  }
  const dot = file.filename.lastIndexOf(".");
  return dot >= 0 ? file.filename.slice(dot + 1).toLowerCase() : "other";
}

/** Builds the `pinsight versions` report: releases newest first, with compatibility per Python. */
export function versionsReport(view: PackageView, pythons: readonly string[]): VersionsReport {
  const releases = view.releases.map((release) => describeRelease(release, pythons));
  return { name: view.name, indexes: view.foundOn, releases };
}

function describeRelease(release: Release, pythons: readonly string[]): VersionsRelease {
  const kinds = [...new Set(release.files.map(fileKind))].sort((a, b) =>
    a === "sdist" ? -1 : b === "sdist" ? 1 : a.localeCompare(b),
  );
  const compatible: Record<string, boolean> = {};
  for (const python of pythons) compatible[python] = release.files.some((file) => fileInstallableOn(file, python));
  const version = parseVersion(release.version);
  return {
    version: release.version,
    prerelease: version !== null && version.isPrerelease,
    yanked: release.yanked,
    // The reason is index text: the JSON contract carries it inert and capped, like every other output.
    yankedReason: release.yanked && release.yankedReason ? plainText(release.yankedReason, 1000) : null,
    requiresPython: release.requiresPython.length === 0 ? null : release.requiresPython.join(" | "),
    uploadTime: release.uploadTime,
    files: kinds,
    compatible,
  };
}

/** The report as an aligned text table for terminals; index text is made inert. */
export function formatVersionsText(report: VersionsReport, pythons: readonly string[]): string {
  const header = ["VERSION", "REQUIRES-PYTHON", "UPLOADED", ...pythons.map((p) => `PY${p}`), "FILES"];
  const rows = report.releases.map((r) => [
    plainText(r.version, 40) + (r.yanked ? " (yanked)" : ""),
    plainText(r.requiresPython ?? "-", 40),
    r.uploadTime ? r.uploadTime.slice(0, 10) : "-",
    ...pythons.map((p) => (r.compatible[p] ? "yes" : "no")),
    plainText(r.files.join(", "), 120),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = [`${report.name} — ${report.releases.length} releases from ${report.indexes.join(", ") || "no index"}`];
  out.push(line(header));
  for (const [i, row] of rows.entries()) {
    out.push(line(row));
    const reason = report.releases[i]?.yankedReason;
    if (reason) out.push(`    yanked: ${plainText(reason, 200)}`);
  }
  return `${out.join("\n")}\n`;
}
