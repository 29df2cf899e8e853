import {
  DiagnosticSeverity,
  DiagnosticTag,
  type Diagnostic,
  type Range,
  type TextEdit as LspTextEdit,
} from "vscode-languageserver/node";
import { unnecessaryCodes, type Finding, type Severity } from "./core/analysis/findings";
import type { TextEdit } from "./core/analysis/fixes";
import type { Span } from "./core/span";
import type { LineIndex } from "./core/text/lineIndex";

/** The one place where core results become LSP types. */

export function toRange(lines: LineIndex, span: Span): Range {
  return { start: lines.positionAt(span.start), end: lines.positionAt(span.end) };
}

const severityMap: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(lines: LineIndex, finding: Finding): Diagnostic {
  const diagnostic: Diagnostic = {
    range: toRange(lines, finding.span),
    severity: severityMap[finding.severity],
    code: finding.code,
    source: "pinsight",
    message: finding.message,
  };
  if (finding.fix !== undefined) diagnostic.data = finding.fix;
  if (unnecessaryCodes.has(finding.code)) diagnostic.tags = [DiagnosticTag.Unnecessary];
  return diagnostic;
}

export function toTextEdit(lines: LineIndex, edit: TextEdit): LspTextEdit {
  return { range: toRange(lines, edit.span), newText: edit.newText };
}
