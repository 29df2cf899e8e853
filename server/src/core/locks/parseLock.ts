import type { LockFormat, ParsedLock } from "./lockModel";
import { parsePdmLock } from "./pdmLock";
import { parsePipCompile } from "./pipCompile";
import { parsePipfileLock } from "./pipfileLock";
import { parsePoetryLock } from "./poetryLock";
import { parsePylock } from "./pylock";
import { parseUvLock } from "./uvLock";

/** Parses a lock file of a known format. */
export function parseLock(format: LockFormat, text: string): ParsedLock {
  switch (format) {
    case "poetry.lock":
      return parsePoetryLock(text);
    case "Pipfile.lock":
      return parsePipfileLock(text);
    case "uv.lock":
      return parseUvLock(text);
    case "pdm.lock":
      return parsePdmLock(text);
    case "pylock.toml":
      return parsePylock(text);
    case "pip-compile":
      return parsePipCompile(text);
  }
}
