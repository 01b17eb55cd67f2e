// Structured logs: one JSON object per line (stderr by default), through pino. pino rather than
// the hand-written logger this replaced: redaction by path (fast-redact, compiled once), child
// loggers that carry bindings without re-serialising them, and a stable, widely parsed shape.
// The Logger interface the code uses (message first, then fields) is kept, so call sites and
// the Secret convention (a Secret serialises as "[redacted]") are unchanged.
import { pino, type DestinationStream } from 'pino';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line also carries `bindings` (a call's request id, decision id, tenant). */
  child?(bindings: Record<string, unknown>): Logger;
}

/**
 * Field names whose values are never logged, at the top level and one or two objects deep:
 * credentials, and message content (a conversation, a prompt, embedding inputs, a completion).
 * A defence in depth: the code does not pass these, and the canary test (test/metrics/log-canary.test.ts)
 * checks that nothing slips through some other field.
 */
const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'password',
  'secret',
  'token',
  'adminKey',
  'key',
  'messages',
  'content',
  'prompt',
  'input',
  'inputs',
  'text',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(
  level: Level = (process.env.SWITCHYARD_LOG_LEVEL as Level) || 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  // A destination with a write() is written synchronously, one line per call: tests capture
  // lines, and a crash loses nothing buffered.
  const destination: DestinationStream = { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) };
  const root = pino(
    {
      level: LEVELS.includes(level) ? level : 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { error: errorFields, err: errorFields },
    },
    destination,
  );
  return wrap(root);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

/** An error's name and message only: a stack names files, and a cause may carry a request. */
function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** The logger's child, or the logger itself for one that has no children (a test's stub). */
export function childOf(log: Logger, bindings: Record<string, unknown>): Logger {
  return log.child ? log.child(bindings) : log;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
