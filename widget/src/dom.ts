/**
 * The one way the widget makes elements: attributes with setAttribute, children as nodes or text
 * nodes. Message data never goes through innerHTML, so markup in a message shows as text.
 */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

export function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** A URL the widget may open or show: https, or http on this machine (a developer's own page). */
export function safeUrl(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '') return undefined;
    if (url.protocol === 'https:') return url.href;
    const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    return url.protocol === 'http:' && loopback ? url.href : undefined;
  } catch {
    return undefined;
  }
}

let counter = 0;
/** A document-unique id for aria-controls / aria-labelledby pairs. */
export const uid = (prefix: string) => `gh-${prefix}-${++counter}`;
