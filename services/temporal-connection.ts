/**
 * How every process reaches Temporal: the address plus, in production, TLS (a private CA, a client
 * certificate for mTLS, a server name override for a proxy) and an API key (Temporal Cloud). One
 * schema part and one builder, used by the API's Client connection, the worker's NativeConnection
 * and its Client, and the worker health check, so no process connects differently from another.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';

const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

/** The TEMPORAL_* variables; part of every entrypoint's configuration (services/config.ts). */
export const temporalConfigShape = {
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** on | off; default: on when any TEMPORAL_TLS_* or TEMPORAL_API_KEY is set. */
  TEMPORAL_TLS: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['on', 'off']).optional()),
  /** PEM file of the CA that signed the server's certificate; unset: the system's trusted CAs (Temporal Cloud). */
  TEMPORAL_TLS_CA: optional,
  /** PEM files of the client certificate and its key (mTLS); both or neither. */
  TEMPORAL_TLS_CERT: optional,
  TEMPORAL_TLS_KEY: optional,
  /** The name the server's certificate is checked against (and SNI) when it differs from the address's host. */
  TEMPORAL_TLS_SERVER_NAME: optional,
  /** Temporal Cloud API key, sent as `authorization: Bearer …`; implies TLS. */
  TEMPORAL_API_KEY: optional,
};

export const temporalConfigSchema = z.object(temporalConfigShape);
export type TemporalConfig = z.infer<typeof temporalConfigSchema>;

/** What both Connection.connect (client) and NativeConnection.connect (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/** A PEM from a file path (or the PEM itself, for secrets injected as values); errors name the variable. */
function pem(variable: string, value: string): Buffer {
  if (value.trimStart().startsWith('-----BEGIN')) return Buffer.from(value);
  try {
    return fs.readFileSync(value);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The connection options from the configuration, reading the PEM files once. Throws with the
 * variable's name when they do not make sense together (a certificate without its key, an API
 * key over plain text) or a file cannot be read.
 */
export function temporalConnectionOptions(cfg: Partial<TemporalConfig> & { TEMPORAL_ADDRESS: string }): TemporalConnectionOptions {
  const wantsTls = Boolean(cfg.TEMPORAL_TLS_CA || cfg.TEMPORAL_TLS_CERT || cfg.TEMPORAL_TLS_KEY || cfg.TEMPORAL_TLS_SERVER_NAME || cfg.TEMPORAL_API_KEY);
  const tlsOn = cfg.TEMPORAL_TLS ? cfg.TEMPORAL_TLS === 'on' : wantsTls;
  if (!tlsOn) {
    if (cfg.TEMPORAL_API_KEY) throw new Error('TEMPORAL_API_KEY is set with TEMPORAL_TLS=off: an API key is never sent in clear text');
    if (wantsTls) throw new Error('TEMPORAL_TLS=off but TEMPORAL_TLS_* variables are set: remove them or turn TLS on');
    return { address: cfg.TEMPORAL_ADDRESS };
  }
  if (Boolean(cfg.TEMPORAL_TLS_CERT) !== Boolean(cfg.TEMPORAL_TLS_KEY)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the client certificate and its private key)');
  const tls: TLSConfig = {
    ...(cfg.TEMPORAL_TLS_CA ? { serverRootCACertificate: pem('TEMPORAL_TLS_CA', cfg.TEMPORAL_TLS_CA) } : {}),
    ...(cfg.TEMPORAL_TLS_CERT && cfg.TEMPORAL_TLS_KEY ? { clientCertPair: { crt: pem('TEMPORAL_TLS_CERT', cfg.TEMPORAL_TLS_CERT), key: pem('TEMPORAL_TLS_KEY', cfg.TEMPORAL_TLS_KEY) } } : {}),
    ...(cfg.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: cfg.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  return { address: cfg.TEMPORAL_ADDRESS, tls, ...(cfg.TEMPORAL_API_KEY ? { apiKey: cfg.TEMPORAL_API_KEY } : {}) };
}

/** How the connection is secured, for a start-up log line (never the key or a certificate). */
export function describeTemporalConnection(o: TemporalConnectionOptions): string {
  if (!o.tls) return `${o.address} (plain text)`;
  const parts = [o.tls.clientCertPair ? 'mTLS' : 'TLS', o.tls.serverRootCACertificate ? 'own CA' : 'system CAs'];
  if (o.tls.serverNameOverride) parts.push(`server name ${o.tls.serverNameOverride}`);
  if (o.apiKey) parts.push('API key');
  return `${o.address} (${parts.join(', ')})`;
}

/** host and port of `host:port` / `[v6]:port` (port 7233 when missing). */
function hostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  return { host: m?.[1] ?? address, port: Number(m?.[2] ?? 7233) };
}

/**
 * One TLS handshake with the options' CA, client certificate and server name, as the SDK would
 * make it: undefined when it succeeds (and the server keeps the connection), else why not in
 * OpenSSL's words ("self-signed certificate in certificate chain", "certificate required", …).
 * gRPC's own error only says it could not connect before the deadline.
 */
export async function probeTemporalTls(o: TemporalConnectionOptions, timeoutMs = 5000): Promise<string | undefined> {
  if (!o.tls) return undefined;
  const { host, port } = hostPort(o.address);
  const servername = o.tls.serverNameOverride ?? (net.isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      ALPNProtocols: ['h2'],
      ...(servername ? { servername } : {}),
      ...(o.tls!.serverRootCACertificate ? { ca: Buffer.from(o.tls!.serverRootCACertificate) } : {}),
      ...(o.tls!.clientCertPair ? { cert: Buffer.from(o.tls!.clientCertPair.crt), key: Buffer.from(o.tls!.clientCertPair.key) } : {}),
      // the server name may differ from the host we dial: check the certificate against it
      checkServerIdentity: (_h, cert) => tls.checkServerIdentity(o.tls!.serverNameOverride ?? host, cert),
    });
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no TLS handshake within ${timeoutMs / 1000} s`), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => done(`${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}`));
    socket.once('close', () => done('the server closed the connection during the handshake'));
    // TLS 1.3: a server that refuses our client certificate says so just after the handshake
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 1500));
  });
}

/**
 * A connect failure in words an operator acts on: with TLS on, the handshake is tried again on its
 * own to say why it failed and which variables to check, instead of only gRPC's "failed to connect
 * before the deadline" or the core's "transport error".
 */
export async function explainTemporalConnectError(err: unknown, o: TemporalConnectionOptions): Promise<Error> {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  const where = `cannot connect to Temporal at ${describeTemporalConnection(o)}`;
  if (!o.tls) return new Error(`${where}: ${message} — is TEMPORAL_ADDRESS right and the server up? (a server that expects TLS needs TEMPORAL_TLS=on)`, { cause: err });
  const handshake = await probeTemporalTls(o).catch((e: Error) => e.message);
  if (handshake)
    return new Error(
      `${where}: the TLS handshake failed: ${handshake} — check TEMPORAL_TLS_CA (the CA that signed the server's certificate), TEMPORAL_TLS_SERVER_NAME (a name in that certificate) and TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY (a client certificate the server trusts) [${message}]`,
      { cause: err },
    );
  return new Error(`${where}: ${message} — the TLS handshake succeeds; is the namespace right (TEMPORAL_NAMESPACE) and the API key (TEMPORAL_API_KEY) valid?`, { cause: err });
}
