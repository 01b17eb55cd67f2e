// The packaging an operator deploys from (deploy/, Dockerfile, the systemd unit) agrees with
// what the server does: probe paths and ports exist, shutdown timings nest, selectors match,
// and the example config is one the real loader accepts.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { HEALTH_LIVE_PATH, HEALTH_READY_PATH } from '../../src/server/health.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by key, and a missing key fails the test anyway
type Doc = Record<string, any>;
const K8S = 'deploy/kubernetes';

function manifests(): Map<string, Doc[]> {
  const out = new Map<string, Doc[]>();
  for (const file of readdirSync(K8S).filter((f) => f.endsWith('.yaml'))) {
    const docs = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
    for (const d of docs) expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
    out.set(
      file,
      docs.map((d) => d.toJS() as Doc),
    );
  }
  return out;
}

const all = manifests();
const byKind = (kind: string): Doc => {
  const found = [...all.values()].flat().filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe('deploy/kubernetes', () => {
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const ports = new Map<string, number>(container.ports.map((p: Doc) => [p.name, p.containerPort]));
  const env = new Map<string, string>(container.env.map((e: Doc) => [e.name, e.value]));

  it('kustomization lists every manifest', () => {
    const kustomization = all.get('kustomization.yaml')![0]!;
    const others = [...all.keys()].filter((f) => f !== 'kustomization.yaml').sort();
    expect([...kustomization.resources].sort()).toEqual(others);
  });

  it('has every kind an operator needs', () => {
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ConfigMap', 'Secret']) byKind(kind);
  });

  it('listens on the ports it declares', () => {
    expect(env.get('SWITCHYARD_GRPC_LISTEN')).toBe(`0.0.0.0:${ports.get('grpc')}`);
    expect(env.get('SWITCHYARD_HTTP_LISTEN')).toBe(`0.0.0.0:${ports.get('http')}`);
  });

  it('probes the health endpoints the server serves, on a declared port', () => {
    expect(container.livenessProbe.httpGet.path).toBe(HEALTH_LIVE_PATH);
    expect(container.startupProbe.httpGet.path).toBe(HEALTH_LIVE_PATH);
    expect(container.readinessProbe.httpGet.path).toBe(HEALTH_READY_PATH);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(ports.has(probe.httpGet.port)).toBe(true);
    }
  });

  it('drains: preStop, then a grace period, all inside terminationGracePeriodSeconds', () => {
    const preStop: string[] = container.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe('sleep');
    const grace = Number(env.get('SWITCHYARD_SHUTDOWN_GRACE_SECONDS'));
    expect(grace).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + grace);
  });

  it('runs as non-root with a read-only root filesystem and writable state', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const mounts = container.volumeMounts.map((m: Doc) => m.mountPath);
    expect(mounts).toContain('/var/lib/switchyard');
    expect(env.get('SWITCHYARD_SPOOL_DIR')?.startsWith('/var/lib/switchyard/')).toBe(true);
  });

  it('Service exposes both ports of the pods it selects', () => {
    const service = byKind('Service');
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k]).toBe(v);
    const targets = service.spec.ports.map((p: Doc) => p.targetPort).sort();
    expect(targets).toEqual(['grpc', 'http']);
    for (const p of service.spec.ports) expect(p.port).toBe(ports.get(p.targetPort));
  });

  it('PodDisruptionBudget and HPA point at the Deployment', () => {
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('the ConfigMap and Secret it mounts exist, and the config is one the loader accepts', () => {
    const configMap = byKind('ConfigMap');
    const secret = byKind('Secret');
    const volume = pod.volumes.find((v: Doc) => v.configMap);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    expect(container.envFrom[0].secretRef.name).toBe(secret.metadata.name);
    const mount = container.volumeMounts.find((m: Doc) => m.name === volume.name).mountPath;
    const file = Object.keys(configMap.data)[0]!;
    expect(env.get('SWITCHYARD_CONFIG')).toBe(`${mount}/${file}`);
    const path = join(mkdtempSync(join(tmpdir(), 'sy-deploy-')), file);
    writeFileSync(path, configMap.data[file]);
    // Every variable the config names comes from the example Secret.
    const config = loadConfig({ config: path }, { ...secret.stringData });
    expect(config.providers.map((p) => p.id)).toEqual(['openai']);
    expect(config.keys).toHaveLength(1);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const named = (word: string) => instructions.filter((l) => l.startsWith(`${word} `));

  it('is multi-stage and runs as a non-root user', () => {
    expect(named('FROM').length).toBeGreaterThanOrEqual(2);
    const user = named('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER\s+(root|0)\b/);
    // USER comes after the last FROM, i.e. it applies to the runtime stage.
    expect(instructions.lastIndexOf(user!)).toBeGreaterThan(instructions.lastIndexOf(named('FROM').at(-1)!));
  });

  it('checks liveness and exposes both ports', () => {
    expect(named('HEALTHCHECK')[0]).toContain(HEALTH_LIVE_PATH);
    expect(named('EXPOSE')[0]).toMatch(/50051/);
    expect(named('EXPOSE')[0]).toMatch(/8080/);
  });
});

describe('systemd unit', () => {
  const unit = readFileSync('deploy/systemd/switchyard.service', 'utf8');
  const key = (name: string) => unit.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1];

  it('runs unprivileged, reloads on SIGHUP, drains on SIGTERM', () => {
    expect(key('User')).toBeTruthy();
    expect(key('User')).not.toBe('root');
    expect(key('ExecReload')).toMatch(/-HUP \$MAINPID/);
    expect(key('KillSignal')).toBe('SIGTERM');
    expect(Number(key('TimeoutStopSec'))).toBeGreaterThan(30);
    expect(key('ExecStart')).toMatch(/dist\/src\/cli\/main\.js serve$/);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  it('is Apache-2.0, with LICENSE and NOTICE beside it', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync('LICENSE', 'utf8')).toContain('Apache License');
    expect(readFileSync('NOTICE', 'utf8')).toMatch(/LiteLLM[\s\S]*MIT[\s\S]*OpenRouter/);
  });
});
