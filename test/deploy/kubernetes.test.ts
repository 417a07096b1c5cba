import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/shared/config/index.js';
import { SPLIT_API_PORT, SPLIT_AUTH_PORT, SPLIT_WORKER_PORT } from '../../src/cli/start.js';
import { build, containersOf, kustomizations, podSpecOf, type Container, type Manifest } from './kustomize.js';

// deploy/kubernetes, built as `kubectl apply -k` would (kustomize.ts), validated against the
// Kubernetes schemas (kubernetes-models) and against Gatehouse itself: every setting exists, every
// probe reaches a path the role serves on the port it listens on.

const root = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const settings = new Set(Object.keys(configSchema.in.shape));
const ROLES = ['gateway', 'auth', 'api', 'worker'] as const;
// Where each role listens, as src/cli/start.ts decides it (the gateway: PORT, default 8080).
const listensOn: Record<(typeof ROLES)[number], { setting: string; port: number }> = {
  gateway: { setting: 'PORT', port: configSchema.in.shape.PORT.parse(undefined) },
  auth: { setting: 'AUTH_PORT', port: SPLIT_AUTH_PORT },
  api: { setting: 'API_PORT', port: SPLIT_API_PORT },
  worker: { setting: 'WORKER_PORT', port: SPLIT_WORKER_PORT },
};
const SECRET_KEYS = ['SECRET', 'DATABASE_URL', 'REDIS_URL'];

// Each model takes its own typed object; the built manifests are checked by validate() instead.
type Model = new (value: never) => { validate(): void };
const MODELS: Record<string, () => Promise<Model>> = {
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
  'batch/v1/Job': async () => (await import('kubernetes-models/batch/v1/Job')).Job,
  'policy/v1/PodDisruptionBudget': async () => (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': async () => (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': async () => (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress,
};

async function validate(m: Manifest): Promise<void> {
  const model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}: add it to MODELS`);
  new (await model())(m as never).validate();
}

const all = kustomizations(root).map((dir) => ({ dir: path.relative(root, dir), manifests: build(dir) }));
const example = build(path.join(root, 'overlays/example'));
const byKind = (kind: string, name: string) => example.find((m) => m.kind === kind && m.metadata.name === name)!;
const configMap = (manifests: Manifest[]) => (manifests.find((m) => m.kind === 'ConfigMap')?.data ?? {}) as Record<string, string>;
const envOf = (container: Container, config: Record<string, string>) => ({ ...config, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])) });

describe('the Kubernetes manifests (deploy/kubernetes)', () => {
  it('build and validate against the Kubernetes schemas', async () => {
    expect(all.map((k) => k.dir).sort()).toEqual(['base', 'migrate', 'overlays/example']);
    for (const { manifests } of all) {
      for (const m of manifests) await validate(m);
    }
    expect(example.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/gatehouse-config',
      'Deployment/gatehouse-api', 'Deployment/gatehouse-auth', 'Deployment/gatehouse-gateway', 'Deployment/gatehouse-worker',
      'HorizontalPodAutoscaler/gatehouse-gateway', 'Ingress/gatehouse', 'PodDisruptionBudget/gatehouse-gateway',
      'Service/gatehouse-api', 'Service/gatehouse-auth', 'Service/gatehouse-gateway',
    ]);
    expect(new Set(example.map((m) => m.metadata.namespace))).toEqual(new Set(['gatehouse']));
    // The schemas do refuse: a port that is not a number.
    const broken = structuredClone(byKind('Deployment', 'gatehouse-gateway'));
    containersOf(broken)[0]!.ports![0]!.containerPort = 'http' as unknown as number;
    await expect(validate(broken)).rejects.toThrow('containerPort must be integer');
  });

  it('set only settings Gatehouse knows, the secret ones from the Secret', () => {
    for (const { dir, manifests } of all) {
      for (const key of Object.keys(configMap(manifests))) expect(settings, `${dir}: ConfigMap key ${key}`).toContain(key);
      for (const m of manifests) {
        for (const c of containersOf(m)) {
          for (const e of c.env ?? []) expect(settings, `${dir} ${m.metadata.name}: env ${e.name}`).toContain(e.name);
          expect(c.envFrom, `${m.metadata.name} reads the Secret`).toContainEqual({ secretRef: { name: 'gatehouse' } });
          expect(c.envFrom).toContainEqual({ configMapRef: { name: 'gatehouse-config' } });
        }
      }
    }
    for (const key of SECRET_KEYS) expect(settings).toContain(key);
    for (const key of SECRET_KEYS) expect(Object.keys(configMap(example))).not.toContain(key);
  });

  it('run one Deployment per role, probed on the paths and ports that role serves', () => {
    const config = configMap(example);
    for (const role of ROLES) {
      const deployment = byKind('Deployment', `gatehouse-${role}`);
      const [container] = containersOf(deployment);
      expect(container!.args).toEqual(['start', '--role', role]);
      const env = envOf(container!, config);
      const port = Number(env[listensOn[role].setting] ?? listensOn[role].port);
      expect(port, `${role} listens where start.ts puts it`).toBe(listensOn[role].port);
      const named = (ref: string | number) => (typeof ref === 'number' ? ref : container!.ports!.find((p) => p.name === ref)!.containerPort);
      expect(container!.readinessProbe?.httpGet?.path).toBe('/ready');
      expect(named(container!.readinessProbe!.httpGet!.port)).toBe(port);
      expect(container!.livenessProbe?.httpGet?.path).toBe('/health');
      expect(named(container!.livenessProbe!.httpGet!.port)).toBe(port);
      expect((deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers).toHaveLength(1);
      // Split roles listen on the pod's interface, and the gateway finds the others by Service.
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.INTERNAL_HOST).toBe('0.0.0.0');
    }
    const service = (role: string) => byKind('Service', `gatehouse-${role}`).spec as { ports: Array<{ port: number }> };
    expect(config.AUTH_UPSTREAM_URL).toBe(`http://gatehouse-auth:${service('auth').ports[0]!.port}`);
    expect(config.API_UPSTREAM_URL).toBe(`http://gatehouse-api:${service('api').ports[0]!.port}`);
    expect(service('auth').ports[0]!.port).toBe(SPLIT_AUTH_PORT);
    expect(service('api').ports[0]!.port).toBe(SPLIT_API_PORT);
  });

  it('run as non-root on a read-only root filesystem, and drain within the grace period', () => {
    const config = configMap(example);
    const drainSeconds = Number(config.SHUTDOWN_TIMEOUT_MS ?? configSchema.in.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined)) / 1000;
    for (const { manifests } of all) {
      for (const m of manifests.filter((x) => podSpecOf(x))) {
        const pod = podSpecOf(m)!;
        expect(pod.securityContext?.runAsNonRoot, m.metadata.name).toBe(true);
        expect(pod.securityContext?.runAsUser).not.toBe(0);
        for (const c of pod.containers) {
          expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
          // The only writable place: an emptyDir at /tmp (with DATABASE_URL and SECRET set, nothing writes to DATA_DIR).
          expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
          expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
        }
        if (m.kind !== 'Deployment') continue;
        const preStop = Number(pod.containers[0]!.lifecycle?.preStop?.exec?.command[1] ?? 0);
        expect(pod.terminationGracePeriodSeconds, `${m.metadata.name}: preStop + SHUTDOWN_TIMEOUT_MS + time to close pools`).toBeGreaterThanOrEqual(preStop + drainSeconds + 5);
        expect((pod.containers[0] as Container & { resources?: { requests?: Record<string, string> } }).resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      }
    }
  });

  it('scale and protect the gateway, migrate before a rollout, and expose only the gateway', () => {
    const hpa = byKind('HorizontalPodAutoscaler', 'gatehouse-gateway').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gatehouse-gateway' });
    expect(String(hpa.maxReplicas)).toBe(configMap(example).GATEWAY_PROCESS_COUNT);
    const pdb = byKind('PodDisruptionBudget', 'gatehouse-gateway').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(pdb.minAvailable).toBeLessThan(hpa.minReplicas);
    const gateway = byKind('Deployment', 'gatehouse-gateway') as Manifest & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    for (const [key, value] of Object.entries(pdb.selector.matchLabels)) expect(gateway.spec.template.metadata.labels[key]).toBe(value);
    const ingress = JSON.stringify(byKind('Ingress', 'gatehouse').spec);
    expect(ingress).toContain('"name":"gatehouse-gateway"');
    expect(ingress).not.toMatch(/gatehouse-(auth|api|worker)/);
    expect(configMap(example).MIGRATE_ON_START).toBe('false');
    const migrate = all.find((k) => k.dir === 'migrate')!.manifests;
    expect(migrate.map((m) => m.kind)).toEqual(['Job']);
    expect(containersOf(migrate[0]!)[0]!.args).toEqual(['migrate']);
  });
});
