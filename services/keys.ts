/**
 * API keys: create (the key is shown once), list, revoke. Keys are random and stored as SHA-256
 * hashes; a listing never holds a key.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Tx } from '../db/client';
import { audit } from '../db/queries/audit';
import { allKeys, insertKey, keyById, revokeKey as writeRevoke, type ApiKey } from '../db/queries/keys';
import type { Role } from '../domain/vocabulary';
import { conflict, notFound } from './errors';


export interface KeyDeps {
  db: Db;
}

export interface KeyView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
export const newKey = () => `rdl_${randomBytes(24).toString('base64url')}`;

/** Registers a key (idempotent by hash); returns its id. */
export async function registerKey(db: Tx, key: string, role: Role, name: string): Promise<string> {
  return insertKey(db, { hash: hashKey(key), role, name });
}

const view = (k: ApiKey): KeyView => ({
  id: k.id,
  name: k.name,
  role: k.role as Role,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

/** A new key with its role; the key itself is in this result only. */
export async function createKey({ db }: KeyDeps, input: { name: string; role: Role; actor: string }): Promise<KeyView & { key: string }> {
  const key = newKey();
  return db.transaction(async (tx) => {
    const id = await registerKey(tx, key, input.role, input.name);
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
