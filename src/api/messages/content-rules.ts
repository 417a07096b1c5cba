import { elementsOf, webviewUrls, type MessageContent } from '../../contract/message-content.js';
import { fieldPath, validationFailed } from '../../contract/field-errors.js';

type Path = readonly (string | number)[];

/**
 * A web view opens inside the widget, so it may only show the organization's own pages
 * (DESIGN.md "Messages"): every web-view URL's host must be on `organizations.webview_hosts`.
 * The schema already checked the scheme (https, or http on a loopback host); this is the
 * organization's rule, named by its JSON path.
 */
export function checkWebviewHosts(content: MessageContent, allowedHosts: readonly string[], at: Path): void {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  const refused = webviewUrls(content).flatMap(({ url, path }) => {
    const problem = webviewHostProblem(new URL(url), allowed);
    return problem ? [{ field: fieldPath([...at, ...path]), message: problem }] : [];
  });
  if (refused.length > 0) throw validationFailed(refused);
}

function webviewHostProblem(url: URL, allowed: ReadonlySet<string>): string | undefined {
  // Plain http is an admin's deliberate development setting: the exact host:port must be listed.
  if (url.protocol === 'http:') {
    return allowed.has(url.host) ? undefined : "must be an https URL (http only for a loopback host whose exact host:port is on the organization's web-view hosts, webview_hosts)";
  }
  // A listed name allows every port; a listed loopback host:port allows that port.
  return allowed.has(url.hostname) || allowed.has(url.host) ? undefined : "must be on the organization's web-view hosts (webview_hosts)";
}

export interface ChosenElement {
  id: string;
  kind: 'button' | 'reply' | 'option' | 'card';
  title: string;
  /** What the element carries for the bot: a button's or reply's `payload`, an option's `value`. */
  payload: string | null;
}

/** The element `elementId` of `content`, as a postback chose it; undefined when it has none. */
export function chosenElement(content: MessageContent | null, elementId: string): ChosenElement | undefined {
  if (content === null) return undefined;
  const element = elementsOf(content).find((candidate) => candidate.id === elementId);
  if (!element) return undefined;
  const holder = valueAt(content, element.path.slice(0, -1));
  const payload = holder.payload ?? holder.value;
  return { id: element.id, kind: element.kind, title: element.title, payload: typeof payload === 'string' ? payload : null };
}

function valueAt(root: unknown, path: Path): Record<string, unknown> {
  let current = root;
  for (const segment of path) current = (current as Record<string | number, unknown>)[segment];
  return current as Record<string, unknown>;
}
