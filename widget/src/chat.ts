import { ApiError, clientMessageId, type Api } from './api.js';
import { quickReplies, renderContent, type Actions } from './content.js';
import { h } from './dom.js';
import type { WebviewPanel } from './panel.js';
import type { Session } from './session.js';
import { followEvents } from './stream.js';
import type { Conversation, EventEnvelope, Message } from './types.js';

const AUTHOR_LABEL: Record<Message['author']['type'], string> = { visitor: 'You', agent: 'Agent', bot: 'Bot', system: 'Notice' };

/**
 * The chat tab: the message log (role=log, announced politely), the composer, quick replies and
 * the rating form. Messages come from the conversation's fetch, from the answers to the visitor's
 * own sends and from the live stream; each is shown once (by id), in sequence order.
 */
export class Chat implements Actions {
  readonly element: HTMLElement;
  private readonly log: HTMLElement;
  private readonly replies: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly ratingBox: HTMLElement;
  private readonly shown = new Map<string, number>();
  private lastSeq = 0;
  private stop: (() => void) | undefined;
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly api: Api, private readonly session: Session, private readonly panel: WebviewPanel, private readonly status: (text: string) => void, greeting: string) {
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0' });
    this.replies = h('div', { class: 'replies' });
    this.input = h('textarea', { rows: '1', 'aria-label': 'Message', placeholder: 'Write a message…', maxlength: '4096' });
    const form = h('form', { class: 'composer' }, this.input, h('button', { type: 'submit', class: 'send' }, 'Send'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.sendText();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.sendText();
      }
    });
    this.ratingBox = this.ratingForm();
    this.element = h('div', { class: 'chat' }, greeting ? h('p', { class: 'greeting' }, greeting) : null, this.log, this.replies, form, this.ratingBox);
  }

  /** Shows the stored conversation, if it is still open, and follows it. */
  async resume(): Promise<void> {
    const token = this.session.conversation;
    if (!token) return;
    try {
      const conversation = await this.session.authorized((t) => this.api.conversation(t, token));
      if (conversation.status === 'closed') {
        this.session.conversation = undefined;
        return;
      }
      this.follow(conversation);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.session.conversation = undefined;
      else throw err;
    }
  }

  private follow(conversation: Conversation): void {
    for (const message of conversation.messages ?? []) this.show(message);
    this.lastSeq = Math.max(this.lastSeq, conversation.last_event_seq);
    this.ratingBox.hidden = false;
    this.stop?.();
    this.stop = followEvents({
      url: this.api.eventsUrl(conversation.token),
      token: () => this.session.accessToken(),
      lastEventId: () => this.lastSeq,
      onRefused: async () => { await this.session.renew(); },
      onEvent: (type, id, data) => this.onEvent(type, id, data),
    });
  }

  private onEvent(type: string, id: number, data: string): void {
    if (id <= this.lastSeq) return;
    this.lastSeq = id;
    const envelope = JSON.parse(data) as EventEnvelope;
    if (type === 'message.created') this.show(envelope.data as Message);
    else if (type === 'chat.ended') {
      this.stop?.();
      this.session.conversation = undefined;
      this.log.append(h('p', { class: 'notice' }, 'The chat has ended. Write to start a new one.'));
    }
  }

  /** Inserts a message once, in sequence order; a visitor's message dismisses earlier quick replies. */
  show(message: Message): void {
    if (this.shown.has(message.id)) return;
    this.shown.set(message.id, message.seq);
    const mine = message.author.type === 'visitor';
    const item = h('div', { class: `message ${mine ? 'mine' : 'theirs'}`, 'data-id': message.id, 'data-seq': String(message.seq), 'data-author': message.author.type },
      h('span', { class: 'author' }, `${message.author.name && !mine ? message.author.name : AUTHOR_LABEL[message.author.type]}: `),
      renderContent(message, this));
    const later = Array.from(this.log.children).find((el) => Number((el as HTMLElement).dataset.seq) > message.seq);
    this.log.insertBefore(item, later ?? null);
    const newest = Math.max(...this.shown.values());
    if (mine) {
      for (const group of Array.from(this.replies.children)) {
        if ((this.shown.get((group as HTMLElement).dataset.message ?? '') ?? 0) < message.seq) group.remove();
      }
    } else if (message.seq === newest) {
      const replies = quickReplies(message, this);
      if (replies) this.replies.replaceChildren(replies);
    }
    item.scrollIntoView?.({ block: 'nearest' });
  }

  private sendText(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    void this.send({ content: { type: 'text', text } });
  }

  postback(message: Message, elementId: string): void {
    this.replies.querySelector(`[data-message="${message.id}"]`)?.remove();
    void this.send({ postback: { message_id: message.id, element_id: elementId } });
  }

  webview(button: Parameters<Actions['webview']>[0], opener: HTMLElement): void {
    if (!this.panel.open(button, opener)) this.status('This page cannot be opened here.');
  }

  /** One send at a time, in order; a failed network call is retried with the same client_message_id. */
  private send(body: { content?: unknown; postback?: unknown }): Promise<unknown> {
    const id = clientMessageId();
    this.sending = this.sending.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deliver(body, id);
          this.status('');
          return;
        } catch (err) {
          if (err instanceof ApiError || attempt === 3) {
            this.status(err instanceof ApiError ? `Your message was not sent: ${err.message}` : 'Your message was not sent: no connection.');
            return;
          }
        }
      }
    });
    return this.sending;
  }

  private async deliver(body: { content?: unknown; postback?: unknown }, id: string): Promise<void> {
    const token = this.session.conversation;
    if (token) {
      try {
        this.show(await this.session.authorized((t) => this.api.post(t, token, { ...body, client_message_id: id })));
        return;
      } catch (err) {
        // A closed or deleted conversation: this message starts a new one.
        if (!(err instanceof ApiError) || (err.status !== 409 && err.status !== 404) || body.content === undefined) throw err;
      }
    }
    if (body.content === undefined) return;
    const conversation = await this.session.authorized((t) => this.api.start(t, { content: body.content, client_message_id: id }));
    this.session.conversation = conversation.token;
    this.follow(conversation);
  }

  private ratingForm(): HTMLElement {
    const scores = [1, 2, 3, 4, 5].map((score) =>
      h('label', { class: 'score' }, h('input', { type: 'radio', name: 'gh-score', value: String(score), 'aria-label': `${score} of 5` }), String(score)));
    const comment = h('textarea', { rows: '2', 'aria-label': 'Comment (optional)', placeholder: 'Comment (optional)', maxlength: '1000' });
    // A disclosure, so the form takes no room until the visitor wants it.
    const form = h('form', { class: 'rating' },
      h('fieldset', {}, h('legend', {}, 'Score'), h('div', { class: 'scores' }, ...scores)), comment, h('button', { type: 'submit', class: 'button' }, 'Send rating'));
    const disclosure = h('details', { class: 'rating-box', hidden: true }, h('summary', {}, 'Rate this chat'), form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const score = Number(form.querySelector<HTMLInputElement>('input[name=gh-score]:checked')?.value ?? 0);
      const token = this.session.conversation;
      if (!score || !token) {
        this.status('Choose a score from 1 to 5.');
        return;
      }
      this.session.authorized((t) => this.api.rate(t, token, score, comment.value.trim() || null))
        .then(() => this.status('Thank you for your rating.'), (err: unknown) => this.status(`Your rating was not sent: ${err instanceof Error ? err.message : 'no connection'}.`));
    });
    return disclosure;
  }

  /** Stops following (the widget is removed). */
  close(): void {
    this.stop?.();
  }
}
