import pino from 'pino';

/**
 * Standard output for the log, written synchronously so no line waits in a buffer when the
 * process exits. pino's default stream flushes at exit in a loop that never ends once the reader
 * is gone (`npm start | head`), so a stopping app hung; here a failed write (EPIPE, a closed
 * descriptor) drops that line and every later one, and the app serves and stops as usual.
 */
export function createStdoutDestination(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true });
  destination.once('error', () => {
    destination.write = () => true;
  });
  return destination;
}
