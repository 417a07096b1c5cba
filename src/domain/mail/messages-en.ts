import type { Messages } from './templates.js';

// English. The invitation and activation wording is issue 17's, kept.
export const en: Messages = {
  dateLocale: 'en-GB',
  copyLink: 'If the button does not work, copy this address into your browser:',
  footer: ({ product }) => `This mail was sent by ${product}. It is about your account only; nobody else received it.`,

  invitation: (p, { product, when }) => ({
    subject: `You are invited to ${p.organizationName} on ${product}`,
    paragraphs: [`You have been invited to join ${p.organizationName} as ${p.role}.`, 'To accept, open this link:'],
    action: { label: 'Accept the invitation', url: p.link },
    notes: [
      `If you have no ${product} account yet, you choose your name and password there; if you have one, you sign in to it first.`,
      `The link works once, until ${when(p.expiresAt)}.`,
      'If you did not expect this invitation, ignore this mail: nothing happens unless you open the link.',
    ],
  }),

  account_activation: (p, { product, when }) => ({
    subject: `Activate your ${product} account`,
    paragraphs: [`An administrator of ${p.organizationName} created a ${product} account for this address.`, 'To use it, open this link and choose your password:'],
    action: { label: 'Activate your account', url: p.link },
    notes: [`The link works once, until ${when(p.expiresAt)}. Nobody can sign in to the account before you do this.`, 'If you did not expect this mail, ignore it.'],
  }),

  password_reset: (p, { product, when }) => ({
    subject: `Reset your ${product} password`,
    paragraphs: [`Someone asked to reset the password of the ${product} account ${p.email}.`, 'To choose a new password, open this link:'],
    action: { label: 'Choose a new password', url: p.link },
    notes: [
      `The link works once, until ${when(p.expiresAt)}, and only while the password is the one it replaces. Choosing a new password signs you out everywhere.`,
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ],
  }),

  password_changed: (p, { product, when }) => ({
    subject: `Your ${product} password was changed`,
    paragraphs: [`The password of the ${product} account ${p.email} was changed on ${when(p.at)}. Every session and token of the account was signed out.`],
    action: { label: 'Reset the password', url: p.resetLink },
    notes: ['If you did this, there is nothing to do. If you did not, reset the password at once with the link above and tell your administrator.'],
  }),

  email_change: (p, { product, when }) => ({
    subject: `Confirm your new ${product} email address`,
    paragraphs: [`Someone signed in as ${p.oldEmail} asked to use this address, ${p.newEmail}, for their ${product} account instead.`, 'To confirm that this address is yours, open this link:'],
    action: { label: 'Confirm the new address', url: p.link },
    notes: [`The link works once, until ${when(p.expiresAt)}. Until it is used, the account keeps its old address.`, 'If you did not ask for this, ignore this mail: nothing changes.'],
  }),

  email_changed: (p, { product, when }) => ({
    subject: `Your ${product} email address was changed`,
    paragraphs: [`The email address of your ${product} account was changed from ${p.oldEmail} to ${p.newEmail} on ${when(p.at)}. You now sign in with the new address.`],
    action: { label: 'Reset the password', url: p.resetLink },
    notes: ['If you did not do this, someone else may be using your account: tell your administrator at once.'],
  }),
};
