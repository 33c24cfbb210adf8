/**
 * Intent understanding (services/intents.ts) for people tuning scripts, tests and tools: what the
 * call flow would understand from each utterance, with its confidence.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { INTENT_INDUSTRIES } from '../../domain/intents/labels';
import { classify, INTENTS, UNKNOWN_INTENT } from '../../services/intents';
import type { AppEnv } from '../context';
import { apiRoute, jsonBody, jsonResponse } from './define';

/** Utterances per request: a call's turns, or a tuning batch (each takes well under 1 ms). */
export const CLASSIFY_MAX_TEXTS = 100;
/** Characters per utterance: a spoken sentence; longer text is not what speech recognition delivers. */
export const CLASSIFY_MAX_CHARS = 500;

const request = z
  .object({
    texts: z.array(z.string().max(CLASSIFY_MAX_CHARS)).min(1).max(CLASSIFY_MAX_TEXTS).describe(`1 to ${CLASSIFY_MAX_TEXTS} utterances of at most ${CLASSIFY_MAX_CHARS} characters, as speech recognition wrote them`),
    industry: z.enum(INTENT_INDUSTRIES).optional().describe("the call's industry: its own intents (and the generic ones) are favoured"),
  })
  .strict()
  .openapi('ClassifyRequest');

const result = z.object({
  intent: z.enum([UNKNOWN_INTENT, ...INTENTS]).describe('`unknown` below the confidence threshold; `opt_out` means the person asked not to be contacted again'),
  confidence: z.number().min(0).max(1),
});

export const intentsRoutes = new OpenAPIHono<AppEnv>().openapi(
  apiRoute('intents', 'operator', {
    method: 'post',
    path: '/v1/intents/classify',
    operationId: 'classifyIntents',
    summary: 'The intent of each utterance (one of the 21 the call flow understands, or unknown) and its confidence, in the order given',
    request: { body: jsonBody(request) },
    responses: { 200: jsonResponse('One result per text, same order', z.object({ results: z.array(result) }).openapi('ClassifyResult')) },
  }),
  (c) => {
    const body = c.req.valid('json');
    return c.json({ results: classify(body.texts, body.industry) }, 200);
  },
);
