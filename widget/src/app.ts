import { ApiError, Api } from './api.js';
import { Chat } from './chat.js';
import { h, safeUrl, uid } from './dom.js';
import { WebviewPanel } from './panel.js';
import { Session } from './session.js';
import { STYLES } from './styles.js';
import type { PublicWidget, WidgetCard, WidgetTab } from './types.js';

export interface WidgetOptions { base: string; clientToken: string; open: boolean }

/**
 * The widget on the host page: a launcher button and a chat window inside a shadow root (the
 * host's styles cannot reach in; ours are a constructed stylesheet, which a strict
 * Content-Security-Policy allows). The window has the widget's tabs; the chat tab is always there.
 */
export async function mountWidget(options: WidgetOptions): Promise<void> {
  const host = h('div', { 'data-gatehouse-widget': options.clientToken });
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLES);
  root.adoptedStyleSheets = [sheet];
  document.body.append(host);

  const windowId = uid('window');
  const launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': windowId }, 'Chat with us');
  const status = h('p', { class: 'status', role: 'status' });
  const main = h('div', { class: 'main' }, h('p', { class: 'loading' }, 'Loading…'));
  const closeButton = h('button', { type: 'button', class: 'icon', 'aria-label': 'Minimize chat' }, '–');
  const heading = h('p', { class: 'title', id: `${windowId}-title` }, 'Chat');
  const panel = new WebviewPanel((open) => { main.inert = open; });
  const frame = h('div', { class: 'window', id: windowId, role: 'region', 'aria-labelledby': `${windowId}-title`, hidden: true },
    h('div', { class: 'header' }, heading, closeButton), main, status, panel.element);
  root.append(frame, launcher);

  const setOpen = (open: boolean) => {
    frame.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    host.dataset.open = String(open);
    if (open) frame.querySelector<HTMLElement>('textarea, [role=tab][aria-selected=true]')?.focus();
    else launcher.focus();
  };
  launcher.addEventListener('click', () => setOpen(frame.hidden !== false));
  closeButton.addEventListener('click', () => setOpen(false));
  frame.addEventListener('keydown', (event) => { if (event.key === 'Escape' && !panel.isOpen) setOpen(false); });
  const say = (text: string) => { status.textContent = text; };
  if (options.open) setOpen(true);

  const api = new Api(options.base, options.clientToken);
  let config: PublicWidget;
  try {
    config = await api.config();
  } catch (err) {
    host.dataset.state = 'refused';
    main.replaceChildren(refusal(err));
    return;
  }
  heading.textContent = config.name;
  host.style.setProperty('--gh-color', config.config.theme.color);
  host.dataset.position = config.config.theme.position;

  const session = new Session(api);
  const chat = new Chat(api, session, panel, say, config.config.greeting);
  main.replaceChildren(tabs(config, chat.element));
  try {
    await session.accessToken();
    await chat.resume();
    host.dataset.state = 'ready';
  } catch (err) {
    host.dataset.state = 'refused';
    chat.element.replaceChildren(refusal(err));
  }
}

/**
 * Why the chat cannot open, for the visitor and the site's owner. Gatehouse answers CORS only to
 * the origins of its widgets, so a refused origin usually shows as a failed fetch (a TypeError,
 * like a network failure), and only sometimes as a readable `origin_not_allowed`.
 */
function refusal(err: unknown): HTMLElement {
  const origin = location.origin;
  const text = !(err instanceof ApiError)
    ? `The chat cannot be opened on ${origin}: this address is not one of the widget's allowed origins, or the chat service cannot be reached.`
    : err.code === 'origin_not_allowed'
      ? `This chat is not enabled for ${origin}. The site's owner can add this address to the widget's allowed origins.`
      : err.status === 404 ? 'This chat is not available.' : `The chat cannot be started right now: ${err.message}`;
  return h('p', { class: 'notice', role: 'alert' }, text);
}

/** The tab list (chat first when the configuration names none) and its panels. */
function tabs(config: PublicWidget, chat: HTMLElement): HTMLElement {
  const list: Pick<WidgetTab, 'type' | 'title' | 'url'>[] = config.tabs.length > 0 ? [...config.tabs] : [];
  if (!list.some((tab) => tab.type === 'chat')) list.unshift({ type: 'chat', title: 'Chat', url: null });
  if (config.cards.length > 0 && !list.some((tab) => tab.type === 'home')) list.push({ type: 'home', title: 'Home', url: null });
  if (list.length === 1) return chat;
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Sections' });
  const panels: HTMLElement[] = [];
  const buttons = list.map((tab, i) => {
    const tabId = uid('tab');
    const panel = h('div', { role: 'tabpanel', id: `${tabId}-panel`, 'aria-labelledby': tabId, hidden: i !== 0, class: 'tabpanel' }, tabContent(tab, config, chat));
    panels.push(panel);
    return h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': `${tabId}-panel`, 'aria-selected': String(i === 0), tabindex: i === 0 ? '0' : '-1' }, tab.title);
  });
  const select = (index: number) => {
    buttons.forEach((button, i) => {
      button.setAttribute('aria-selected', String(i === index));
      button.tabIndex = i === index ? 0 : -1;
      panels[i]!.hidden = i !== index;
    });
    buttons[index]!.focus();
  };
  buttons.forEach((button, i) => {
    button.addEventListener('click', () => select(i));
    button.addEventListener('keydown', (event) => {
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1 + buttons.length, Home: 0, End: buttons.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(next % buttons.length);
    });
  });
  tablist.append(...buttons);
  return h('div', { class: 'tabbed' }, tablist, ...panels);
}

function tabContent(tab: Pick<WidgetTab, 'type' | 'title' | 'url'>, config: PublicWidget, chat: HTMLElement): HTMLElement {
  if (tab.type === 'chat') return chat;
  if (tab.type === 'link') {
    const href = safeUrl(tab.url);
    return href ? h('a', { class: 'button', href, target: '_blank', rel: 'noopener noreferrer' }, tab.title) : h('p', {}, tab.title);
  }
  const cards = tab.type === 'help' ? config.cards.filter((card) => card.type === 'article' || card.type === 'link') : config.cards;
  return h('ul', { class: 'cards', 'aria-label': tab.title }, ...cards.map(homeCard));
}

function homeCard(card: WidgetCard): HTMLElement {
  const href = safeUrl(card.url);
  const title = href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'card-title' }, card.title) : h('p', { class: 'card-title' }, card.title);
  return h('li', { class: `home-card ${card.type}` }, title, card.body ? h('p', { class: 'card-body' }, card.body) : null);
}
