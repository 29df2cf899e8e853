/**
 * Project names: PEP 508 validity and PEP 503 normalisation (also used for extras, PEP 685).
 */

const validName = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** `FrIeNdLy-._.-bArD` → `friendly-bard`: runs of `-`, `_`, `.` become one `-`, then lower-case. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Whether `name` is a valid PEP 508 project name (ASCII letters and digits, inner `.`, `_`, `-`). */
export function isValidName(name: string): boolean {
  return validName.test(name);
}

/** Whether `name` is already in normalised form (so `a--b` is not). */
export function isNormalizedName(name: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name);
}
