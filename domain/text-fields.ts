/** Every string of a value (a strategy, its scripts and texts) with its path, e.g. `sms.text`: what the link check and the sensitive-word screen read. */
export interface TextField {
  path: string;
  text: string;
}

export function stringsIn(value: unknown, path = ''): TextField[] {
  if (typeof value === 'string') return [{ path: path || '(root)', text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
  return [];
}
