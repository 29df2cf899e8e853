import { parseSpecifierSet, type Specifier } from "../pep440/specifier";

/**
 * Plain-English descriptions of specifiers, for hovers. They say what a fresh install may pick, so a
 * reader who does not remember PEP 440's operators sees what a line means.
 */
export function describeSpecifier(text: string | undefined): string {
  if (text === undefined || text.trim() === "") return "any version (the newest a fresh install finds)";
  const parsed = parseSpecifierSet(text);
  if (!parsed.ok) return `invalid specifier (${parsed.error})`;
  const parts = parsed.value.specifiers.map(describeClause);
  const prerelease = parsed.value.prereleases === true ? "; pre-releases allowed" : "";
  return `${joinAnd(parts)}${prerelease}`;
}

function describeClause(clause: Specifier): string {
  const v = clause.version;
  const wildcard = v.endsWith(".*");
  const stem = wildcard ? v.slice(0, -2) : v;
  switch (clause.operator) {
    case "==":
      return wildcard ? `any ${stem}.* release` : `exactly ${v}`;
    case "!=":
      return wildcard ? `no ${stem}.* release` : `not ${v}`;
    case ">=":
      return `${v} or newer`;
    case ">":
      return `newer than ${v}`;
    case "<=":
      return `${v} or older`;
    case "<":
      return `older than ${v}`;
    case "~=": {
      const release = v.split(/[^0-9.]/)[0] ?? v;
      const prefix = release.split(".").slice(0, -1).join(".");
      return `${v} or newer within ${prefix}.*`;
    }
    case "===":
      return `exactly the version string "${v}"`;
    default:
      return `${clause.operator}${v}`;
  }
}

function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? "";
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1] ?? ""}`;
}
