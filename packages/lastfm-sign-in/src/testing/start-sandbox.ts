import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from './sandbox/credentials';
import { createSandboxRouter } from './sandbox/router';
import { SandboxState } from './sandbox/state';

export interface StartSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The stand-in's memory, to look at or to plan faults in; a fresh one by default. */
  state?: SandboxState;
}

/** A running stand-in: point a Last.fm client at `apiUrl` and `authUrl` with these credentials. */
export interface StartedSandbox {
  /** The web service root, `http://127.0.0.1:<port>/2.0/`. */
  apiUrl: string;
  /** The authorize page, `http://127.0.0.1:<port>/api/auth/`. */
  authUrl: string;
  apiKey: string;
  sharedSecret: string;
  /** `http://127.0.0.1:<port>/`: a page about the stand-in, with its demo accounts. */
  url: string;
  state: SandboxState;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * The same stand-in this app mounts under /sandbox, on a port of its own on 127.0.0.1, for a
 * host's tests or any Last.fm client (pylast, pydrag) to run against offline.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<StartedSandbox> {
  const state = options.state ?? new SandboxState();
  const app = express();
  app.disable('x-powered-by');
  // Each query name once, as a string: what Last.fm's clients send.
  app.set('query parser', 'simple');
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, '127.0.0.1');
    listening.once('listening', () => resolve(listening));
    listening.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  app.use(createSandboxRouter({ state, imageBaseUrl: `${url}assets/images/` }));
  app.use((_req, res) => {
    res.status(404).type('text').send('Not found: the sandbox answers at /2.0/ and /api/auth/.');
  });
  const plainErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    res.status(typeof status === 'number' && status >= 400 && status < 600 ? status : 500).type('text').send('The sandbox could not answer that request.');
  };
  app.use(plainErrors);
  return {
    apiUrl: `${url}2.0/`,
    authUrl: `${url}api/auth/`,
    apiKey: SANDBOX_API_KEY,
    sharedSecret: SANDBOX_SHARED_SECRET,
    url,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
