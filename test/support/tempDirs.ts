import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const created: string[] = [];

/** A fresh temporary directory that is removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (created.length === 0) {
    process.on("exit", () => {
      for (const d of created) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  created.push(dir);
  return dir;
}
