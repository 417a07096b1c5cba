import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../src/db/oauth-clients/redirect-uris.js';

const dev = 'http://localhost:8080';
const prod = 'https://gatehouse.example.com';

describe('redirect URI registration rules', () => {
  it.each([
    ['https://app.example/cb', 'web', prod],
    ['http://127.0.0.1:3000/cb', 'web', dev],
    ['http://localhost:5173/', 'spa', dev],
    ['http://[::1]:8000/cb', 'spa', dev],
    ['http://127.0.0.1/cb', 'native', prod],
    ['com.example.app:/oauth', 'native', prod],
  ] as const)('accepts %s for %s (PUBLIC_URL %s)', (uri, type, publicUrl) => {
    expect(redirectUriProblem(uri, type, publicUrl)).toBeUndefined();
  });

  it.each([
    ['javascript:alert(1)', 'web', dev, 'forbidden javascript scheme'],
    ['JavaScript:alert(1)', 'native', dev, 'forbidden javascript scheme'],
    ['data:text/html;base64,PHNjcmlwdD4=', 'spa', dev, 'forbidden data scheme'],
    ['http://127.0.0.1:3000/cb', 'web', prod, 'only allowed for native apps, or while PUBLIC_URL is itself http'],
    ['http://app.example/cb', 'web', dev, 'only allowed for loopback hosts'],
    ['https://app.example/cb#frag', 'web', prod, 'must not contain a fragment'],
    ['https://evil@app.example/cb', 'web', prod, 'must not contain user information'],
    ['/relative/cb', 'web', prod, 'is not an absolute URI'],
    ['myapp:/cb', 'native', prod, 'reverse domain name'],
    ['com.example.app:/cb', 'spa', prod, 'must be an https URI'],
    ['https://127.0.0.1/cb', 'native', prod, 'use http:// for loopback'],
  ] as const)('refuses %s for %s', (uri, type, publicUrl, message) => {
    expect(redirectUriProblem(uri, type, publicUrl)).toContain(message);
  });
});
