// Anthropic messages (string or content blocks) → the domain's conversation. See
// messages-convert.ts for what each block becomes and why.
import type { ChatMessage, ContentPart, ToolCall } from '../../providers/types.js';
import type { Violations } from '../validate.js';

export type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const TOOL_ERROR_MARK = '[tool error] ';

export function messagesOf(v: Violations, raw: unknown, maxBytes: number): ChatMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    v.add('messages', 'must be a non-empty array');
    return [];
  }
  const out: ChatMessage[] = [];
  raw.forEach((m, i) => {
    const f = `messages.${i}`;
    if (!isObj(m) || (m.role !== 'user' && m.role !== 'assistant')) {
      v.add(`${f}.role`, 'must be "user" or "assistant"');
      return;
    }
    if (typeof m.content === 'string') out.push({ role: m.role, content: m.content, parts: [], toolCalls: [] });
    else if (Array.isArray(m.content)) out.push(...blocksOf(v, f, m.role, m.content));
    else v.add(`${f}.content`, 'must be a string or an array of content blocks');
  });
  let bytes = 0;
  for (const msg of out) {
    bytes += msg.content.length + (msg.toolCallId?.length ?? 0);
    for (const p of msg.parts) bytes += p.type === 'text' ? p.text.length : (p.url?.length ?? 0);
    for (const c of msg.toolCalls) bytes += c.argumentsJson.length + c.name.length + c.id.length;
  }
  if (bytes > maxBytes) v.add('messages', `total size ${bytes} exceeds the limit of ${maxBytes} bytes`);
  return out;
}

/** One Anthropic message → its tool results (as tool messages), then the message itself. */
function blocksOf(v: Violations, f: string, role: 'user' | 'assistant', blocks: unknown[]): ChatMessage[] {
  const results: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  blocks.forEach((b, j) => {
    const bf = `${f}.content.${j}`;
    const type = isObj(b) ? b.type : undefined;
    if (!isObj(b)) v.add(bf, 'must be a content block object');
    else if (type === 'text' && typeof b.text === 'string') parts.push({ type: 'text', text: b.text });
    else if (type === 'image' && role === 'user') parts.push(imageOf(v, bf, b.source));
    else if (type === 'thinking' || type === 'redacted_thinking') {
      // Dropped: see messages-convert.ts.
    } else if (type === 'tool_use' && role === 'assistant') {
      if (typeof b.id !== 'string' || b.id === '' || typeof b.name !== 'string')
        v.add(bf, 'must be {"type": "tool_use", "id", "name", "input"}');
      else calls.push({ id: b.id, name: b.name, argumentsJson: JSON.stringify(b.input ?? {}) });
    } else if (type === 'tool_result' && role === 'user') results.push(toolResultOf(v, bf, b));
    else v.add(bf, `content block "${String(type)}" is not supported in a${role === 'user' ? ' user' : 'n assistant'} message`);
  });
  const out = results;
  if (role === 'assistant') {
    // One text, as every upstream takes it; nothing at all only when thinking was all there was.
    const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    if (text !== '' || calls.length > 0) out.push({ role, content: text, parts: [], toolCalls: calls });
  } else if (parts.length > 0 || results.length === 0) out.push({ role, content: '', parts, toolCalls: [] });
  return out;
}

function imageOf(v: Violations, f: string, s: unknown): ContentPart {
  if (isObj(s) && s.type === 'base64' && typeof s.media_type === 'string' && typeof s.data === 'string') {
    if (/^image\/[a-z0-9.+-]+$/i.test(s.media_type)) return { type: 'image', url: `data:${s.media_type};base64,${s.data}` };
    v.add(`${f}.source.media_type`, 'must be an image/* type');
  } else if (isObj(s) && s.type === 'url' && typeof s.url === 'string' && /^https?:/i.test(s.url)) {
    return { type: 'image', url: s.url };
  } else v.add(`${f}.source`, 'must be {"type": "base64", "media_type", "data"} or {"type": "url", "url": "https://..."}');
  return { type: 'text', text: '' };
}

function toolResultOf(v: Violations, f: string, b: Obj): ChatMessage {
  const msg: ChatMessage = { role: 'tool', content: '', parts: [], toolCalls: [] };
  if (typeof b.tool_use_id !== 'string' || b.tool_use_id === '') v.add(`${f}.tool_use_id`, 'is required');
  else msg.toolCallId = b.tool_use_id;
  const mark = b.is_error === true ? TOOL_ERROR_MARK : '';
  if (b.content === undefined || b.content === null || typeof b.content === 'string') msg.content = mark + (b.content ?? '');
  else if (Array.isArray(b.content)) {
    const texts: string[] = [];
    b.content.forEach((c, k) => {
      if (isObj(c) && c.type === 'text' && typeof c.text === 'string') texts.push(c.text);
      else if (isObj(c) && c.type === 'image') msg.parts.push(imageOf(v, `${f}.content.${k}`, c.source));
      else v.add(`${f}.content.${k}`, 'must be a text or image block');
    });
    msg.content = mark + texts.join('\n');
  } else v.add(`${f}.content`, 'must be a string or an array of text and image blocks');
  return msg;
}
