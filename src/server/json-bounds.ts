// Bounds on the JSON a caller sends as text (provider options, tool schemas, response
// schemas). Everything downstream walks these values recursively (merging, checking, encoding
// the upstream body), so a deeply nested value fails inside Switchyard with a stack overflow
// instead of reaching an upstream. Checking here, before parsing, turns it into an
// INVALID_ARGUMENT naming the field.

/** Deeper than any real schema or option object; far below what recursion can take. */
export const MAX_JSON_DEPTH = 64;
/** Per field, in UTF-16 code units (the length of the string the field arrived as). */
export const MAX_JSON_CHARS = 256 * 1024;
/** The largest tool count the providers accept (OpenAI and Gemini: 128). */
export const MAX_TOOLS = 128;

/** Why `text` is out of bounds, or undefined. A linear scan: nothing is parsed. */
export function jsonBoundsProblem(text: string, maxDepth = MAX_JSON_DEPTH, maxChars = MAX_JSON_CHARS): string | undefined {
  if (text.length > maxChars) return `is longer than ${maxChars} characters`;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: the next character is escaped
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > maxDepth) return `nests deeper than ${maxDepth} levels`;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return undefined;
}
