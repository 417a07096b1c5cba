export { renderAccount, renderAuthorizedApps, type AccountSection, type AuthorizedApp } from './account.js';
export { renderConsent, SCOPE_DESCRIPTIONS, type ConsentView } from './consent.js';
export { renderError } from './error.js';
export { escapeHtml, html, SafeHtml, STYLE_HASH } from './html.js';
export { renderLogin, type LoginView } from './login.js';
export { renderLoggedOut, renderLogoutConfirm } from './logout.js';
export { renderApiKeys, type ApiKeysView, type ApiKeyListItem } from './api-keys.js';
export {
  renderActivate, renderInvitationConfirm, renderInvitationNewAccount, renderInvitationSignIn, renderInvitationWrongAccount,
  renderOnboardingDone, type NewPasswordForm,
} from './onboarding.js';
export { renderPasswordResetForm, renderPasswordResetRequest, renderPasswordResetRequested } from './password-reset.js';
export { renderEmailChangeConfirm, renderEmailSection } from './email-change.js';
export { renderMailbox, type MailboxItem } from './mailbox.js';
export {
  COPY_SCRIPT, COPY_SCRIPT_PATH, renderWebhookPage, renderWebhooksPage,
  type WebhookChoices, type WebhookDeliveryItem, type WebhookListItem, type WebhookOrganization, type WebhookPageView,
} from './webhooks.js';
export { renderWebhookDeliveryPage, type WebhookAttemptItem } from './webhook-delivery.js';
export { renderWidgetDemo, type WidgetDemoView } from './widget-demo.js';
