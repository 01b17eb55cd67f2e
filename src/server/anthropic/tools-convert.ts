// Anthropic `tools` and `tool_choice` → the domain's. Only client tools (a name, a description
// and an input_schema) are routable to any model; Anthropic's server tools (web search, code
// execution, computer use…) run inside Anthropic's API and are refused with a clear message.
import type { ToolChoice, ToolDef } from '../../providers/types.js';
import { jsonBoundsProblem, MAX_TOOLS } from '../json-bounds.js';
import type { Violations } from '../validate.js';
import type { Obj } from './blocks-convert.js';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
// The strictest upstream's rule (OpenAI's), since the call may be routed to any model.
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function toolsOf(v: Violations, raw: unknown): ToolDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    v.add('tools', 'must be an array');
    return [];
  }
  if (raw.length > MAX_TOOLS) v.add('tools', `at most ${MAX_TOOLS} tools`);
  return raw.map((t, i): ToolDef => {
    if (!isObj(t) || (t.type !== undefined && t.type !== null && t.type !== 'custom')) {
      const type = isObj(t) ? String(t.type) : typeof t;
      v.add(`tools.${i}`, `"${type}" is not supported: only client tools ({"name", "description", "input_schema"})`);
      return { name: '', description: '', parameters: {} };
    }
    const name = typeof t.name === 'string' ? t.name : '';
    if (!TOOL_NAME.test(name)) v.add(`tools.${i}.name`, 'must be 1-64 letters, digits, "_" or "-"');
    let parameters: Obj = {};
    if (!isObj(t.input_schema)) v.add(`tools.${i}.input_schema`, 'must be a JSON object');
    else {
      const problem = jsonBoundsProblem(JSON.stringify(t.input_schema));
      if (problem) v.add(`tools.${i}.input_schema`, problem);
      parameters = t.input_schema;
    }
    return { name, description: typeof t.description === 'string' ? t.description : '', parameters };
  });
}

/**
 * auto → auto, any → required, tool → that function, none → none. `disable_parallel_tool_use`
 * has no domain field: it is accepted and not enforced (a model may still call tools in parallel).
 */
export function toolChoiceOf(v: Violations, tc: unknown, tools: ToolDef[]): ToolChoice | undefined {
  if (tc === undefined || tc === null) return undefined;
  let choice: ToolChoice;
  if (isObj(tc) && (tc.type === 'auto' || tc.type === 'none')) choice = { mode: tc.type };
  else if (isObj(tc) && tc.type === 'any') choice = { mode: 'required' };
  else if (isObj(tc) && tc.type === 'tool' && typeof tc.name === 'string') {
    const name = tc.name;
    if (!tools.some((t) => t.name === name)) v.add('tool_choice.name', 'must name one of the tools');
    choice = { mode: 'function', name };
  } else {
    v.add('tool_choice', 'must be {"type": "auto"}, {"type": "any"}, {"type": "none"} or {"type": "tool", "name": ...}');
    return undefined;
  }
  if (tools.length === 0 && choice.mode !== 'none') v.add('tool_choice', 'needs tools');
  return choice;
}
