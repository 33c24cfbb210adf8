/**
 * How every process reaches Temporal: the address plus, in production, TLS (a private CA, a client
 * certificate for mTLS, a server name override for a proxy) and an API key (Temporal Cloud). One
 * schema part and one builder, used by the API's Client connection, the worker's NativeConnection
 * and its Client, and the worker health check, so no process connects differently from another.
 */
import fs from 'node:fs';
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

/**
 * A connect failure in words an operator acts on: a TLS problem names the variables to check,
 * instead of only gRPC's "14 UNAVAILABLE" or the core's "transport error".
 */
export function explainTemporalConnectError(err: unknown, o: TemporalConnectionOptions): Error {
  const message = err instanceof Error ? err.message : String(err);
  const tlsHint = /certificate|handshake|ssl|tls|x509|UnknownIssuer|self[- ]signed|verify|alert/i.test(message);
  const hint = !o.tls
    ? /frame|http2|protocol|Connection reset|closed/i.test(message)
      ? 'the server may expect TLS: set TEMPORAL_TLS=on (and TEMPORAL_TLS_CA for a private CA)'
      : 'is TEMPORAL_ADDRESS right and the server up?'
    : tlsHint
      ? 'the TLS handshake failed: check TEMPORAL_TLS_CA (the CA that signed the server certificate), TEMPORAL_TLS_SERVER_NAME (the name in it) and TEMPORAL_TLS_CERT/KEY (a client certificate the server trusts)'
      : 'is TEMPORAL_ADDRESS right, the server up, and TLS what it expects?';
  return new Error(`cannot connect to Temporal at ${describeTemporalConnection(o)}: ${message.split('\n')[0]} — ${hint}`, { cause: err });
}
