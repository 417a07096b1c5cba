// The shapes the widget reads, as the API documents them (src/contract/operations): only the
// fields it uses.

export interface WidgetCard { id: string; type: 'text' | 'link' | 'article' | 'contact'; title: string; body: string | null; url: string | null }
export interface WidgetTab { id: string; type: 'chat' | 'home' | 'help' | 'link'; title: string; url: string | null }
export interface PublicWidget {
  client_token: string;
  name: string;
  config: { theme: { color: string; position: 'right' | 'left' }; locale: string; greeting: string };
  cards: WidgetCard[];
  tabs: WidgetTab[];
}

export interface VisitorSession { access_token: string; expires_in: number; visitor_secret: string; visitor: { token: string } }

export interface Image { url: string; mime: string; alt?: string; width?: number; height?: number }
export type Button =
  | { id: string; type: 'postback'; title: string }
  | { id: string; type: 'url'; title: string; url: string; target?: 'new' | 'current' }
  | { id: string; type: 'webview'; title: string; url: string; height: 'compact' | 'tall' | 'full' }
  | { id: string; type: 'phone'; title: string; phone: string };
export interface Card { id: string; title?: string; subtitle?: string; image?: Image; buttons?: Button[] }
export type Content =
  | { type: 'text'; text: string }
  | { type: 'image' | 'gif'; fallback_text: string; image: Image; caption?: string }
  | { type: 'quick_replies'; fallback_text: string; text: string; replies: { id: string; title: string }[] }
  | { type: 'buttons'; fallback_text: string; text: string; buttons: Button[] }
  | ({ type: 'card'; fallback_text: string } & Card)
  | { type: 'carousel'; fallback_text: string; cards: Card[] }
  | { type: 'dropdown'; fallback_text: string; text: string; placeholder?: string; multiple?: boolean; options: { id: string; label: string; value: string }[] };

export interface Message {
  id: string;
  seq: number;
  author: { type: 'visitor' | 'agent' | 'bot' | 'system'; name: string | null };
  content: Content | null;
  text: string;
  postback: { message_id: string; element_id: string } | null;
}

export interface Conversation { token: string; status: 'open' | 'pending' | 'closed' | string; last_event_seq: number; messages?: Message[] }

export interface EventEnvelope { type: string; data: unknown; sequence?: number }
