/**
 * String comparison with GitHub Actions expression semantics, so the TypeScript predicate agrees
 * with the rendered `runs-on` expression on every input, including mixed case.
 *
 * NOTE: Actions compares strings ignoring case by upper-casing both sides, except that the
 * dotless `ı` is left as is (`toUpperSpecial` in `@actions/expressions` 0.3.61, `result.js`).
 */
export function toActionsUpperCase(value: string): string {
  return value
    .split("ı")
    .map((part) => part.toUpperCase())
    .join("ı");
}

/** Compares like the expression operator `==` on two strings. */
export function actionsEquals(left: string, right: string): boolean {
  return toActionsUpperCase(left) === toActionsUpperCase(right);
}

/** Compares like the expression function `endsWith(value, suffix)` on two strings. */
export function actionsEndsWith(value: string, suffix: string): boolean {
  return toActionsUpperCase(value).endsWith(toActionsUpperCase(suffix));
}
