/**
 * Reads `Name` and `Version` from the RFC 822 header block of a distribution's METADATA (or an
 * egg's PKG-INFO): the headers end at the first blank line; folded continuation lines are ignored.
 */
export function parseDistMetadata(text: string): { name: string; version: string } | null {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === "") break;
    if (/^\s/.test(line)) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "name" && name === undefined) name = value;
    else if (key === "version" && version === undefined) version = value;
    if (name !== undefined && version !== undefined) break;
  }
  return name && version ? { name, version } : null;
}
