/**
 * Project names: PEP 508 validity and PEP 503 normalisation (which PEP 685 also applies to extras),
 * as packaging's `utils.py` does them.
 */

/** The core-metadata `Name` rule, ASCII only; `$` here is the very end (no trailing line break). */
const validName = /^(?:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
const normalizedName = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * packaging's `canonicalize_name`: runs of `-`, `_` and `.` become one `-`, then lower-case
 * (`FrIeNdLy-._.-bArD` → `friendly-bard`). It does not validate: `_not_legal` → `-not-legal`.
 */
export function normalizeName(name: string): string {
  // Most names are already normal; answering those without building two new strings matters when
  // a line holds thousands of them (extras, `extra == '…'` markers).
  if (normalizedName.test(name)) return name;
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Whether `name` is a valid project name: ASCII letters and digits, with `.`, `_`, `-` only inside. */
export function isValidName(name: string): boolean {
  return validName.test(name);
}

/** packaging 26.3's `is_normalized_name`: already in normalised form (so `a--b` and `A` are not). */
export function isNormalizedName(name: string): boolean {
  return normalizedName.test(name);
}
