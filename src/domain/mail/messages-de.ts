import type { Messages } from './templates.js';

// Deutsch (Sie-Form).
export const de: Messages = {
  dateLocale: 'de-DE',
  copyLink: 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:',
  footer: ({ product }) => `Diese E-Mail wurde von ${product} gesendet. Sie betrifft nur Ihr Konto; niemand sonst hat sie erhalten.`,

  invitation: (p, { product, when }) => ({
    subject: `Einladung zu ${p.organizationName} bei ${product}`,
    paragraphs: [`Sie wurden eingeladen, ${p.organizationName} als ${p.role} beizutreten.`, 'Um die Einladung anzunehmen, öffnen Sie diesen Link:'],
    action: { label: 'Einladung annehmen', url: p.link },
    notes: [
      `Haben Sie noch kein ${product}-Konto, wählen Sie dort Ihren Namen und Ihr Passwort; haben Sie eines, melden Sie sich zuerst an.`,
      `Der Link funktioniert einmal, bis ${when(p.expiresAt)}.`,
      'Wenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese E-Mail: Ohne den Link geschieht nichts.',
    ],
  }),

  account_activation: (p, { product, when }) => ({
    subject: `Aktivieren Sie Ihr ${product}-Konto`,
    paragraphs: [`Eine Administratorin oder ein Administrator von ${p.organizationName} hat für diese Adresse ein ${product}-Konto angelegt.`, 'Um es zu nutzen, öffnen Sie diesen Link und wählen Sie Ihr Passwort:'],
    action: { label: 'Konto aktivieren', url: p.link },
    notes: [`Der Link funktioniert einmal, bis ${when(p.expiresAt)}. Vorher kann sich niemand bei dem Konto anmelden.`, 'Wenn Sie diese E-Mail nicht erwartet haben, ignorieren Sie sie.'],
  }),

  password_reset: (p, { product, when }) => ({
    subject: `Ihr ${product}-Passwort zurücksetzen`,
    paragraphs: [`Jemand hat verlangt, das Passwort des ${product}-Kontos ${p.email} zurückzusetzen.`, 'Um ein neues Passwort zu wählen, öffnen Sie diesen Link:'],
    action: { label: 'Neues Passwort wählen', url: p.link },
    notes: [
      `Der Link funktioniert einmal, bis ${when(p.expiresAt)}, und nur solange das Passwort das ist, welches er ersetzt. Ein neues Passwort meldet Sie überall ab.`,
      'Wenn Sie das nicht verlangt haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.',
    ],
  }),

  password_changed: (p, { product, when }) => ({
    subject: `Ihr ${product}-Passwort wurde geändert`,
    paragraphs: [`Das Passwort des ${product}-Kontos ${p.email} wurde am ${when(p.at)} geändert. Alle Sitzungen und Token des Kontos wurden abgemeldet.`],
    action: { label: 'Passwort zurücksetzen', url: p.resetLink },
    notes: ['Wenn Sie das waren, ist nichts zu tun. Wenn nicht, setzen Sie das Passwort sofort mit dem Link oben zurück und informieren Sie Ihre Administration.'],
  }),

  email_change: (p, { product, when }) => ({
    subject: `Bestätigen Sie Ihre neue E-Mail-Adresse bei ${product}`,
    paragraphs: [`Jemand, angemeldet als ${p.oldEmail}, möchte künftig diese Adresse, ${p.newEmail}, für sein ${product}-Konto verwenden.`, 'Um zu bestätigen, dass diese Adresse Ihnen gehört, öffnen Sie diesen Link:'],
    action: { label: 'Neue Adresse bestätigen', url: p.link },
    notes: [`Der Link funktioniert einmal, bis ${when(p.expiresAt)}. Bis dahin behält das Konto seine alte Adresse.`, 'Wenn Sie das nicht verlangt haben, ignorieren Sie diese E-Mail: Es ändert sich nichts.'],
  }),

  email_changed: (p, { product, when }) => ({
    subject: `Ihre E-Mail-Adresse bei ${product} wurde geändert`,
    paragraphs: [`Die E-Mail-Adresse Ihres ${product}-Kontos wurde am ${when(p.at)} von ${p.oldEmail} zu ${p.newEmail} geändert. Sie melden sich nun mit der neuen Adresse an.`],
    action: { label: 'Passwort zurücksetzen', url: p.resetLink },
    notes: ['Wenn Sie das nicht waren, benutzt womöglich jemand anderes Ihr Konto: Informieren Sie sofort Ihre Administration.'],
  }),
};
