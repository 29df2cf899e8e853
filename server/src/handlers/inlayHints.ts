import { InlayHintKind, type InlayHint, type InlayHintParams } from "vscode-languageserver/node";
import { versionHints } from "../core/analysis/versionHints";
import { documentKind, type DocumentAnalysis } from "../projectState";

/** Inlay hints after requirements: what a fresh install picks (`→ 3.1`) and a newer release (`⬆ 4.0`). */
export function inlayHintsFor(analysis: DocumentAnalysis, params: InlayHintParams): InlayHint[] {
  if (analysis.index === undefined) return [];
  const range = {
    start: analysis.lines.offsetAt(params.range.start),
    end: analysis.lines.offsetAt(params.range.end),
  };
  const afterString = documentKind(analysis.uri) === "manifest";
  return versionHints(analysis.tree, analysis.file, analysis.index, analysis.targets, range, { afterString }).map(
    (hint) => ({
      position: analysis.lines.positionAt(hint.offset),
      label: hint.label,
      kind: InlayHintKind.Type,
      tooltip: hint.tooltip,
      paddingLeft: false,
    }),
  );
}
