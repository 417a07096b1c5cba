import { h, safeUrl } from './dom.js';
import type { Button } from './types.js';

/**
 * The web-view panel: a modal dialog over the chat at the button's height (compact, tall, full)
 * holding a sandboxed iframe of the bot's page. The page runs in its own origin, so what the
 * visitor types there never passes through the widget or Gatehouse. Focus moves to the panel's
 * close control on open and back to the button that opened it on close (or Escape).
 */
export class WebviewPanel {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private opener: HTMLElement | undefined;

  constructor(private readonly onChange: (open: boolean) => void) {
    const close = h('button', { type: 'button', class: 'icon', 'aria-label': 'Close' }, '×');
    this.title = h('p', { class: 'panel-title', id: 'gh-panel-title' });
    this.body = h('div', { class: 'panel-body' });
    this.element = h('div', { class: 'panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'gh-panel-title', hidden: true },
      h('div', { class: 'panel-header' }, this.title, close), this.body);
    close.addEventListener('click', () => this.close());
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Refuses (returns false) a URL that is not https, or http on this machine. */
  open(button: Extract<Button, { type: 'webview' }>, opener: HTMLElement): boolean {
    const src = safeUrl(button.url);
    if (!src) return false;
    this.opener = opener;
    this.title.textContent = button.title;
    this.element.dataset.height = button.height;
    const frame = h('iframe', {
      src, title: button.title, referrerpolicy: 'no-referrer',
      sandbox: 'allow-scripts allow-forms allow-same-origin allow-popups',
      allow: '',
    });
    this.body.replaceChildren(frame);
    this.element.hidden = false;
    this.onChange(true);
    this.element.querySelector<HTMLButtonElement>('button.icon')!.focus();
    return true;
  }

  close(): void {
    if (!this.isOpen) return;
    this.element.hidden = true;
    this.body.replaceChildren();
    this.onChange(false);
    const opener = this.opener;
    this.opener = undefined;
    if (opener?.isConnected) opener.focus();
  }
}
