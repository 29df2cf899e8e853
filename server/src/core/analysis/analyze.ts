import type {
  EffectiveRequirement,
  ParseProblem,
  RequirementEntry,
  RequirementsTree,
} from "../parsing/requirementsModel";
import { defaultSeverities, isFindingCode, type Finding, type FindingCode, type PinFixData } from "./findings";
import { canonicalSpecifier, pinnedVersion } from "./pins";

/** A version source for quick fixes: today the project's virtual environment. */
export interface InstalledVersions {
  /** Normalised name → installed version. */
  readonly versions: ReadonlyMap<string, string>;
  /** Where they were read, for messages (e.g. ".venv"). */
  readonly label: string;
}

export interface AnalysisContext {
  readonly installed?: InstalledVersions;
}

/**
 * Analyses one file of a requirements tree and returns the findings located in that file. The tree
 * gives the effective set (includes followed), which duplicate detection and hash-checking mode need;
 * findings about other files of the tree are left to those files' own analysis.
 */
export function analyzeFile(tree: RequirementsTree, file: string, context: AnalysisContext = {}): Finding[] {
  const findings: Finding[] = [];
  const parsed = tree.files[file];
  if (parsed !== undefined) {
    for (const problem of parsed.problems) findings.push(problemFinding(problem));
  }
  for (const { file: where, problem } of tree.includeProblems) {
    if (where === file) findings.push(problemFinding(problem));
  }

  const own = tree.requirements.filter((r) => r.file === file);
  for (const requirement of own) {
    // A constraint caps what may be installed without requesting an install; ranges are its purpose.
    if (!requirement.constraint) findings.push(...pinFindings(requirement, context));
    if (tree.requiresHashes && !requirement.constraint) {
      const finding = hashFinding(requirement.entry);
      if (finding !== undefined) findings.push(finding);
    }
  }
  findings.push(...duplicateFindings(tree, file));
  findings.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return findings;
}

function problemFinding(problem: ParseProblem): Finding {
  const code: FindingCode = isFindingCode(problem.code) ? problem.code : "syntax";
  const severity = code === problem.code ? defaultSeverities[code] : problem.severity;
  return { code, severity, message: problem.message, span: problem.span, package: null };
}

function pinFindings(requirement: EffectiveRequirement, context: AnalysisContext): Finding[] {
  const entry = requirement.entry;
  const name = entry.normalizedName;
  // Direct references (URLs, paths) name their exact artefact; a version specifier does not apply.
  if (name === undefined || entry.name === undefined || entry.form !== "pep508") return [];
  const installed = context.installed?.versions.get(name);
  const fix: PinFixData | undefined =
    installed === undefined
      ? undefined
      : {
          kind: "pin",
          package: name,
          entryStart: entry.span.start,
          options: [{ action: "pin", version: installed, title: `Pin to installed ${installed}`, preferred: true }],
        };
  const installedNote =
    installed === undefined ? "" : ` Installed in ${context.installed?.label ?? "the environment"}: ${installed}.`;

  if (entry.specifier === undefined || entry.specifier.value.trim() === "") {
    return [
      {
        code: "unpinned",
        severity: defaultSeverities.unpinned,
        message: `${entry.name.value} is not pinned: a fresh install takes whatever release is newest.${installedNote}`,
        span: entry.name.span,
        package: name,
        ...(fix ? { fix } : {}),
      },
    ];
  }
  if (pinnedVersion(entry.specifier.value) !== null) return [];
  return [
    {
      code: "range",
      severity: defaultSeverities.range,
      message: `"${entry.specifier.value.trim()}" admits more than one version of ${entry.name.value}: a fresh install takes the newest it allows.${installedNote}`,
      span: entry.specifier.span,
      package: name,
      ...(fix ? { fix } : {}),
    },
  ];
}

/**
 * pip refuses an install in hash-checking mode when a requirement has no hash, is not pinned with
 * `==`/`===`, or is editable (pip cannot hash an editable checkout).
 */
function hashFinding(entry: RequirementEntry): Finding | undefined {
  const span = entry.name?.span ?? entry.url?.span ?? entry.span;
  const label = entry.name?.value ?? entry.url?.value ?? entry.text;
  const base = {
    code: "hash-missing" as const,
    severity: defaultSeverities["hash-missing"],
    span,
    package: entry.normalizedName ?? null,
  };
  if (entry.editable) {
    return {
      ...base,
      message: `Hash-checking mode is on: pip cannot install the editable requirement ${label} when requiring hashes.`,
    };
  }
  const direct = entry.form !== "pep508";
  if (!direct && pinnedVersion(entry.specifier?.value ?? "") === null) {
    return {
      ...base,
      message: `Hash-checking mode is on: pip requires every requirement pinned with == and ${label} is not.`,
    };
  }
  if (entry.hashes.length === 0 && !(direct && /#(sha256|sha384|sha512)=/i.test(entry.url?.value ?? ""))) {
    return { ...base, message: `Hash-checking mode is on: ${label} has no --hash, so pip refuses the install.` };
  }
  return undefined;
}

/**
 * The same package required twice with different specifiers. Lines with different markers are
 * deliberate (one pin per Python version is common) and so are constraints, which narrow rather than
 * repeat; only requirements with the same marker and kind are compared.
 */
function duplicateFindings(tree: RequirementsTree, file: string): Finding[] {
  const groups = new Map<string, EffectiveRequirement[]>();
  for (const requirement of tree.requirements) {
    const name = requirement.entry.normalizedName;
    if (name === undefined) continue;
    const rawMarker = requirement.entry.marker?.value;
    const marker = rawMarker === undefined ? "" : rawMarker.replace(/\s+/g, " ").trim();
    const key = `${requirement.constraint ? "c" : "r"}\u0000${name}\u0000${marker}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [requirement]);
    else group.push(requirement);
  }
  const findings: Finding[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const specifiers = new Set(group.map((r) => describeTarget(r.entry)));
    if (specifiers.size < 2) continue;
    for (const requirement of group) {
      if (requirement.file !== file) continue;
      const others = group
        .filter((other) => other !== requirement)
        .map(
          (other) =>
            `"${displayTarget(other.entry) || "any version"}" at ${shortFile(other.file)}:${other.entry.pipLine}`,
        );
      const entry = requirement.entry;
      findings.push({
        code: "duplicate",
        severity: defaultSeverities.duplicate,
        message: `${entry.name?.value ?? entry.normalizedName} is also required as ${others.join(", ")}; pip needs one version that satisfies all of them.`,
        span: entry.name?.span ?? entry.span,
        package: entry.normalizedName ?? null,
      });
    }
  }
  return findings;
}

function describeTarget(entry: RequirementEntry): string {
  return entry.form === "pep508" ? canonicalSpecifier(entry.specifier?.value) : (entry.url?.value ?? "");
}

function displayTarget(entry: RequirementEntry): string {
  return entry.form === "pep508" ? (entry.specifier?.value.trim() ?? "") : (entry.url?.value ?? "");
}

function shortFile(file: string): string {
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash >= 0 ? file.slice(slash + 1) : file;
}
