import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { createSandboxRouter, DEMO_ACCOUNTS, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { csrfFrom } from './app';

/**
 * The sandbox's Last.fm stand-in alone, in the test process, for app processes to share: its
 * state (and so what it counts) is one, however many instances call it.
 */
export class StandIn {
  readonly state = new SandboxState();
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<this> {
    const app = express();
    app.use('/sandbox', createSandboxRouter({ state: this.state }));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** What an app process needs to call this stand-in as its Last.fm. */
  get env(): Record<string, string> {
    return { LASTFM_API_KEY: SANDBOX_API_KEY, LASTFM_SHARED_SECRET: SANDBOX_SHARED_SECRET, LASTFM_API_URL: `${this.url}/sandbox/2.0/`, LASTFM_AUTH_URL: `${this.url}/sandbox/api/auth/` };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Signs a demo account in on a running app with the password flow; returns the agent and a form token. */
export async function passwordSignIn(baseUrl: string, account = DEMO_ACCOUNTS[0]): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  if (account === undefined) throw new Error('no demo account');
  const agent = request.agent(baseUrl);
  const form = await agent.get('/auth/mobile').expect(200);
  await agent.post('/auth/mobile').type('form').send({ _csrf: csrfFrom(form.text), username: account.name, password: account.password }).expect(303);
  const home = await agent.get('/').expect(200);
  return { agent, csrf: csrfFrom(home.text) };
}

/** Polls until `check` holds, failing after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
