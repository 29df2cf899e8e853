/**
 * Decides whether a URL bypasses the proxy under a NO_PROXY list, with the conventions curl, pip
 * (through requests/urllib) and undici share: entries separated by commas or whitespace; `*` matches
 * everything; `example.com` and `.example.com` match the host and its subdomains; an entry may carry a
 * port (`host:8080`), which then must match too. Loopback is never proxied, because a proxy cannot reach
 * the user's own machine.
 */
export function matchesNoProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host === "127.0.0.1" || host === "::1") return true;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    let entryHost = entry;
    let entryPort: string | null = null;
    const portMatch = /^(.*?):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes("]") && (portMatch[1] ?? "").split(":").length === 1) {
      entryHost = portMatch[1] ?? "";
      entryPort = portMatch[2] ?? null;
    }
    if (entryPort !== null && entryPort !== port) continue;
    entryHost = entryHost.replace(/^\*?\./, "");
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}
