// The UMD build that the package's `main` names wraps its own `require` calls in a factory, which
// esbuild cannot follow, so a bundle importing "jsonc-parser" fails at run time with "Cannot find
// module './impl/format'". The ES module build has plain imports that every tool here resolves.
import { parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser/lib/esm/main.js";
import { normalizeName } from "../parsing/names";
import { span, type Span } from "../span";
import type { LockEntry, LockHash, LockProblem, LockSource, LockValue, ParsedLock } from "./lockModel";

/**
 * Pipfile.lock (pipenv): a JSON object with `_meta` (the Pipfile's hash, `pipfile-spec`, the required
 * Python and the package sources) and one object of packages per category (`default`, `develop` and any
 * custom category), each keyed by package name. Reading it never throws: JSON syntax errors become
 * problems and whatever the parser could still read is kept; values of the wrong type are reported
 * and skipped.
 */

/** How many JSON syntax errors are listed one by one; random bytes would otherwise yield thousands. */
const maxSyntaxProblems = 50;

/** Sentences for jsonc-parser's error codes, which it only names by identifier. */
const syntaxMessages: Readonly<Record<string, string>> = {
  InvalidSymbol: "an unexpected character or token",
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: "a property name was expected",
  ValueExpected: "a value was expected",
  ColonExpected: "a colon was expected",
  CommaExpected: "a comma was expected",
  CloseBraceExpected: "a closing brace was expected",
  CloseBracketExpected: "a closing bracket was expected",
  EndOfFileExpected: "nothing may follow the top-level value",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "a comment is not closed",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number ends too early",
  InvalidUnicode: "an invalid \\u escape",
  InvalidEscapeCharacter: "an invalid escape sequence",
  InvalidCharacter: "a control character inside a string",
};

/** One package source of `_meta.sources`, kept so that an entry's `index` name can be resolved to a URL. */
interface SourceInfo {
  readonly name: string | null;
  readonly url: string | null;
}

interface MetaInfo {
  lockVersion: LockValue | null;
  python: ParsedLock["python"];
  contentHash: LockValue | null;
  sources: LockValue[];
  sourceInfos: SourceInfo[];
}

/** Parses the text of a Pipfile.lock into the common lock model. */
export function parsePipfileLock(text: string): ParsedLock {
  const problems: LockProblem[] = [];
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    // jsonc-parser descends recursively, so absurdly deep nesting exhausts the stack. No real lock file
    // is nested more than a few levels, so reporting the file as unreadable loses nothing.
    problems.push({
      message: "The file is nested too deeply to be read as a Pipfile.lock.",
      span: span(0, Math.min(text.length, 1)),
      severity: "error",
    });
    root = undefined;
  }
  if (root !== undefined) clampToText(root, text.length);
  problems.push(...syntaxProblems(errors, text.length));

  const meta: MetaInfo = { lockVersion: null, python: null, contentHash: null, sources: [], sourceInfos: [] };
  const entries: LockEntry[] = [];
  const result = (): ParsedLock => ({
    format: "Pipfile.lock",
    text,
    lockVersion: meta.lockVersion,
    python: meta.python,
    contentHash: meta.contentHash,
    sources: meta.sources,
    entries,
    problems,
  });

  if (root === undefined) return result();
  if (root.type !== "object") {
    problems.push(problem("A Pipfile.lock is a JSON object; this file holds another kind of value.", root, "error"));
    return result();
  }

  const properties = propertiesOf(root, text, problems);
  // `_meta` is read first wherever it stands, because entries name their index by a source name
  // that only `_meta.sources` turns into a URL. A repeated `_meta` counts once, the last, as for pipenv.
  const metaProperty = properties.filter((property) => property.key === "_meta").pop();
  if (metaProperty !== undefined) readMeta(metaProperty.value, text, meta, problems);

  for (const property of properties) {
    if (property.key === "_meta") continue;
    const category = property.value;
    if (category === undefined) continue;
    if (category.type !== "object") {
      problems.push(problem(`The category "${property.key}" should be an object of packages.`, category, "warning"));
      continue;
    }
    for (const package_ of propertiesOf(category, text, problems)) {
      entries.push(readEntry(package_, property.key, text, meta, problems));
    }
  }
  return result();
}

/** A property of a JSON object: its decoded key, where the key is (without quotes), and its value node. */
interface Property {
  readonly key: string;
  readonly keySpan: Span;
  readonly node: Node;
  readonly value: Node | undefined;
}

/**
 * The properties of an object node in order. A repeated key is reported: JSON readers such as Python's
 * keep only the last one, so the earlier value is silently lost for pipenv.
 */
function propertiesOf(object: Node, text: string, problems: LockProblem[]): Property[] {
  const properties: Property[] = [];
  const seen = new Set<string>();
  for (const node of object.children ?? []) {
    const keyNode = node.children?.[0];
    if (node.type !== "property" || keyNode === undefined) continue;
    const key = stringOf(keyNode);
    if (key === null) continue;
    if (seen.has(key)) {
      problems.push(problem(`"${key}" appears more than once here; only the last one counts.`, keyNode, "warning"));
    }
    seen.add(key);
    properties.push({ key, keySpan: contentSpan(keyNode, text), node, value: node.children?.[1] });
  }
  return properties;
}

function readMeta(node: Node | undefined, text: string, meta: MetaInfo, problems: LockProblem[]): void {
  if (node === undefined) return;
  if (node.type !== "object") {
    problems.push(problem('"_meta" should be an object.', node, "warning"));
    return;
  }
  const fields = propertyMap(propertiesOf(node, text, problems));

  const hash = fields.get("hash");
  if (hash?.type === "object") {
    const sha256 = propertyMap(propertiesOf(hash, text, problems)).get("sha256");
    if (sha256 !== undefined) meta.contentHash = stringValue(sha256, text, '"_meta.hash.sha256"', problems);
  } else if (hash !== undefined) {
    problems.push(problem('"_meta.hash" should be an object.', hash, "warning"));
  }

  const spec = fields.get("pipfile-spec");
  if (spec !== undefined) {
    if (spec.type === "number" || spec.type === "string") {
      // The value is kept as written (e.g. "6"), so a spec version that is not a plain integer still shows.
      meta.lockVersion =
        spec.type === "string"
          ? { value: stringOf(spec) ?? "", span: contentSpan(spec, text) }
          : { value: text.slice(spec.offset, spec.offset + spec.length), span: nodeSpan(spec) };
    } else {
      problems.push(problem('"_meta.pipfile-spec" should be a number.', spec, "warning"));
    }
  }

  const requires = fields.get("requires");
  if (requires?.type === "object") {
    const requirements = propertyMap(propertiesOf(requires, text, problems));
    const version = requirements.get("python_version");
    const fullVersion = requirements.get("python_full_version");
    const versionValue = version && stringValue(version, text, '"python_version"', problems);
    const fullValue = fullVersion && stringValue(fullVersion, text, '"python_full_version"', problems);
    // pipenv writes both when the Pipfile names a full version; the minor version is what the analysis
    // compares with Requires-Python and wheel tags, and pinning a patch release would be stricter than
    // the project meant, so `python_version` wins and the full version is the fallback.
    const raw = versionValue ?? fullValue ?? null;
    if (raw !== null) meta.python = { raw, pep440: pep440OfPythonVersion(raw.value) };
  } else if (requires !== undefined) {
    problems.push(problem('"_meta.requires" should be an object.', requires, "warning"));
  }

  const sources = fields.get("sources");
  if (sources?.type === "array") {
    for (const source of sources.children ?? []) {
      if (source.type !== "object") {
        problems.push(problem("A package source should be an object with a name and a URL.", source, "warning"));
        continue;
      }
      const sourceFields = propertyMap(propertiesOf(source, text, problems));
      const urlNode = sourceFields.get("url");
      const nameNode = sourceFields.get("name");
      const url = urlNode && stringValue(urlNode, text, "A source's URL", problems);
      if (url) meta.sources.push(url);
      meta.sourceInfos.push({ name: nameNode ? stringOf(nameNode) : null, url: url ? url.value : null });
    }
  } else if (sources !== undefined) {
    problems.push(problem('"_meta.sources" should be an array.', sources, "warning"));
  }
}

/** The keys that name a version-control source, and the model's kind for each. */
const vcsKeys: readonly (readonly [string, LockSource["kind"]])[] = [
  ["git", "git"],
  ["hg", "vcs"],
  ["svn", "vcs"],
  ["bzr", "vcs"],
];

function readEntry(
  property: Property,
  category: string,
  text: string,
  meta: MetaInfo,
  problems: LockProblem[],
): LockEntry {
  const value = property.value;
  const fields = value?.type === "object" ? propertyMap(propertiesOf(value, text, problems)) : new Map<string, Node>();
  if (value !== undefined && value.type !== "object") {
    problems.push(problem(`The entry for "${property.key}" should be an object.`, value, "warning"));
  }

  const versionNode = fields.get("version");
  const version = versionNode ? readVersion(versionNode, property.key, text, problems) : null;

  const hashes: LockHash[] = [];
  const hashesNode = fields.get("hashes");
  if (hashesNode?.type === "array") {
    for (const hash of hashesNode.children ?? []) {
      const parsed = readHash(hash, text);
      if (parsed) hashes.push(parsed);
      else problems.push(problem('A hash should be a string of the form "sha256:<hex digest>".', hash, "warning"));
    }
  } else if (hashesNode !== undefined) {
    problems.push(problem('"hashes" should be an array of strings.', hashesNode, "warning"));
  }

  const markersNode = fields.get("markers");
  const marker = markersNode ? stringValue(markersNode, text, '"markers"', problems) : null;

  const extras = fields.get("extras");
  // The model has no place for an entry's own extras; they are only checked, so that a malformed
  // value is reported like every other field.
  if (extras !== undefined && (extras.type !== "array" || extras.children?.some((item) => item.type !== "string"))) {
    problems.push(problem('"extras" should be an array of strings.', extras, "warning"));
  }

  return {
    name: { value: property.key, span: property.keySpan },
    normalizedName: normalizeName(property.key),
    version,
    source: value?.type === "object" ? readSource(fields, property.key, text, meta, problems) : unknownSource,
    hashes,
    marker: marker && marker.value.trim() !== "" ? marker.value.trim() : null,
    markerByGroup: null,
    groups: [category],
    requiresPython: null,
    dependencies: [],
    via: [],
    span: nodeSpan(property.node),
  };
}

const unknownSource: LockSource = { kind: "unknown", url: null, reference: null };

/** `"==2.31.0"` → the version `2.31.0`, located on its digits inside the string. */
function readVersion(node: Node, name: string, text: string, problems: LockProblem[]): LockValue | null {
  const value = stringValue(node, text, `The version of "${name}"`, problems);
  if (value === null) return null;
  const match = /^(\s*===?\s*)([^\s=<>!~,;*]+)\s*$/.exec(value.value);
  if (match === null) {
    problems.push({
      message: `The version of "${name}" should be an exact pin such as "==1.0"; "${value.value}" is not.`,
      span: value.span,
      severity: "warning",
    });
    return null;
  }
  const prefix = match[1] ?? "";
  const version = match[2] ?? "";
  // Offsets within the decoded string are offsets in the file only when the string has no escapes;
  // otherwise the whole string content is the closest honest span.
  const raw = text.slice(value.span.start, value.span.end);
  if (raw !== value.value) return { value: version, span: value.span };
  const start = value.span.start + prefix.length;
  return { value: version, span: span(start, start + version.length) };
}

function readHash(node: Node, text: string): LockHash | null {
  const value = stringOf(node);
  if (value === null) return null;
  const match = /^([A-Za-z0-9]+):([0-9A-Fa-f]+)$/.exec(value.trim());
  if (match === null) return null;
  return {
    algorithm: (match[1] ?? "").toLowerCase(),
    digest: (match[2] ?? "").toLowerCase(),
    file: null,
    span: contentSpan(node, text),
  };
}

function readSource(
  fields: Map<string, Node>,
  name: string,
  text: string,
  meta: MetaInfo,
  problems: LockProblem[],
): LockSource {
  const ref = fields.get("ref");
  const reference = ref ? stringOf(ref) : null;
  for (const [key, kind] of vcsKeys) {
    const node = fields.get(key);
    if (node === undefined) continue;
    const url = stringValue(node, text, `"${key}"`, problems);
    return { kind, url: url ? url.value : null, reference };
  }
  const pathNode = fields.get("path");
  if (pathNode !== undefined) {
    const path = stringValue(pathNode, text, '"path"', problems);
    const editable = fields.get("editable");
    return { kind: editable?.value === true ? "editable" : "path", url: path ? path.value : null, reference: null };
  }
  const fileNode = fields.get("file");
  if (fileNode !== undefined) {
    const file = stringValue(fileNode, text, '"file"', problems);
    // pipenv writes remote archives under `file` too; only a file: URL or a bare path is local.
    const remote = file !== null && /^[a-z][a-z0-9+.-]*:\/\//i.test(file.value) && !/^file:/i.test(file.value);
    return { kind: remote ? "url" : "file", url: file ? file.value : null, reference: null };
  }
  const indexNode = fields.get("index");
  if (indexNode !== undefined) {
    const index = stringValue(indexNode, text, '"index"', problems);
    if (index === null) return { kind: "registry", url: null, reference: null };
    const source = meta.sourceInfos.find((info) => info.name === index.value);
    if (source === undefined) {
      problems.push({
        message: `"${name}" names the index "${index.value}", which is not one of the sources in "_meta.sources".`,
        span: index.span,
        severity: "warning",
      });
    }
    return { kind: "registry", url: source?.url ?? null, reference: null };
  }
  if (fields.has("version") || fields.has("hashes")) {
    // Without `index`, pipenv installs from the first source (it stopped searching the others by default
    // in 2022), so that source is where the locked version comes from.
    return { kind: "registry", url: meta.sourceInfos[0]?.url ?? null, reference: null };
  }
  return unknownSource;
}

/**
 * `python_version = "3.11"` means any 3.11 interpreter (`==3.11.*`); a full version such as `3.11.4`
 * means that release exactly. Anything that is not a plain dotted number has no PEP 440 rendering.
 */
function pep440OfPythonVersion(raw: string): string | null {
  const version = raw.trim();
  if (!/^\d+(\.\d+)*$/.test(version)) return null;
  return version.split(".").length <= 2 ? `==${version}.*` : `==${version}`;
}

function propertyMap(properties: readonly Property[]): Map<string, Node> {
  // Later properties overwrite earlier ones, as in every JSON reader pipenv uses.
  const map = new Map<string, Node>();
  for (const property of properties) if (property.value !== undefined) map.set(property.key, property.value);
  return map;
}

/** A string node's value with its span, or null (reported) when the node holds another type. */
function stringValue(node: Node, text: string, what: string, problems: LockProblem[]): LockValue | null {
  const value = stringOf(node);
  if (value === null) {
    problems.push(problem(`${what} should be a string.`, node, "warning"));
    return null;
  }
  return { value, span: contentSpan(node, text) };
}

function stringOf(node: Node): string | null {
  const value: unknown = node.value;
  return node.type === "string" && typeof value === "string" ? value : null;
}

/**
 * Clamps every node's extent to the text. jsonc-parser counts the missing terminator of an
 * unterminated block comment (`[` then slash-star), so a node can end past the end of the text, and
 * every span made from it would point outside the document (found by the fuzzer, see
 * test/fixtures/fuzz/Pipfile.lock).
 */
function clampToText(root: Node, length: number): void {
  // The nodes are plain objects that this parse alone owns; the typings only declare them read-only.
  const stack: { offset: number; length: number; readonly children?: Node[] }[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    node.offset = Math.min(node.offset, length);
    node.length = Math.min(node.length, length - node.offset);
    if (node.children !== undefined) for (const child of node.children) stack.push(child);
  }
}

function nodeSpan(node: Node): Span {
  return span(node.offset, node.offset + node.length);
}

/** The span of a string node without its quotes (an unterminated string has no closing quote to drop). */
function contentSpan(node: Node, text: string): Span {
  const start = node.offset + 1;
  let end = node.offset + node.length;
  if (end - 1 >= start && text[end - 1] === '"') end -= 1;
  return span(Math.min(start, end), end);
}

function problem(message: string, node: Node, severity: LockProblem["severity"]): LockProblem {
  return { message, span: nodeSpan(node), severity };
}

function syntaxProblems(errors: readonly ParseError[], length: number): LockProblem[] {
  const problems: LockProblem[] = errors.slice(0, maxSyntaxProblems).map((error) => {
    const start = Math.max(0, Math.min(error.offset, length));
    const name = printParseErrorCode(error.error);
    return {
      message: `JSON syntax error: ${syntaxMessages[name] ?? name}.`,
      span: span(start, Math.min(length, start + Math.max(0, error.length))),
      severity: "error",
    };
  });
  const rest = errors.length - maxSyntaxProblems;
  const last = errors[errors.length - 1];
  if (rest > 0 && last !== undefined) {
    const start = Math.max(0, Math.min(last.offset, length));
    problems.push({
      message: `${rest} more JSON syntax errors follow; the file does not look like JSON.`,
      span: span(start, start),
      severity: "error",
    });
  }
  return problems;
}
