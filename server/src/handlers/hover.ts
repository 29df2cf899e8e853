import { MarkupKind, type Hover, type Position } from "vscode-languageserver/node";
import { hoverAt } from "../core/analysis/hover";
import { toRange } from "../convert";
import type { DocumentAnalysis, ProjectState } from "../projectState";

export function hoverFor(analysis: DocumentAnalysis, position: Position, project: ProjectState): Hover | null {
  const offset = analysis.lines.offsetAt(position);
  const includedBy = project.includersOf(analysis.file);
  const content = hoverAt(analysis.parsed, offset, {
    ...(analysis.installed ? { installed: analysis.installed } : {}),
    includedBy,
    constraint: project.isConstraintFile(analysis.file),
    ...(analysis.index ? { index: analysis.index } : {}),
  });
  if (content === null) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: content.markdown },
    range: toRange(analysis.lines, content.span),
  };
}
