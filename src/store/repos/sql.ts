// Small SQL helpers shared by the repositories.
//
// setClause() builds the SET list of an UPDATE from a partial object. Needed where a patch can clear a
// nullable column: in a patch, `undefined` (or absent) means "leave as is" and `null` means
// "set NULL", which COALESCE($n, col) cannot express. Column names come from a fixed map in
// the repository, never from the caller, so the SQL text stays injection-free.

export interface SetClause {
  /** e.g. "base_url = $2, disabled = $3"; empty when nothing changes. */
  sql: string;
  params: unknown[];
}

export function setClause<P extends object>(
  patch: P,
  columns: { [K in keyof P]-?: string },
  firstParam: number,
  cast: Partial<Record<keyof P, string>> = {},
): SetClause {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const key of Object.keys(columns) as (keyof P)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    params.push(value);
    const c = cast[key];
    parts.push(`${columns[key]} = $${firstParam + params.length - 1}${c ? `::${c}` : ''}`);
  }
  return { sql: parts.join(', '), params };
}

/**
 * A value for a `$n::jsonb` parameter. JSON text is the one encoding both drivers pass through
 * unchanged (`pg` would turn a JS array into a Postgres array literal). bigint is rejected by
 * JSON.stringify, which is right: money in JSON should be a decimal string chosen by the caller.
 */
export function jsonParam(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value is not representable as JSON');
  return text;
}
