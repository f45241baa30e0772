import { errnoCode, messageOf } from './error-message';

/** Why the app could not listen, in one line that names the variable to change. */
export function describeListenError(error: unknown, port: number, host: string): string {
  const code = errnoCode(error);
  const where = `port ${port} on ${host}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (PORT): stop what is using it, or choose another port, e.g. PORT=${port === 65535 ? 3001 : port + 1} (and PUBLIC_URL to match, if you set it)`;
    case 'EACCES':
    case 'EPERM':
      return `not allowed to listen on ${where} (PORT): ports below 1024 need extra privileges; choose another, e.g. PORT=3000, and put a reverse proxy in front`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine: use one of its addresses, 127.0.0.1, or leave HOST empty for all of them`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} cannot be resolved to an address of this machine: use an IP address, or leave HOST empty`;
    default:
      return `cannot listen on ${where}: ${messageOf(error)}`;
  }
}
