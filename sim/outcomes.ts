/** The simulator's default callee behaviour, by the last digit of the number (DESIGN.md's table). */
export type Callee =
  | { kind: 'nonexistent' }
  | { kind: 'busy' }
  | { kind: 'no-answer' }
  | { kind: 'machine' }
  | { kind: 'presses'; digits: string }
  | { kind: 'speaks' }
  | { kind: 'listens' }
  /** A speaking callee given turns by a test (the call's `script`): answers, then says or presses them in turn. */
  | { kind: 'scripted' };

export function calleeFor(to: string): Callee {
  switch (to.at(-1)) {
    case '0':
      return { kind: 'nonexistent' };
    case '1':
      return { kind: 'busy' };
    case '2':
      return { kind: 'no-answer' };
    case '3':
      return { kind: 'machine' };
    case '4':
      return { kind: 'presses', digits: '0' };
    case '5':
      return { kind: 'speaks' };
    case '6':
      return { kind: 'presses', digits: '1' };
    default:
      return { kind: 'listens' };
  }
}

export const QUESTIONS = ['how much does it cost', 'when does the course start', 'can you call me tomorrow', 'is there a discount'];

/** Inbound SMS bodies that unsubscribe, as carriers and Chinese operators use them. */
export function isStopWord(body: string): boolean {
  const t = body.normalize('NFKC').trim().toUpperCase().replace(/[\s.!。！]+/g, '');
  return ['STOP', 'UNSUBSCRIBE', 'TD', 'T', '退订', 'TD退订', 'STOPALL', 'CANCEL', 'END', 'QUIT'].includes(t);
}

/** Inbound SMS bodies that resubscribe (Twilio's START keywords). */
export function isStartWord(body: string): boolean {
  return ['START', 'UNSTOP', 'YES'].includes(body.normalize('NFKC').trim().toUpperCase().replace(/[\s.!。！]+/g, ''));
}
