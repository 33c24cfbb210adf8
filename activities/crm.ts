/** CRM deliveries (workflows/crm-delivery.ts): the signed POST and the dead letter, from services/crm-deliveries.ts. */
import type { Db } from '../db/client';
import { deadLetterCrmDelivery, tryCrmDelivery } from '../services/crm-deliveries';
import type { Keyring } from '../services/keyring';
import type { CrmActivities } from '../workflows/contracts';

export function createCrmActivities(deps: { db: Db; keyring: Keyring }): CrmActivities {
  return {
    tryCrmDelivery: (req) => tryCrmDelivery(deps, req),
    deadLetterCrmDelivery: (req) => deadLetterCrmDelivery(deps, req),
  };
}
