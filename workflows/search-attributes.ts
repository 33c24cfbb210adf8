import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes, so operators can filter cadences in the Temporal UI. */
export const CAMPAIGN = defineSearchAttributeKey('RedialCampaign', SearchAttributeType.KEYWORD_LIST);
export const INDUSTRY = defineSearchAttributeKey('RedialIndustry', SearchAttributeType.KEYWORD);
export const CADENCE_STATUS = defineSearchAttributeKey('RedialCadenceStatus', SearchAttributeType.KEYWORD);
export const NEXT_ATTEMPT_AT = defineSearchAttributeKey('RedialNextAttemptAt', SearchAttributeType.DATETIME);

export const cadenceSearchAttributes = [CAMPAIGN, INDUSTRY, CADENCE_STATUS, NEXT_ATTEMPT_AT];
