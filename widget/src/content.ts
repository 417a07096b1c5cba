import { h, safeUrl, uid } from './dom.js';
import type { Button, Card, Content, Image, Message } from './types.js';

/** What a rendered message can ask of the widget. */
export interface Actions {
  /** A click on a postback button, quick reply, card or drop-down option. */
  postback(message: Message, elementId: string): void;
  /** A web-view button: open its page in the panel; focus returns to `opener` on close. */
  webview(button: Extract<Button, { type: 'webview' }>, opener: HTMLElement): void;
}

/** The message's content as DOM: every text through text nodes, every URL checked again. */
export function renderContent(message: Message, actions: Actions): Node {
  const content = message.content;
  if (!content) return h('p', { class: 'text deleted' }, message.text || 'This message was deleted.');
  switch (content.type) {
    case 'text':
      return h('p', { class: 'text' }, content.text);
    case 'image':
    case 'gif':
      return figure(content.image, content.caption, content.type, content.fallback_text);
    case 'quick_replies':
      return h('p', { class: 'text' }, content.text);
    case 'buttons':
      return h('div', { class: 'rich' }, h('p', { class: 'text' }, content.text), buttonRow(content.buttons, message, actions));
    case 'card':
      return renderCard(content, message, actions);
    case 'carousel':
      return carousel(content.cards, content.fallback_text, message, actions);
    case 'dropdown':
      return dropdown(content, message, actions);
    default:
      return h('p', { class: 'text' }, message.text);
  }
}

/** Quick replies live below the log until the visitor answers (app.ts removes them). */
export function quickReplies(message: Message, actions: Actions): HTMLElement | undefined {
  if (message.content?.type !== 'quick_replies') return undefined;
  const group = h('div', { class: 'quick-replies', role: 'group', 'aria-label': message.content.text, 'data-message': message.id });
  for (const reply of message.content.replies) {
    const button = h('button', { type: 'button', class: 'chip' }, reply.title);
    button.addEventListener('click', () => actions.postback(message, reply.id));
    group.append(button);
  }
  return group;
}

function figure(image: Image, caption: string | undefined, kind: string, fallback: string): HTMLElement {
  const src = safeUrl(image.url);
  const img = src
    ? h('img', { src, alt: image.alt ?? fallback, loading: 'lazy', width: image.width?.toString(), height: image.height?.toString(), referrerpolicy: 'no-referrer' })
    : h('p', { class: 'text' }, fallback);
  return h('figure', { class: `media ${kind}` }, img, caption ? h('figcaption', {}, caption) : null);
}

function buttonRow(buttons: Button[] | undefined, message: Message, actions: Actions): HTMLElement | null {
  if (!buttons || buttons.length === 0) return null;
  return h('div', { class: 'buttons' }, ...buttons.map((b) => renderButton(b, message, actions)));
}

function renderButton(button: Button, message: Message, actions: Actions): HTMLElement {
  switch (button.type) {
    case 'url': {
      const href = safeUrl(button.url);
      if (!href) return h('span', { class: 'button disabled' }, button.title);
      const newTab = button.target !== 'current';
      return h('a', { class: 'button', href, target: newTab ? '_blank' : '_top', rel: 'noopener noreferrer', 'data-target': newTab ? 'new' : 'current' }, button.title);
    }
    case 'phone':
      return h('a', { class: 'button', href: `tel:${button.phone.replace(/[^+0-9]/g, '')}` }, button.title);
    case 'webview': {
      const el = h('button', { type: 'button', class: 'button', 'aria-haspopup': 'dialog', disabled: safeUrl(button.url) === undefined }, button.title);
      el.addEventListener('click', () => actions.webview(button, el));
      return el;
    }
    default: {
      const el = h('button', { type: 'button', class: 'button' }, button.title);
      el.addEventListener('click', () => actions.postback(message, button.id));
      return el;
    }
  }
}

function renderCard(card: Card, message: Message, actions: Actions, label?: string): HTMLElement {
  const titleId = uid('card');
  return h('div', { class: 'card', role: 'group', 'aria-roledescription': label ? 'slide' : 'card', 'aria-label': label, 'aria-labelledby': label ? undefined : card.title ? titleId : undefined, 'data-card': card.id },
    card.image ? figure(card.image, undefined, 'card-image', card.title ?? '') : null,
    card.title ? h('p', { class: 'card-title', id: titleId }, card.title) : null,
    card.subtitle ? h('p', { class: 'card-subtitle' }, card.subtitle) : null,
    buttonRow(card.buttons, message, actions));
}

/** Scrollable cards; the arrow keys (and Home/End) move between them, each card a focus stop. */
function carousel(cards: Card[], label: string, message: Message, actions: Actions): HTMLElement {
  const slides = cards.map((card, i) => {
    const slide = renderCard(card, message, actions, `${i + 1} of ${cards.length}${card.title ? `: ${card.title}` : ''}`);
    slide.tabIndex = i === 0 ? 0 : -1;
    return slide;
  });
  const track = h('div', { class: 'track' }, ...slides);
  const region = h('div', { class: 'carousel', role: 'region', 'aria-roledescription': 'carousel', 'aria-label': label }, track);
  let current = 0;
  const show = (index: number) => {
    current = Math.max(0, Math.min(slides.length - 1, index));
    slides.forEach((slide, i) => { slide.tabIndex = i === current ? 0 : -1; });
    const slide = slides[current]!;
    slide.focus({ preventScroll: true });
    track.scrollTo({ left: slide.offsetLeft - track.offsetLeft, behavior: 'smooth' });
  };
  region.addEventListener('keydown', (event) => {
    const moves: Record<string, number> = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: slides.length - 1 };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    show(target);
  });
  slides.forEach((slide, i) => slide.addEventListener('focusin', () => { current = i; }));
  const previous = h('button', { type: 'button', class: 'nav', 'aria-label': 'Previous card' }, '‹');
  const next = h('button', { type: 'button', class: 'nav', 'aria-label': 'Next card' }, '›');
  previous.addEventListener('click', () => show(current - 1));
  next.addEventListener('click', () => show(current + 1));
  region.append(h('div', { class: 'carousel-nav' }, previous, next));
  return region;
}

function dropdown(content: Extract<Content, { type: 'dropdown' }>, message: Message, actions: Actions): HTMLElement {
  const id = uid('select');
  const select = h('select', { id, multiple: content.multiple === true });
  if (!content.multiple) select.append(h('option', { value: '', disabled: true, selected: true }, content.placeholder ?? 'Choose…'));
  for (const option of content.options) select.append(h('option', { value: option.id }, option.label));
  const send = h('button', { type: 'submit', class: 'button' }, 'Send choice');
  const form = h('form', { class: 'dropdown' }, h('label', { for: id, class: 'text' }, content.text), select, send);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = Array.from(select.selectedOptions, (option) => option.value).filter((value) => value !== '');
    if (chosen.length === 0) return;
    for (const elementId of chosen) actions.postback(message, elementId);
    select.disabled = true;
    send.disabled = true;
  });
  return form;
}
