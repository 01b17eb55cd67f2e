// The plain-HTTP plumbing (caller, body, Switchyard headers, JSON answers) is shared with the
// Anthropic-compatible API and lives in ../http-api/http.ts; this name stays for the OpenAI files.
export * from '../http-api/http.js';
export type { ApiDeps as OpenAiApiDeps } from '../http-api/http.js';
