import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

// `kustomize build` for the subset of Kustomize deploy/kubernetes uses, since no kustomize or
// kubectl binary is available to the tests: resources (files and folders), namespace, labels
// (metadata only), images and JSON 6902 patches (add, replace) by kind and name. Any other field
// of a kustomization.yaml fails the build, so the manifests cannot outgrow what is validated.

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: unknown };

const KNOWN = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

interface Kustomization {
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string> }>;
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ target: { kind: string; name: string }; patch: string }>;
}

export function readYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as unknown;
  }).filter((doc) => doc !== null);
}

export function build(dir: string): Manifest[] {
  const [k] = readYaml(path.join(dir, 'kustomization.yaml')) as [Kustomization & Record<string, unknown>];
  const unknown = Object.keys(k).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: fields the test's build does not implement: ${unknown.join(', ')}`);
  const manifests: Manifest[] = [];
  for (const resource of k.resources ?? []) {
    const target = path.join(dir, resource);
    manifests.push(...(statSync(target).isDirectory() ? build(target) : (readYaml(target) as Manifest[])));
  }
  for (const m of manifests) {
    for (const { pairs } of k.labels ?? []) m.metadata.labels = { ...m.metadata.labels, ...pairs };
    if (k.namespace && !CLUSTER_SCOPED.has(m.kind)) m.metadata.namespace = k.namespace;
    for (const container of containersOf(m)) {
      const image = k.images?.find((i) => i.name === container.image);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`;
    }
  }
  for (const { target, patch } of k.patches ?? []) {
    const found = manifests.filter((m) => m.kind === target.kind && m.metadata.name === target.name);
    if (found.length !== 1) throw new Error(`${dir}: patch target ${target.kind}/${target.name} matches ${found.length} manifests`);
    for (const op of readYamlText(patch) as Array<{ op: string; path: string; value: unknown }>) applyOp(found[0]!, op);
  }
  return manifests;
}

function readYamlText(text: string): unknown {
  return parseAllDocuments(text)[0]!.toJS() as unknown;
}

function applyOp(target: Record<string, unknown>, op: { op: string; path: string; value: unknown }): void {
  if (op.op !== 'add' && op.op !== 'replace') throw new Error(`patch op ${op.op} is not implemented by the test's build`);
  const keys = op.path.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (op.op === 'replace' && !(last in node)) throw new Error(`patch replaces ${op.path}, which does not exist`);
  node[last] = op.value;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: Array<{ name: string; emptyDir?: unknown }>;
}

export function podSpecOf(m: Manifest): PodSpec | undefined {
  const spec = m.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
}

export function containersOf(m: Manifest): Container[] {
  return podSpecOf(m)?.containers ?? [];
}

/** Every kustomization folder under `root`. */
export function kustomizations(root: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) found.push(...kustomizations(full));
    else if (entry.name === 'kustomization.yaml') found.push(root);
  }
  return found;
}
