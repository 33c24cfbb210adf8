/**
 * API keys: create (the key is shown once), list, revoke. Keys are random and stored as keyed
 * hashes (HMAC under REDIAL_HASH_SECRET), so a stolen table or backup cannot be tested offline
 * against guesses; a key's id is random and says nothing about the key. A listing never holds a key.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Tx } from '../db/client';
import { audit } from '../db/queries/audit';
import { allKeys, insertKey, keyById, liveKeyByHash, rehashKey, revokeKey as writeRevoke, type ApiKey } from '../db/queries/keys';
import type { Role } from '../domain/vocabulary';
import { keyedHash, type Keyring } from './keyring';
import { conflict, notFound } from './errors';


export interface KeyDeps {
  db: Db;
  keyring: Keyring;
}

export interface KeyView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
}

export const hashKey = (keyring: Keyring, key: string) => keyedHash(keyring, 'api-key', key);
/** How keys were stored before keyed hashing: found once at sign-in, then stored keyed. */
const legacyHash = (key: string) => createHash('sha256').update(key).digest('hex');
export const newKey = () => `rdl_${randomBytes(24).toString('base64url')}`;

/** Registers a key (idempotent by hash); returns its id. */
export async function registerKey(db: Tx, keyring: Keyring, key: string, role: Role, name: string, expiresAt: Date | null = null): Promise<string> {
  await upgradeLegacyKey(db, keyring, key);
  return insertKey(db, { id: `key_${randomBytes(8).toString('hex')}`, hash: hashKey(keyring, key), role, name, expiresAt });
}

/** The live key a caller presents, if any; a key stored under the old unkeyed hash is re-stored keyed. */
export async function findLiveKey(db: Tx, keyring: Keyring, key: string) {
  return (await liveKeyByHash(db, hashKey(keyring, key))) ?? ((await upgradeLegacyKey(db, keyring, key)) ? liveKeyByHash(db, hashKey(keyring, key)) : null);
}

async function upgradeLegacyKey(db: Tx, keyring: Keyring, key: string): Promise<boolean> {
  return rehashKey(db, legacyHash(key), hashKey(keyring, key));
}

const view = (k: ApiKey): KeyView => ({
  id: k.id,
  name: k.name,
  role: k.role as Role,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
  expiresAt: k.expiresAt?.toISOString() ?? null,
});

/** A new key with its role; the key itself is in this result only. */
export async function createKey({ db, keyring }: KeyDeps, input: { name: string; role: Role; expiresInDays?: number; actor: string }): Promise<KeyView & { key: string }> {
  const key = newKey();
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  return db.transaction(async (tx) => {
    const id = await registerKey(tx, keyring, key, input.role, input.name, expiresAt);
    const created = view((await keyById(tx, id))!);
    await audit(tx, { actor: input.actor, action: 'key.create', target: id, after: created });
    return { ...created, key };
  });
}

export async function listKeys({ db }: KeyDeps): Promise<KeyView[]> {
  return (await allKeys(db)).map(view);
}

/**
 * Revokes a key (idempotent: revoking a revoked key answers it as it is). `actor` is the caller's
 * key: it may not revoke itself, so an admin key always remains.
 */
export async function revokeKey({ db }: KeyDeps, input: { keyId: string; actor: string }): Promise<KeyView> {
  const { keyId: id, actor } = input;
  if (id === actor) throw conflict('Revoke this key with another admin key, so an admin key always remains.');
  return db.transaction(async (tx) => {
    const revoked = await writeRevoke(tx, id);
    const current = revoked ?? (await keyById(tx, id));
    if (!current) throw notFound('No API key with this id.');
    if (revoked) await audit(tx, { actor, action: 'key.revoke', target: id });
    return view(current);
  });
}
