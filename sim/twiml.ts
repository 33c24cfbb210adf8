/**
 * A small TwiML reader: enough XML to walk <Response> and its verbs with their attributes,
 * nested <Say>/<Play> inside <Gather>, and text content. TwiML from Redial is machine-written,
 * so this does not try to be a general XML parser.
 */
export interface Verb {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Verb[];
}

const entity: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : entity[e]!));

export function parseTwiml(xml: string): Verb[] {
  const src = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(\/?)([A-Za-z]+)((?:\s+[A-Za-z:_-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  const root: Verb = { name: '#root', attrs: {}, text: '', children: [] };
  const stack: Verb[] = [root];
  let last = 0;
  for (let m = tag.exec(src); m; m = tag.exec(src)) {
    const top = stack[stack.length - 1]!;
    top.text += decode(src.slice(last, m.index));
    last = tag.lastIndex;
    const [, closing, name, rawAttrs, selfClosing] = m;
    if (closing) {
      if (top.name !== name) throw new Error(`malformed TwiML: </${name}> closes <${top.name}>`);
      top.text = top.text.trim();
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (rawAttrs ?? '').matchAll(/([A-Za-z:_-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const v: Verb = { name: name!, attrs, text: '', children: [] };
    top.children.push(v);
    if (!selfClosing) stack.push(v);
  }
  if (stack.length !== 1) throw new Error('malformed TwiML: unclosed elements');
  const response = root.children.find((c) => c.name === 'Response');
  if (!response) throw new Error('TwiML has no <Response>');
  return response.children;
}
