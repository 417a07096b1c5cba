// The bank's own page, opened in a web view inside the chat. The visitor's card details are posted
// here, to the bot, and go no further: Gatehouse only ever hears "card ending 1234".

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2733; }
  h1 { font-size: 1.25rem; } label { display: block; margin: 1rem 0 .25rem; }
  input { font: inherit; padding: .5rem; width: 100%; max-width: 20rem; box-sizing: border-box; }
  button { font: inherit; margin-top: 1.25rem; padding: .5rem 1.25rem; background: #0b5cad; color: #fff; border: 0; border-radius: 4px; }
  [role=alert] { color: #a00; }
</style></head>
<body><main>${body}</main></body></html>`;
}

export function cardForm(action: string, problem?: string): string {
  return page('AG Bank: card details', `
<h1>AG Bank: your card details</h1>
<p>These details stay with AG Bank. The chat never sees them.</p>
${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="${escape(action)}">
  <label for="card">Card number</label>
  <input id="card" name="card_number" inputmode="numeric" autocomplete="cc-number" required>
  <label for="expiry">Expiry date (MM/YY)</label>
  <input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="MM/YY" required>
  <button type="submit">Get my statement</button>
</form>`);
}

export function donePage(last4: string): string {
  return page('AG Bank: thank you', `
<h1>Thank you</h1>
<p>Your statement for the card ending ${escape(last4)} is ready in the chat. You can close this window.</p>`);
}

export function gonePage(): string {
  return page('AG Bank: link used', '<h1>This link has been used</h1><p>Ask Freddy in the chat for a new one.</p>');
}

/** The digits of a plausible card number (12-19 digits, Luhn checksum), or a reason it is not one. */
export function checkCard(number: string, expiry: string): { digits: string } | { problem: string } {
  const digits = number.replace(/[\s-]/g, '');
  if (!/^[0-9]{12,19}$/.test(digits) || !luhn(digits)) return { problem: 'That card number does not look right. Please check it.' };
  if (!/^(0[1-9]|1[0-2])\/[0-9]{2}$/.test(expiry.trim())) return { problem: 'Please enter the expiry date as MM/YY.' };
  return { digits };
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
