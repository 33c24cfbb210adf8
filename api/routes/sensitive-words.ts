/**
 * The sensitive-word lists (services/sensitive-words.ts): read them, add a word, remove one an
 * operator added. Every change raises the list's version and is audited.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { WORD_CATEGORIES, WORD_SCOPES } from '../../domain/sensitive-words';
import { addWord, currentWordList, removeWord } from '../../services/sensitive-words';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const wordView = z
  .object({
    id: z.number().int().nullable().describe('null: a built-in word'),
    scope: z.enum(WORD_SCOPES),
    word: z.string(),
    category: z.enum(WORD_CATEGORIES),
    addedBy: z.string().nullable(),
    addedInVersion: z.number().int(),
  })
  .openapi('SensitiveWord');

export const sensitiveWordsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('sensitive-words', 'viewer', {
      method: 'get',
      path: '/v1/sensitive-words',
      operationId: 'listSensitiveWords',
      summary: 'The sensitive-word lists (general and per industry; built-in and added) and their version',
      responses: { 200: jsonResponse('The lists', z.object({ version: z.number().int(), words: z.array(wordView) })) },
    }),
    async (c) => c.json(await currentWordList(c.var.deps.db), 200),
  )
  .openapi(
    apiRoute('sensitive-words', 'operator', {
      method: 'post',
      path: '/v1/sensitive-words',
      operationId: 'addSensitiveWord',
      summary: 'Add a word to a list (operator): strategies saved from now on are screened for it, and the monthly scan looks for it',
      request: {
        body: jsonBody(
          z
            .strictObject({ scope: z.enum(WORD_SCOPES).describe('general: every campaign; an industry: its campaigns'), word: z.string().trim().min(2).max(100), category: z.enum(WORD_CATEGORIES) })
            .openapi('NewSensitiveWord'),
        ),
      },
      responses: { 201: jsonResponse('Added', z.object({ version: z.number().int(), word: wordView })), 409: problemResponse('The list already holds the word') },
    }),
    async (c) => c.json(await addWord(c.var.deps, { ...c.req.valid('json'), actor: c.var.principal.keyId }), 201),
  )
  .openapi(
    apiRoute('sensitive-words', 'operator', {
      method: 'delete',
      path: '/v1/sensitive-words/{id}',
      operationId: 'removeSensitiveWord',
      summary: 'Remove a word an operator added (operator); built-in words stay',
      request: { params: z.object({ id: z.coerce.number().int().min(1).openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 200: jsonResponse('Removed', z.object({ version: z.number().int() })), 404: problemResponse('No such added word') },
    }),
    async (c) => c.json(await removeWord(c.var.deps, { id: c.req.valid('param').id, actor: c.var.principal.keyId }), 200),
  );
