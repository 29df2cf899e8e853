import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError, type HttpRequest, type HttpResponse } from "../core/index/httpTypes";

/** The same cap as for network responses: a local index page larger than this is refused. */
const maxBytes = 64 * 1024 * 1024;

/**
 * Answers a request for a `file:` URL the way pip reads a local index (`--index-url file:///…/simple`):
 * the file itself, or `index.html` inside a directory. A missing file is a 404, which the index client
 * records as "not on this index" — exactly what pip concludes.
 */
export async function fetchFile(request: HttpRequest): Promise<HttpResponse> {
  let file: string;
  try {
    file = fileURLToPath(request.url);
  } catch {
    throw new HttpError("protocol", `invalid file URL ${request.url}`);
  }
  const notFound: HttpResponse = { status: 404, url: request.url, headers: {}, body: "", wireBytes: 0 };
  try {
    let stat = await fs.stat(file);
    if (stat.isDirectory()) {
      file = path.join(file, "index.html");
      stat = await fs.stat(file);
    }
    if (!stat.isFile()) return notFound;
    if (stat.size > maxBytes) throw new HttpError("too-large", `${file} is larger than 64 MiB`);
    const body = await fs.readFile(file, "utf8");
    const contentType = file.endsWith(".json") ? "application/json" : "text/html";
    return {
      status: 200,
      url: request.url,
      headers: { "content-type": contentType, "last-modified": stat.mtime.toUTCString() },
      body,
      wireBytes: 0,
    };
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return notFound;
    throw new HttpError("network", `cannot read ${file}: ${code ?? String(error)}`);
  }
}
