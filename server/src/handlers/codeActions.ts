import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import type { FixOption, PinFixData } from "../core/analysis/findings";
import { fixesFor, preferredPinEdits, type TextEdit } from "../core/analysis/fixes";
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
    // Several diagnostics of one line (unpinned and python-support, say) offer the same fixes: each
    // fix is listed once, naming every diagnostic it resolves.
    const byKey = new Map<string, CodeAction & { diagnostics: Diagnostic[] }>();
    for (const diagnostic of params.context.diagnostics) {
      const data = pinData(diagnostic);
      if (data === undefined) continue;
      for (const fix of fixesFor(data, analysis.parsed)) {
        const key = `${fix.title}\u0000${JSON.stringify(fix.edits)}`;
        const existing = byKey.get(key);
        if (existing) {
          existing.diagnostics.push(diagnostic);
          existing.isPreferred = existing.isPreferred === true || fix.preferred;
          continue;
        }
        const action = {
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: fix.preferred,
          edit: workspaceEdit(analysis, fix.edits, versionedEdits),
        };
        byKey.set(key, action);
        actions.push(action);
      }
    }
  }
  if (wants(pinAllKind)) {
    const edits = pinAllFromFindings(analysis);
    if (edits.length > 0) {
      actions.push({
        title: `Pin all requirements (${edits.length})`,
        kind: pinAllKind,
        edit: workspaceEdit(analysis, edits, versionedEdits),
      });
    }
  }
  return actions;
}

/** The preferred pin of every unpinned or ranged line of the document. */
export function pinAllFromFindings(analysis: DocumentAnalysis): TextEdit[] {
  return preferredPinEdits(analysis.findings, analysis.parsed);
}

function pinData(diagnostic: Diagnostic): PinFixData | undefined {
  if (diagnostic.source !== "pinsight") return undefined;
  const data = diagnostic.data as Partial<PinFixData> | undefined;
  // The data comes back from the client: check its shape rather than trust it.
  if (
    data === undefined ||
    data === null ||
    data.kind !== "pin" ||
    typeof data.package !== "string" ||
    typeof data.entryStart !== "number" ||
    !Array.isArray(data.options)
  ) {
    return undefined;
  }
  const options = (data.options as unknown[]).filter(isFixOption);
  return { kind: "pin", package: data.package, entryStart: data.entryStart, options };
}

function isFixOption(value: unknown): value is FixOption {
  if (typeof value !== "object" || value === null) return false;
  const option = value as Partial<FixOption>;
  return (
    (option.action === "pin" || option.action === "bound" || option.action === "add") &&
    typeof option.version === "string" &&
    typeof option.title === "string" &&
    typeof option.preferred === "boolean" &&
    (option.hashes === undefined ||
      (Array.isArray(option.hashes) &&
        option.hashes.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h)))) &&
    (option.name === undefined || typeof option.name === "string")
  );
}

function workspaceEdit(analysis: DocumentAnalysis, edits: readonly TextEdit[], versioned: boolean): WorkspaceEdit {
  const lspEdits = edits.map((edit) => toTextEdit(analysis.lines, edit));
  if (!versioned) return { changes: { [analysis.uri]: lspEdits } };
  return { documentChanges: [{ textDocument: { uri: analysis.uri, version: analysis.version }, edits: lspEdits }] };
}
