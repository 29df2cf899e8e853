import {
  CompletionItemKind,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
} from "vscode-languageserver/node";
import { versionCompletions, versionContext } from "../core/analysis/versionHints";
import { normalizeName } from "../core/parsing/names";
import type { DocumentAnalysis } from "../projectState";

/** Version completion after a comparison operator, from the cached release list of the package. */
export function completionFor(analysis: DocumentAnalysis, params: CompletionParams): CompletionList | null {
  const { line, character } = params.position;
  const lineStart = analysis.lines.offsetAt({ line, character: 0 });
  const cursor = analysis.lines.offsetAt(params.position);
  const context = versionContext(analysis.parsed.text.slice(lineStart, cursor));
  if (context === null || analysis.index === undefined) return null;
  const name = normalizeName(context.name);
  const view = analysis.index.view(name);
  if (!view || view.state !== "found") return { isIncomplete: view?.state === "pending", items: [] };
  const start = { line, character: character - context.typed.length };
  const items: CompletionItem[] = versionCompletions(view.releases, analysis.targets, (target) =>
    analysis.index?.support?.(name, view.releases, target),
  ).map((item) => ({
    label: item.version,
    kind: CompletionItemKind.Value,
    detail: item.detail,
    sortText: item.sortText,
    filterText: item.version,
    ...(item.yanked ? { tags: [1 as const] } : {}),
    textEdit: { range: { start, end: params.position }, newText: item.version },
  }));
  return { isIncomplete: false, items };
}
