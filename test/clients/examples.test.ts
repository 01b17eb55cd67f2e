// The generated clients proved in Python, Go and TypeScript: each example in examples/ runs as
// its own process against a real Switchyard (fake OpenAI upstream) and must print the streamed
// text, the model metadata and the refused call's google.rpc details. Nothing is skipped: CI
// installs Debian's python3-grpcio, python3-protobuf, golang-go and golang-google-grpc-dev
// (.ci/run); a machine without them fails here, naming what is missing.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Debian's interpreter: python3-grpcio and python3-protobuf live in its dist-packages (a
 * python3 earlier on PATH, e.g. pyenv's, does not see them). */
const PYTHON = process.env.SWITCHYARD_TEST_PYTHON ?? '/usr/bin/python3';
/** The import path prefix of clients/go (go_package in proto/switchyard/v1). */
const GO_REPO = 'github.com/switchyard/switchyard';
const APT_HINT = 'apt-get install -y python3-grpcio python3-protobuf golang-go golang-google-grpc-dev (see .ci/run)';

const KEY = 'sy_clients_examples_key_0123456789';
const TEXT = 'Hello from Switchyard — déjà vu, 日本語 ✓';
const openai = new OpenAiFake();
let server: TestServer;
let tmp: string;
let goBinary: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sy-clients-'));
  // Go 1.19 in GOPATH mode (no module proxy here): a throwaway GOPATH whose
  // src/github.com/switchyard/switchyard is this checkout, then Debian's /usr/share/gocode.
  const gopath = join(tmp, 'gopath');
  mkdirSync(join(gopath, 'src', 'github.com', 'switchyard'), { recursive: true });
  symlinkSync(ROOT, join(gopath, 'src', GO_REPO));
  goBinary = join(tmp, 'switchyard-example');
  const build = run('go', ['build', '-o', goBinary, `${GO_REPO}/examples/go`], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? tmp,
      GO111MODULE: 'off',
      GOPATH: `${gopath}:/usr/share/gocode`,
      GOPROXY: 'off',
      GOFLAGS: '',
    },
  }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`go build of examples/go failed (${APT_HINT}): ${err.message}\n${err.stderr ?? ''}`);
  });

  const url = await openai.start();
  // Small odd writes: the upstream's SSE (and UTF-8 characters) arrive split anywhere.
  openai.script('example-upstream', {
    ...openai.render({ type: 'text', text: TEXT, usage: { inputTokens: 5, outputTokens: 7 } }),
    chunkSizes: [7, 3, 11],
  });
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/example, provider: oai, upstream_model: example-upstream, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1000000, output: 2000000 } }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
    env: { OAI_KEY: 'sk-test', ACME_KEY: KEY },
  });
  await build;
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await openai.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function example(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SWITCHYARD_ADDR: server.grpcAddress,
    SWITCHYARD_KEY: KEY,
    SWITCHYARD_MODEL: 'oai/example',
    SWITCHYARD_PROMPT: 'Say hello.',
    ...extraEnv,
  };
  try {
    const { stdout } = await run(file, args, { cwd: ROOT, env, timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\nstdout:\n${e.stdout ?? ''}\nstderr:\n${e.stderr ?? ''}`);
  }
}

/** What every example prints, in order, whatever its language. */
function expectOutput(out: string): void {
  const lines = out.split('\n');
  expect(lines).toContain(
    'model oai/example provider=oai context_window=100000 max_output_tokens=1000 input_price=1000000 output_price=2000000',
  );
  expect(lines).toContain(`text: ${TEXT}`);
  // 5 input tokens at 1,000,000 pico-USD + 7 output tokens at 2,000,000.
  expect(lines).toContain('finish FINISH_REASON_STOP input_tokens=5 output_tokens=7 cost=19000000');
  expect(lines.some((l) => l.startsWith('refused code=3 (') && l.includes('messages: must contain at least one message'))).toBe(true);
  expect(lines).toContain('error_info reason=INVALID_FIELD domain=switchyard.dev metadata.field=messages');
  expect(lines).toContain('violation messages: must contain at least one message');
  const order = ['model ', 'text: ', 'finish ', 'refused ', 'error_info ', 'violation '].map((p) =>
    lines.findIndex((l) => l.startsWith(p)),
  );
  expect(order).toEqual([...order].sort((a, b) => a - b));
}

describe('generated clients, run as their examples against a live server', () => {
  it('Python (clients/python, grpcio + protobuf)', async () => {
    expect(existsSync(PYTHON), `${PYTHON} missing: ${APT_HINT}`).toBe(true);
    // No __pycache__ in the committed clients/python (CI diffs it against a fresh generation).
    const out = await example(PYTHON, ['examples/python/chat.py'], { PYTHONDONTWRITEBYTECODE: '1' });
    expectOutput(out);
  });

  it('Go (clients/go, protoc-gen-go + protoc-gen-go-grpc, GOPATH mode)', async () => {
    expectOutput(await example(goBinary, []));
  });

  it('TypeScript (gen/, Connect gRPC transport)', async () => {
    expectOutput(await example(process.execPath, ['--import', 'tsx', 'examples/ts/chat.ts']));
  });

  it('every example made its chat upstream and nothing else', () => {
    // Three streamed chats reached the fake; the refused ones never left Switchyard.
    expect(openai.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(3);
  });
});
