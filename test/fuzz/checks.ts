import * as assert from "node:assert/strict";
import { readJsonApi } from "../../server/src/core/index/jsonApi";
import type { PageResult } from "../../server/src/core/index/pageCommon";
import { readSimpleHtml } from "../../server/src/core/index/simpleHtml";
import { readSimpleJson } from "../../server/src/core/index/simpleJson";
import type { LockFormat } from "../../server/src/core/locks/lockModel";
import { parseLock } from "../../server/src/core/locks/parseLock";
import { parseTomlDocument } from "../../server/src/core/locks/tomlDoc";
import { parseManifest, type ManifestKind } from "../../server/src/core/manifests/manifest";
import {
  defaultEnvironment,
  evaluateMarker,
  markerToString,
  parseMarker,
  pythonStringLiteral,
  type EvaluateContext,
  type MarkerEvaluation,
  type MarkerNode,
} from "../../server/src/core/parsing/markers";
import { parseRequirement, requirementsEqual, requirementToString } from "../../server/src/core/parsing/pep508";
import {
  parseRequirementsBytes,
  parseRequirementsText,
  parseRequirementsTree,
} from "../../server/src/core/parsing/requirementsFile";
import type {
  IncludeReader,
  ParsedRequirementsFile,
  RequirementEntry,
} from "../../server/src/core/parsing/requirementsModel";
import { parseSpecifierSet } from "../../server/src/core/pep440/specifier";
import { parseVersion } from "../../server/src/core/pep440/version";
import { assertSpansInside } from "./support";

/**
 * The oracles of the fuzzing suite, one per target. Each takes one input, runs the parser and throws
 * (an assertion error) when a property fails. The fuzz tests feed them generated inputs and the
 * regression test replays the fixtures of test/fixtures/fuzz through the same functions.
 */

// ---------------------------------------------------------------------------------------------------
// Requirements files.

/** Lines and pip line numbers must be whole and positive; every span inside the document. */
function checkParsedRequirements(parsed: ParsedRequirementsFile): void {
  assertSpansInside({ entries: parsed.entries, problems: parsed.problems }, parsed.text.length, "requirements");
  for (const entry of parsed.entries) {
    assert.ok(Number.isInteger(entry.pipLine) && entry.pipLine >= 1, `pip line ${entry.pipLine}`);
    if (entry.kind === "requirement" && entry.insertSpecifierAt !== undefined) {
      assert.ok(
        entry.insertSpecifierAt >= entry.span.start && entry.insertSpecifierAt <= entry.span.end,
        `insertSpecifierAt ${entry.insertSpecifierAt} outside the requirement ${entry.span.start}..${entry.span.end}`,
      );
    }
  }
}

/** Parses text as a requirements file: never throws, spans inside, printed requirements re-parse equal. */
export function checkRequirementsText(text: string): void {
  const parsed = parseRequirementsText(text);
  assert.equal(parsed.text, text);
  checkParsedRequirements(parsed);
  for (const entry of parsed.entries) {
    if (entry.kind !== "requirement") continue;
    checkRequirementEntryRoundTrip(entry);
    checkRequirementSpansPointAtValues(text, entry);
  }
}

/**
 * On a line that is written out as pip reads it (one physical line, no `${VAR}`, no escapes), each
 * part's span covers exactly its value: the name, extras, URL and marker as written.
 */
function checkRequirementSpansPointAtValues(text: string, entry: RequirementEntry): void {
  const written = text.slice(entry.span.start, entry.span.end);
  // eslint-disable-next-line no-control-regex -- Python's line breaks, which pip splits lines at.
  if (written !== entry.text || /[\r\n\v\f\x1c-\x1e\x85\u2028\u2029\\]|\$\{/.test(written)) return;
  const at = (located: { value: string; span: { start: number; end: number } }, what: string): void => {
    assert.equal(
      text.slice(located.span.start, located.span.end),
      located.value,
      `${what} span in ${JSON.stringify(written)}`,
    );
  };
  // A wheel URL gives the name from its file name, located at the whole URL.
  if (entry.name !== undefined && !(entry.form === "url" || entry.form === "path")) at(entry.name, "name");
  entry.extras.forEach((extra) => at(extra, "extra"));
  if (entry.url !== undefined) at(entry.url, "url");
  if (entry.marker !== undefined) at(entry.marker, "marker");
  // A comment ends the logical line, which a trailing backslash may have joined to the next one.
  const comment = entry.comment;
  if (comment !== undefined && !/[\\\r\n]/.test(text.slice(comment.span.start, comment.span.end))) {
    at(comment, "comment");
  }
}

/** Parses bytes (with encoding detection): never throws, spans inside the decoded text. */
export function checkRequirementsBytes(bytes: Uint8Array): void {
  const parsed = parseRequirementsBytes(bytes);
  checkParsedRequirements(parsed);
}

/**
 * A PEP 508 line of a requirements file, printed back as `name[extras]specifier @ url ; marker` and
 * parsed again, yields the same name, extras, specifier, marker and URL.
 */
function checkRequirementEntryRoundTrip(entry: RequirementEntry): void {
  if (entry.editable || (entry.form !== "pep508" && entry.form !== "pep508-url") || entry.name === undefined) return;
  const extras = entry.extras.map((e) => e.value);
  let printed = entry.name.value;
  if (extras.length > 0) printed += `[${extras.join(",")}]`;
  // The specifier as packaging prints a set (clauses without spaces): `===` takes everything up to
  // the next space, so a clause printed as written (`===0,==  0`) would swallow its neighbours.
  // An empty specifier (`name()`) prints as nothing, as packaging prints it.
  const specifier = normalSpecifier(entry.specifier?.value);
  if (specifier !== undefined) printed += specifier;
  // No space after `@`: a URL may start with `-` (`A@-e` is a valid PEP 508 URL), and a word that
  // starts with `-` after a space would be read as an option.
  if (entry.url !== undefined) printed += ` @${entry.url.value}`;
  if (entry.marker !== undefined) printed += ` ; ${entry.marker.value}`;
  const again = parseRequirementsText(printed);
  const errors = again.problems.filter((p) => p.severity === "error");
  assert.deepEqual(errors, [], `the printed requirement ${JSON.stringify(printed)} does not parse`);
  const requirements = again.entries.filter((e): e is RequirementEntry => e.kind === "requirement");
  assert.equal(requirements.length, 1, `the printed requirement ${JSON.stringify(printed)} is not one requirement`);
  const reparsed = requirements[0] as RequirementEntry;
  const what = `round trip of ${JSON.stringify(entry.text)} via ${JSON.stringify(printed)}`;
  assert.equal(reparsed.form, entry.form, what);
  assert.equal(reparsed.name?.value, entry.name.value, what);
  assert.deepEqual(
    reparsed.extras.map((e) => e.value),
    extras,
    what,
  );
  assert.equal(normalSpecifier(reparsed.specifier?.value), specifier, what);
  assert.equal(reparsed.url?.value, entry.url?.value, what);
  assert.equal(reparsed.marker?.value, entry.marker?.value, what);
}

/**
 * A specifier set's printed form (packaging's `str(SpecifierSet)`), the text when it is invalid, or
 * undefined when there is none or it is empty.
 */
function normalSpecifier(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const set = parseSpecifierSet(text);
  const printed = set.ok ? set.value.toString() : text;
  return printed === "" ? undefined : printed;
}

// ---------------------------------------------------------------------------------------------------
// PEP 508 requirements and markers.

/**
 * `parseRequirement`: never throws; the error span or every part's span inside the text; printing a
 * valid requirement (packaging's `str()`) and parsing it again gives an equal requirement, and the
 * printed form is a fixed point.
 */
export function checkPep508(text: string): void {
  const result = parseRequirement(text);
  if (!result.ok) {
    assertSpansInside(result.error, text.length, "pep508 error");
    return;
  }
  const requirement = result.requirement;
  assertSpansInside(requirement, text.length, "pep508");
  assert.ok(requirement.afterNameAndExtras <= text.length);
  if (printedLossily(requirement.markerTree)) return;
  const printed = requirementToString(requirement);
  const again = parseRequirement(printed);
  assert.ok(again.ok, `${JSON.stringify(text)} prints as ${JSON.stringify(printed)}, which does not parse`);
  assert.ok(
    requirementsEqual(requirement, again.requirement),
    `${JSON.stringify(text)} prints as ${JSON.stringify(printed)}, which parses as a different requirement`,
  );
  assert.equal(requirementToString(again.requirement), printed, `printing ${JSON.stringify(printed)} is not stable`);
}

/**
 * Whether packaging's `str()` of the marker quotes a value verbatim that does not read back as itself
 * (a value with a backslash, a line break, NUL or a lone surrogate, from an escape such as `"\\n"`).
 * Our printer is packaging's `str()` (the differential tests hold it to that), so for such markers the
 * printed form is not expected to parse to the same marker.
 */
function printedLossily(node: MarkerNode | undefined): boolean {
  if (node === undefined) return false;
  if (node.kind === "list") return node.items.some((item) => typeof item !== "string" && printedLossily(item));
  return [node.left, node.right].some((operand) => {
    if (operand.kind !== "value" || (operand.value.includes('"') && operand.value.includes("'"))) return false;
    const quote = operand.value.includes('"') ? "'" : '"';
    return pythonStringLiteral(`${quote}${operand.value}${quote}`) !== operand.value;
  });
}

const environments: readonly { readonly env: Record<string, string>; readonly context: EvaluateContext }[] = [
  { env: defaultEnvironment("3.9", "linux"), context: "metadata" },
  { env: { ...defaultEnvironment("3.13", "win32"), extra: "Dev_Tools" }, context: "metadata" },
  { env: defaultEnvironment("2.7.18", "darwin"), context: "lock_file" },
  { env: defaultEnvironment("3.14.0rc1", "linux"), context: "requirement" },
];

function evaluationKey(evaluation: MarkerEvaluation): string {
  return evaluation.ok ? String(evaluation.value) : evaluation.kind;
}

/**
 * `parseMarker`: never throws; spans inside; the printed marker (packaging's `str(Marker)`) parses to
 * the same printed form and evaluates exactly as the original in several environments; evaluation
 * never throws.
 */
export function checkMarker(text: string): void {
  const result = parseMarker(text);
  if (!result.ok) {
    assertSpansInside(result.error, text.length, "marker error");
    return;
  }
  assertSpansInside(result.marker, text.length, "marker");
  for (const { env, context } of environments) evaluateMarker(result.marker, env, context);
  if (printedLossily(result.marker)) return;
  const printed = markerToString(result.marker);
  const again = parseMarker(printed);
  assert.ok(again.ok, `${JSON.stringify(text)} prints as ${JSON.stringify(printed)}, which does not parse`);
  assert.equal(markerToString(again.marker), printed, `printing ${JSON.stringify(printed)} is not stable`);
  for (const { env, context } of environments) {
    const original = evaluationKey(evaluateMarker(result.marker, env, context));
    const reprinted = evaluationKey(evaluateMarker(again.marker, env, context));
    assert.equal(reprinted, original, `${JSON.stringify(text)} and its printed form evaluate differently (${context})`);
  }
}

// ---------------------------------------------------------------------------------------------------
// PEP 440.

/** `parseVersion`: never throws; a valid version's normal form parses to itself. */
export function checkVersionText(text: string): void {
  const version = parseVersion(text);
  if (version === null) return;
  const normal = version.toString();
  const again = parseVersion(normal);
  assert.ok(again !== null, `${JSON.stringify(text)} normalises to ${JSON.stringify(normal)}, which does not parse`);
  assert.equal(again.toString(), normal, `the normal form of ${JSON.stringify(text)} is not stable`);
}

/** `parseSpecifierSet`: never throws; a valid set's printed form parses to the same printed form. */
export function checkSpecifierSetText(text: string): void {
  const parsed = parseSpecifierSet(text);
  if (!parsed.ok) {
    assert.equal(typeof parsed.error, "string");
    return;
  }
  const printed = parsed.value.toString();
  const again = parseSpecifierSet(printed);
  assert.ok(again.ok, `${JSON.stringify(text)} prints as ${JSON.stringify(printed)}, which does not parse`);
  assert.equal(again.value.toString(), printed, `printing ${JSON.stringify(printed)} is not stable`);
  // Matching never throws, for valid and invalid candidates alike.
  for (const candidate of ["1.0", "0", "1!2.0rc1.post1.dev1+abc", "not a version", ""]) {
    parsed.value.contains(candidate);
    parsed.value.contains(candidate, { prereleases: true });
    parsed.value.filter([candidate]);
  }
}

// ---------------------------------------------------------------------------------------------------
// Lock files, TOML and manifests.

/** Every lock parser: never throws, every span inside the text, the text kept as given. */
export function checkLock(format: LockFormat, text: string): void {
  const lock = parseLock(format, text);
  assert.equal(lock.format, format);
  assert.equal(lock.text, text);
  assertSpansInside(lock, text.length, format);
  for (const entry of lock.entries) assert.equal(typeof entry.normalizedName, "string");
}

/**
 * The TOML reader: never throws (too long or too deep input is a syntax finding), spans inside, and a
 * finding is about the text, never a JavaScript failure inside the parser passed off as a syntax error.
 */
export function checkToml(text: string): void {
  const document = parseTomlDocument(text);
  assertSpansInside(document, text.length, "toml");
  assert.doesNotMatch(document.error?.message ?? "", /call stack|RangeError|TypeError|is not a function/i);
}

/** Manifests: never throw, every span inside. */
export function checkManifest(kind: ManifestKind, text: string): void {
  const manifest = parseManifest(kind, "/project/" + kind, text);
  assert.equal(manifest.parsed.text, text);
  assertSpansInside(manifest.parsed, text.length, kind);
  assertSpansInside(manifest.tree, text.length, kind);
}

// ---------------------------------------------------------------------------------------------------
// Index pages.

const pageUrl = "https://user:secret@pypi.example/simple/demo/";

function checkPage(result: PageResult): void {
  if (!result.ok) {
    assert.equal(typeof result.error, "string");
    return;
  }
  for (const file of result.page.files) {
    assert.ok(file.filename !== "", "a file without a name");
    const url = new URL(file.url);
    assert.ok(["http:", "https:", "file:"].includes(url.protocol), `file URL with scheme ${url.protocol}`);
    assert.equal(url.username + url.password, "", `credentials kept in the file URL ${file.url}`);
    assert.ok(file.sha256 === null || /^[0-9a-f]{64}$/.test(file.sha256), `sha256 ${file.sha256}`);
    assert.ok(file.version === null || typeof file.version === "string");
    assert.ok(file.yankedReason === null || typeof file.yankedReason === "string");
    assert.ok(file.requiresPython === null || typeof file.requiresPython === "string");
    assert.ok(file.size === null || (Number.isFinite(file.size) && file.size >= 0));
  }
  for (const warning of result.page.warnings) assert.equal(typeof warning, "string");
}

/** The Simple HTML reader: never throws; files have http(s)/file URLs without credentials. */
export function checkSimpleHtml(text: string): void {
  checkPage(readSimpleHtml(text, pageUrl, "demo"));
}

/** The Simple JSON reader (and the JSON API reader on the same text): never throw; files well-formed. */
export function checkSimpleJson(text: string): void {
  checkPage(readSimpleJson(text, pageUrl, "demo"));
  const meta = readJsonApi(text);
  if (!meta.ok) assert.equal(typeof meta.error, "string");
}

/**
 * Requirements files that include each other (`-r`, `-c`, cycles, missing targets): following the
 * includes never throws, terminates, and every span lies inside the file it points into.
 */
export function checkRequirementsTree(documents: readonly string[]): void {
  const names = documents.map((_, i) => `f${i}.txt`);
  const reader: IncludeReader = {
    resolve: (_from, target) => target.trim(),
    read: (file) => {
      const index = names.indexOf(file);
      if (index >= 0) return { kind: "text", text: documents[index] ?? "" };
      if (file.endsWith("/")) return { kind: "not-a-file", reason: "Is a directory" };
      return { kind: "missing" };
    },
  };
  const tree = parseRequirementsTree(names[0] ?? "f0.txt", reader);
  for (const [file, parsed] of Object.entries(tree.files)) {
    assertSpansInside({ entries: parsed.entries, problems: parsed.problems }, parsed.text.length, file);
  }
  for (const { file, problem } of tree.includeProblems) {
    const parsed = tree.files[file];
    assert.ok(parsed !== undefined, `an include problem in ${file}, which was not parsed`);
    assertSpansInside(problem, parsed.text.length, `include problem in ${file}`);
  }
  for (const requirement of tree.requirements) assert.ok(tree.files[requirement.file] !== undefined);
}
