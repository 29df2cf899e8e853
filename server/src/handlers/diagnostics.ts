import type { Diagnostic } from "vscode-languageserver/node";
import { toDiagnostic } from "../convert";
import type { DocumentAnalysis } from "../projectState";

/** The LSP diagnostics of an analysed document. */
export function diagnosticsFor(analysis: DocumentAnalysis): Diagnostic[] {
  return analysis.findings.map((finding) => toDiagnostic(analysis.lines, finding));
}
