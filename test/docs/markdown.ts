import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The documents and their examples, as the docs tests read them. A fenced ```sh block is an
 * example that runs; `<!-- not run: reason -->` on the line before it says why one cannot (a
 * browser step, a server start) — the reason is required. A ```json block right after a ```sh
 * block (only blank lines between) is the answer its last command prints.
 */
export interface Example {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  skipReason: string | undefined;
  expected: { json: string; line: number } | undefined;
}

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** README.md and every Markdown file under docs/, relative to the repository root. */
export function documents(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export const readDocument = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Fence {
  lang: string;
  line: number;
  code: string;
  /** The nearest non-blank line before the fence. */
  before: string;
  /** Only blank lines separate it from the previous fence. */
  adjacent: boolean;
}

function fences(text: string): Fence[] {
  const lines = text.split('\n');
  const found: Fence[] = [];
  let lastClose = -2;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    found.push({ lang: open[2]!, line: i + 1, code: body.join('\n'), before: k >= 0 ? lines[k]!.trim() : '', adjacent: k === lastClose });
    lastClose = j;
    i = j;
  }
  return found;
}

export function examples(file: string): Example[] {
  const all = fences(readDocument(file));
  const result: Example[] = [];
  all.forEach((fence, index) => {
    if (fence.lang !== 'sh') return;
    const next = all[index + 1];
    const skip = /^<!-- not run: (.*) -->$/.exec(fence.before);
    result.push({
      file,
      line: fence.line,
      code: fence.code,
      skipReason: skip ? skip[1]!.trim() : undefined,
      expected: next && next.lang === 'json' && next.adjacent ? { json: next.code, line: next.line } : undefined,
    });
  });
  return result;
}

/** Every `[text](target)` link of a document. */
export function links(file: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = [];
  readDocument(file).split('\n').forEach((text, index) => {
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) found.push({ target: match[1]!, line: index + 1 });
  });
  return found;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchors(file: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const text of readDocument(file).split('\n')) {
    if (/^\s*```/.test(text)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(text);
    if (!heading) continue;
    anchors.add(heading[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return anchors;
}

/**
 * Whether an answer has everything a documented one shows: the same keys (recursively), the same
 * literal values, and any value where the document writes `…`. Returns the first difference.
 */
export function conforms(actual: unknown, documented: unknown, at = '$'): string | undefined {
  if (typeof documented === 'string' && documented.includes('…')) {
    return typeof actual === 'string' ? undefined : `${at}: expected a string, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) return `${at}: expected an array, got ${JSON.stringify(actual)}`;
    const open = documented.at(-1) === '…';
    const items = open ? documented.slice(0, -1) : documented;
    if (open ? actual.length < items.length : actual.length !== items.length) return `${at}: expected ${items.length}${open ? ' or more' : ''} items, got ${actual.length}`;
    for (let i = 0; i < items.length; i++) {
      const difference = conforms(actual[i], items[i], `${at}[${i}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (documented !== null && typeof documented === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${at}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [key, value] of Object.entries(documented)) {
      if (!(key in actual)) return `${at}.${key}: missing`;
      const difference = conforms((actual as Record<string, unknown>)[key], value, `${at}.${key}`);
      if (difference) return difference;
    }
    return undefined;
  }
  return Object.is(actual, documented) ? undefined : `${at}: expected ${JSON.stringify(documented)}, got ${JSON.stringify(actual)}`;
}
