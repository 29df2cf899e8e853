import { MarkupKind, type Diagnostic, type Hover, type Location, type Position } from "vscode-languageserver/node";
import { toDiagnostic, toRange } from "../convert";
import { lockHoverAt, lockEntryAt } from "../core/locks/lockHover";
import type { LockDocumentAnalysis } from "../projectState";

/** LSP diagnostics of an analysed lock file. */
export function lockDiagnostics(analysis: LockDocumentAnalysis): Diagnostic[] {
  return analysis.findings.map((finding) => toDiagnostic(analysis.lines, finding));
}

export function lockHover(analysis: LockDocumentAnalysis, position: Position): Hover | null {
  const content = lockHoverAt(analysis.lock, analysis.lines.offsetAt(position), analysis.index, analysis.targets);
  if (content === null) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: content.markdown },
    range: toRange(analysis.lines, content.span),
  };
}

/**
 * Starts what a full lock hover needs — the locked release's metadata (classifiers, advisories) and the
 * support timeline per target — so the server can wait for it briefly before answering.
 */
export function primeLockHover(analysis: LockDocumentAnalysis, position: Position): void {
  const entry = lockEntryAt(analysis.lock, analysis.lines.offsetAt(position));
  const index = analysis.index;
  if (!entry || !index || entry.version === null) return;
  const view = index.view(entry.normalizedName);
  index.releaseMetadata?.(entry.normalizedName, entry.version.value);
  index.loadMetadata?.(entry.normalizedName, new AbortController().signal).catch(() => undefined);
  if (view?.state === "found") {
    for (const target of analysis.targets.versions) index.support?.(entry.normalizedName, view.releases, target);
  }
}

/** Go to definition from a dependency named inside an entry to that package's own entry. */
export function lockDefinition(analysis: LockDocumentAnalysis, position: Position): Location | null {
  const offset = analysis.lines.offsetAt(position);
  for (const entry of analysis.lock.entries) {
    if (offset < entry.span.start || offset > entry.span.end) continue;
    for (const dependency of entry.dependencies) {
      if (dependency.span === null || offset < dependency.span.start || offset > dependency.span.end) continue;
      const target = analysis.lock.entries.find((e) => e.normalizedName === dependency.normalizedName);
      if (target) return { uri: analysis.uri, range: toRange(analysis.lines, target.name.span) };
    }
  }
  return null;
}
