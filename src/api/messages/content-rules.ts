import { elementsOf, webviewUrls, type MessageContent } from '../../contract/message-content.js';
import { fieldPath, validationFailed } from '../../contract/field-errors.js';

type Path = readonly (string | number)[];

/**
 * A web view opens inside the widget, so it may only show the organization's own pages
 * (DESIGN.md "Messages"): every web-view URL's host must be on `organizations.webview_hosts`.
 * The schema already checked https; this is the organization's rule, named by its JSON path.
 */
export function checkWebviewHosts(content: MessageContent, allowedHosts: readonly string[], at: Path): void {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  const refused = webviewUrls(content)
    .filter(({ url }) => !allowed.has(new URL(url).hostname.toLowerCase()))
    .map(({ path }) => ({ field: fieldPath([...at, ...path]), message: "must be on the organization's web-view hosts (webview_hosts)" }));
  if (refused.length > 0) throw validationFailed(refused);
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
