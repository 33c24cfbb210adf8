/**
 * The errors a use case throws: a literal code the caller can switch on and a sentence for a
 * person. The API renders them as problem+json (api/errors.ts maps each code to its status);
 * activities turn them into Temporal failures. Codes are the API's stable error codes.
 */
export const ServiceErrorCode = {
  notFound: 'not_found',
  unknownCampaign: 'unknown_campaign',
  conflict: 'conflict',
  invalidPhone: 'invalid_phone',
  validation: 'validation_failed',
  unavailable: 'service_unavailable',
  /** A lockdown is in force (services/lockdown.ts): exports and bulk reads of personal data wait for its release. */
  lockdown: 'lockdown',
  /** A strategy holds words of the sensitive-word list (services/sensitive-words.ts). */
  sensitiveWords: 'sensitive_words',
} as const;
export type ServiceErrorCode = (typeof ServiceErrorCode)[keyof typeof ServiceErrorCode];

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    detail: string,
    /** Field-level problems (validation), as { path, message }. */
    readonly errors?: Array<{ path: string; message: string }>,
  ) {
    super(detail);
    this.name = 'ServiceError';
  }
}

export const notFound = (detail: string) => new ServiceError(ServiceErrorCode.notFound, detail);
export const conflict = (detail: string) => new ServiceError(ServiceErrorCode.conflict, detail);
export const unknownCampaign = (id: string) => new ServiceError(ServiceErrorCode.unknownCampaign, `No campaign "${id}".`);
