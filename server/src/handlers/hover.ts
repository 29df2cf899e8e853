import { MarkupKind, type Hover, type Position } from "vscode-languageserver/node";
import { entryAt, hoverAt } from "../core/analysis/hover";
import { toRange } from "../convert";
import { requirementInsight } from "../core/analysis/dependencyFindings";
import type { DocumentAnalysis, ProjectState } from "../projectState";

export function hoverFor(analysis: DocumentAnalysis, position: Position, project: ProjectState): Hover | null {
  const offset = analysis.lines.offsetAt(position);
  const includedBy = project.includersOf(analysis.file);
  const content = hoverAt(analysis.parsed, offset, {
    ...(analysis.installed ? { installed: analysis.installed } : {}),
    includedBy,
    constraint: project.isConstraintFile(analysis.file),
    ...(analysis.index ? { index: analysis.index } : {}),
    tree: analysis.tree,
    targets: analysis.targets,
    ...(analysis.compiled ? { compiled: analysis.compiled } : {}),
  });
  if (content === null) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: content.markdown },
    range: toRange(analysis.lines, content.span),
  };
}

/** The normalised name of the requirement under the cursor, if any. */
export function requirementNameAt(analysis: DocumentAnalysis, position: Position): string | undefined {
  const entry = entryAt(analysis.parsed, analysis.lines.offsetAt(position));
  return entry?.kind === "requirement" && entry.form === "pep508" ? entry.normalizedName : undefined;
}

/**
 * Starts what a full hover needs (the support timeline of each target) so the server can wait for it
 * briefly before answering.
 */
export function primeHover(analysis: DocumentAnalysis, position: Position): void {
  const entry = entryAt(analysis.parsed, analysis.lines.offsetAt(position));
  if (entry?.kind !== "requirement" || analysis.index === undefined) return;
  const requirement = analysis.tree.requirements.find((r) => r.entry === entry);
  if (requirement) requirementInsight(requirement, analysis.tree, analysis.index, analysis.targets, { full: true });
}
