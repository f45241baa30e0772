import express from 'express';
import request from 'supertest';
import { itemKey, startSandbox, type StartedSandbox } from '../src/testing';
import { buildHost, signIn, storedSessions } from './helpers/host';

const KEY = 'an-encryption-key-of-at-least-32-characters';
let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

/** Every session key the stand-in has handed out so far. */
function issuedKeys(): string[] {
  return [...sandbox.state.sessionKeys.keys()];
}

test('without encryptionKey the store holds the session key in clear (what sealing is for)', async () => {
  const host = buildHost(express, sandbox);
  await signIn(host, sandbox);
  const stored = storedSessions(host.store);
  expect(issuedKeys().some((key) => stored.includes(key))).toBe(true);
});

test('with encryptionKey no store ever holds the session key in clear, and signed writes still work', async () => {
  const host = buildHost(express, sandbox, { encryptionKey: KEY });
  const before = new Set(issuedKeys());
  const { cookie } = await signIn(host, sandbox, 'sandbox-bo');
  const key = issuedKeys().find((candidate) => !before.has(candidate));
  expect(key).toBeDefined();
  const stored = storedSessions(host.store);
  expect(stored).not.toContain(key);
  expect(stored).toContain('sealedKey');

  await request(host.app).post('/love').set('Cookie', cookie).type('form').send({ artist: 'Björk', track: 'Jóga' }).expect(303);
  expect(sandbox.state.library.of('sandbox-bo').loves.has(itemKey('Björk', 'Jóga'))).toBe(true);
});

test('a sealed key that another key cannot open counts as signed out, not as an error', async () => {
  const sealing = buildHost(express, sandbox, { encryptionKey: KEY });
  const { cookie } = await signIn(sealing, sandbox);
  const rotatedAway = buildHost(express, sandbox, { encryptionKey: 'a-different-key-also-32-characters-long' });
  // The same store, read by an instance that no longer has the key.
  Object.assign(rotatedAway.store, { sessions: (sealing.store as unknown as { sessions: unknown }).sessions });
  await request(rotatedAway.app).get('/').set('Cookie', cookie).expect(200, 'signed out');
  await request(sealing.app).get('/').set('Cookie', cookie).expect(200, 'sandbox-ada');
});

test('a short encryptionKey stops the host at start with the option named', () => {
  expect(() => buildHost(express, sandbox, { encryptionKey: 'short' })).toThrow(/encryptionKey/);
});
