/**
 * Temporal over TLS, with a real handshake: a throwaway CA and certificates made with openssl, a
 * TLS proxy (node:tls, ALPN h2, client certificate required) in front of the test's plain dev
 * server, and the connection options built from TEMPORAL_* variables exactly as the api and the
 * worker build them. A Client and a worker NativeConnection connect through it and run a Redial
 * workflow; a wrong CA, a missing client certificate or a wrong server name is refused with an
 * error that says why; an API key rides the TLS connection as a bearer token.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ok, type CheckResult } from '../domain/maintenance';
import { parseConfig } from '../services/config';
import { explainTemporalConnectError, temporalConfigSchema, temporalConnectionOptions, type TemporalConnectionOptions } from '../services/temporal-connection';
import type { MaintenanceActivities, OpsActivities } from '../workflows/contracts';
import { workerConfigSchema } from '../worker/config';
import { temporalAddress, uid, workflowBundle } from './helpers/env';
import { quietRuntime } from './helpers/system';
import { generateSecrets } from '../services/keyring';

const SERVER_NAME = 'temporal.test';

/** A CA, a server certificate for SERVER_NAME and a client certificate signed by it, and a second CA that signed nothing we use. */
function makeCertificates(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) ssl('req', '-x509', ...key, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=redial test ${ca}`);
  const leaf = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  leaf('server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  leaf('client', 'redial-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const file = (n: string) => path.join(dir, n);
  return { ca: file('ca.pem'), otherCa: file('other-ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key'), clientCert: file('client.pem'), clientKey: file('client.key') };
}

type Certs = ReturnType<typeof makeCertificates>;

/**
 * TLS in front of the plain dev server: terminates TLS (h2 by ALPN, as gRPC needs), requires a
 * client certificate from our CA, and forwards the bytes. Remembers who completed a handshake.
 */
async function tlsProxy(certs: Certs, upstream: string) {
  const [host, port] = upstream.split(':') as [string, string];
  const clients: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    { key: fs.readFileSync(certs.serverKey), cert: fs.readFileSync(certs.serverCert), ca: fs.readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      clients.push(String(socket.getPeerCertificate().subject?.CN));
      const up = net.connect(Number(port), host);
      sockets.add(socket).add(up);
      socket.pipe(up).pipe(socket);
      const close = () => {
        socket.destroy();
        up.destroy();
      };
      socket.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    clients,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A TLS gRPC endpoint that writes down the authorization header it is sent and refuses every call as unauthenticated. */
async function keyRecorder(certs: Certs) {
  const authorizations: string[] = [];
  const server = http2.createSecureServer({ key: fs.readFileSync(certs.serverKey), cert: fs.readFileSync(certs.serverCert), ALPNProtocols: ['h2'] });
  server.on('stream', (stream, headers) => {
    authorizations.push(String(headers.authorization ?? ''));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'api key not accepted' }, { endStream: true });
  });
  server.on('sessionError', () => undefined);
  // a client whose connect failed keeps its channel open: close() must not wait for it
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    authorizations,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The options exactly as a process builds them from its environment. */
const fromEnv = (env: Record<string, string>): TemporalConnectionOptions => temporalConnectionOptions(parseConfig(temporalConfigSchema, env));

describe('Temporal connection over TLS', () => {
  let dir: string;
  let certs: Certs;
  let proxy: Awaited<ReturnType<typeof tlsProxy>>;
  let env: Record<string, string>;

  before(async () => {
    quietRuntime();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-tls-'));
    certs = makeCertificates(dir);
    proxy = await tlsProxy(certs, temporalAddress());
    env = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.clientKey, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME };
  });
  after(async () => {
    await proxy?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a Client and a worker NativeConnection built from the env connect with mTLS and run a workflow', async () => {
    const options = fromEnv(env);
    assert.ok(options.tls?.serverRootCACertificate && options.tls.clientCertPair, 'the PEM files were read');
    assert.equal(options.tls.serverNameOverride, SERVER_NAME);
    // the same options come out of the worker's and the api's full configuration schema
    assert.deepEqual(temporalConnectionOptions(parseConfig(workerConfigSchema, { ...env, ...generateSecrets(), DATABASE_URL: 'postgres://x@127.0.0.1/x' })), options);

    const connection = await Connection.connect(options);
    const native = await NativeConnection.connect(options);
    try {
      const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
      assert.equal(ns.namespaceInfo?.name, 'default');
      // a real Redial workflow on a worker that polls through the proxy, its checks faked
      const taskQueue = `tls-${uid()}`;
      const check = (name: string) => async (): Promise<CheckResult> => ok(name, `${name} over TLS`);
      const activities: Partial<MaintenanceActivities & OpsActivities> = {
        backupDatabase: check('backup'),
        permissionAudit: check('permission-audit'),
        strategyReview: check('strategy-review'),
        checkPlaybooks: check('playbook'),
        checkIntentScripts: check('intent-scripts'),
        recordRun: async () => 1,
        raiseAlert: async () => 1,
      };
      const worker = await Worker.create({ connection: native, taskQueue, activities, ...(workflowBundle() ? { workflowBundle: workflowBundle()! } : { workflowsPath: require.resolve('../workflows') }) });
      const results = await worker.runUntil(new Client({ connection }).workflow.execute('weeklyMaintenance', { taskQueue, workflowId: `tls-weekly-${uid()}` }));
      assert.deepEqual((results as CheckResult[]).map((r) => `${r.name}:${r.status}`), ['backup:ok', 'permission-audit:ok', 'strategy-review:ok', 'playbook:ok', 'intent-scripts:ok']);
    } finally {
      await native.close();
      await connection.close();
    }
    // both connections presented the client certificate (the proxy requires it)
    assert.ok(proxy.clients.filter((cn) => cn === 'redial-worker').length >= 2, `handshakes: ${proxy.clients.join(', ')}`);
  });

  test('a wrong CA is refused by the Client and the NativeConnection, and the error says what to check', async () => {
    const options = fromEnv({ ...env, TEMPORAL_TLS_CA: certs.otherCa });
    const before = proxy.clients.length;
    const err = await Connection.connect({ ...options, connectTimeout: 3000 }).then(
      () => assert.fail('connected with a CA that did not sign the server certificate'),
      (e: unknown) => e,
    );
    const explained = await explainTemporalConnectError(err, options);
    assert.match(explained.message, /cannot connect to Temporal at 127\.0\.0\.1:\d+ \(mTLS, own CA, server name temporal\.test\)/);
    assert.match(explained.message, /TLS handshake failed: .*(self[- ]signed|unable to (get|verify))/i);
    assert.match(explained.message, /TEMPORAL_TLS_CA/);
    await assert.rejects(NativeConnection.connect(options));
    assert.equal(proxy.clients.length, before, 'no handshake completed');
  });

  test('without a client certificate, or with another server name, the handshake is refused', async () => {
    const noCert = fromEnv({ ...env, TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' });
    assert.equal(noCert.tls?.clientCertPair, undefined);
    const e1 = await Connection.connect({ ...noCert, connectTimeout: 3000 }).then(() => assert.fail('connected without a client certificate'), (e: unknown) => e);
    assert.match((await explainTemporalConnectError(e1, noCert)).message, /TLS handshake failed: .*(certificate|alert|closed)/i);

    const otherName = fromEnv({ ...env, TEMPORAL_TLS_SERVER_NAME: 'elsewhere.test' });
    const e2 = await Connection.connect({ ...otherName, connectTimeout: 3000 }).then(() => assert.fail('connected to a server whose certificate names another host'), (e: unknown) => e);
    assert.match((await explainTemporalConnectError(e2, otherName)).message, /TLS handshake failed: .*elsewhere\.test/);
    await assert.rejects(NativeConnection.connect(otherName));
  });

  test('TEMPORAL_API_KEY turns TLS on and reaches the server as a bearer token, from the Client and the NativeConnection', async () => {
    const server = await keyRecorder(certs);
    try {
      const options = fromEnv({ TEMPORAL_ADDRESS: server.address, TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME, TEMPORAL_API_KEY: 'test-key-7f3a' });
      assert.equal(options.apiKey, 'test-key-7f3a');
      await assert.rejects(Connection.connect({ ...options, connectTimeout: 5000 }), /api key not accepted|UNAUTHENTICATED|Failed to connect/i);
      await assert.rejects(NativeConnection.connect(options));
      assert.ok(server.authorizations.length >= 2, `requests seen: ${server.authorizations.length}`);
      assert.ok(server.authorizations.every((a) => a === 'Bearer test-key-7f3a'), server.authorizations.join(', '));
    } finally {
      await server.close();
    }
  });

  test('configuration that cannot work is refused at start, naming the variable', () => {
    assert.equal(fromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }).tls, undefined, 'nothing set: plain text, as the dev server wants');
    assert.throws(() => fromEnv({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'off' }), /TEMPORAL_API_KEY .*never sent in clear text/);
    assert.throws(() => fromEnv({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CERT: certs.clientCert }), /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    assert.throws(() => fromEnv({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') }), /TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/);
    assert.throws(() => parseConfig(temporalConfigSchema, { TEMPORAL_TLS: 'yes' }), /TEMPORAL_TLS/);
    // TLS with the system's CAs (Temporal Cloud) needs no file at all
    assert.deepEqual(fromEnv({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS: 'on' }).tls, {});
    // a PEM given as the value itself (a secret injected into the environment)
    assert.ok(fromEnv({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CA: fs.readFileSync(certs.ca, 'utf8') }).tls?.serverRootCACertificate);
  });
});
