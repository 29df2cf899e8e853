import * as fs from "node:fs";
import type { DocumentLink } from "vscode-languageserver/node";
import { toRange } from "../convert";
import { createIncludeReader } from "../node/includeReader";
import { fileToUri, type DocumentAnalysis } from "../projectState";

/** Links on `-r`/`-c` targets that exist, so Ctrl+click opens the included file. */
export function linksFor(analysis: DocumentAnalysis): DocumentLink[] {
  const reader = createIncludeReader();
  const links: DocumentLink[] = [];
  for (const entry of analysis.parsed.entries) {
    if (entry.kind !== "include") continue;
    const target = reader.resolve(analysis.file, entry.target.value);
    let exists = /^https?:\/\//i.test(target);
    if (!exists) {
      try {
        exists = fs.statSync(target).isFile();
      } catch {
        exists = false;
      }
    }
    if (!exists) continue;
    links.push({
      range: toRange(analysis.lines, entry.target.span),
      target: /^https?:\/\//i.test(target) ? target : fileToUri(target),
      tooltip: entry.constraint ? "Open constraints file" : "Open requirements file",
    });
  }
  return links;
}
