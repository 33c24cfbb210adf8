import { serve } from '@hono/node-server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /**
   * A response sent before the request body was read (a 401, 413, 429) leaves the client still
   * sending: up to this many bytes of it are read and thrown away so the client reads the answer
   * (a client that writes the whole body before reading, like Python's urllib, would otherwise
   * see the connection reset). Beyond it, after `discardIdleMs` without a byte, or after
   * `discardMs` in all (Node's own request timeout), the connection is closed.
   */
  discardBytes?: number;
  discardIdleMs?: number;
  discardMs?: number;
}

const defaults: Required<ListenOptions> = { discardBytes: 64 * 1024 * 1024, discardIdleMs: 30_000, discardMs: 300_000 };

/**
 * Reads and drops what is left of a request answered early, within the bounds; then closes
 * gracefully: our FIN first, the socket destroyed only a moment later, so the answer already sent
 * is not lost to a reset.
 */
function discardRest(req: IncomingMessage, opts: Required<ListenOptions>) {
  if (req.complete || req.destroyed) return;
  let bytes = 0;
  const close = () => {
    cleanup();
    const socket = req.socket;
    if (!socket || socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  };
  // a slow sender may take its time (a 30 MB body on a slow link); a silent or endless one may not
  const total = setTimeout(close, opts.discardMs);
  total.unref();
  const idle = setTimeout(close, opts.discardIdleMs);
  idle.unref();
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > opts.discardBytes) return close();
    idle.refresh();
  };
  const cleanup = () => {
    clearTimeout(total);
    clearTimeout(idle);
    req.off('data', onData);
    req.off('end', cleanup);
    req.off('close', cleanup);
  };
  // whatever still listens (the adapter's web stream of the body, which nobody reads now and
  // which pauses the socket when its queue is full) lets go, as Node's own _dump() does
  req.removeAllListeners('data');
  req.on('data', onData);
  req.on('end', cleanup);
  req.on('close', cleanup);
  req.resume();
}

const pending = Symbol('request being answered');

/**
 * Node closes the connection (`destroySoon`) right after an answer to a request that asked for
 * `Connection: close` (urllib always does) — with the client still sending its body, that is a
 * reset, and the client loses the answer it has not read yet. While the body is incomplete we
 * only half-close (our FIN after the answer); discardRest reads what is left and closes within
 * its bounds.
 */
function closeGracefully(socket: Socket & { [pending]?: IncomingMessage }, req: IncomingMessage) {
  const patched = pending in socket;
  socket[pending] = req;
  if (patched) return;
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    const r = socket[pending];
    if (r && !r.complete && !r.destroyed) socket.end();
    else destroySoon();
  };
}

/** Serves a fetch handler on 127.0.0.1 (or `hostname`); port 0 picks a free one. */
export function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname = '127.0.0.1', options: ListenOptions = {}): Promise<Listening> {
  const opts = { ...defaults, ...options };
  return new Promise((resolve, reject) => {
    // our own clean-up of unread bodies replaces the adapter's, which resets the connection after 500 ms
    const server = serve({ fetch, port, hostname, autoCleanupIncoming: false }, (info: AddressInfo) => {
      const host = hostname === '0.0.0.0' ? '127.0.0.1' : hostname;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((res) => {
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => res());
          }),
      });
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.socket) closeGracefully(req.socket, req);
      res.once('finish', () => discardRest(req, opts));
    });
    server.once('error', reject);
  });
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
