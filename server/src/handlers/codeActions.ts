import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import type { PinFixData } from "../core/analysis/findings";
import { fixesFor, pinAllEdits, type TextEdit } from "../core/analysis/fixes";
import { toTextEdit } from "../convert";
import type { DocumentAnalysis } from "../projectState";

/** The kind of the "pin all" source action, so editors can run it on save as a fix-all. */
export const pinAllKind = `${CodeActionKind.SourceFixAll}.pinsight`;

/**
 * Quick fixes for Pinsight diagnostics and the "pin all" source action. Each action carries a
 * versioned edit: if the document changed since, the editor refuses it instead of corrupting text.
 */
export function codeActionsFor(
  analysis: DocumentAnalysis,
  params: CodeActionParams,
  versionedEdits: boolean,
): CodeAction[] {
  const actions: CodeAction[] = [];
  const only = params.context.only;
  const wants = (kind: string): boolean =>
    only === undefined || only.some((o) => kind === o || kind.startsWith(`${o}.`));

  if (wants(CodeActionKind.QuickFix)) {
    for (const diagnostic of params.context.diagnostics) {
      const data = pinData(diagnostic);
      if (data === undefined) continue;
      for (const fix of fixesFor(data, analysis.parsed)) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: fix.preferred,
          edit: workspaceEdit(analysis, fix.edits, versionedEdits),
        });
      }
    }
  }
  if (wants(pinAllKind) && analysis.installed !== undefined) {
    const edits = pinAllEdits(analysis.parsed, analysis.installed.versions);
    if (edits.length > 0) {
      actions.push({
        title: `Pin all requirements to installed versions (${edits.length})`,
        kind: pinAllKind,
        edit: workspaceEdit(analysis, edits, versionedEdits),
      });
    }
  }
  return actions;
}

function pinData(diagnostic: Diagnostic): PinFixData | undefined {
  if (diagnostic.source !== "pinsight") return undefined;
  const data = diagnostic.data as Partial<PinFixData> | undefined;
  if (
    data === undefined ||
    data === null ||
    data.kind !== "pin" ||
    typeof data.package !== "string" ||
    typeof data.version !== "string" ||
    typeof data.entryStart !== "number" ||
    data.source !== "installed"
  ) {
    return undefined;
  }
  return data as PinFixData;
}

function workspaceEdit(analysis: DocumentAnalysis, edits: readonly TextEdit[], versioned: boolean): WorkspaceEdit {
  const lspEdits = edits.map((edit) => toTextEdit(analysis.lines, edit));
  if (!versioned) return { changes: { [analysis.uri]: lspEdits } };
  return { documentChanges: [{ textDocument: { uri: analysis.uri, version: analysis.version }, edits: lspEdits }] };
}
