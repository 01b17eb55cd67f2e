// The privacy metadata contract: labels that upstream middleware (a DLP scanner, a PII
// detector) sets on RoutingContext.labels are routing inputs. Switchyard never rescans the
// content; it trusts the labels and turns them into planner inputs, which are stored with the
// decision so a replay sees the same ones. Pure. Documented in README.md ("Privacy labels").
import type { Capability } from '../catalog/types.js';
import { invalidFields, type FieldViolation } from '../errors.js';
import { SENSITIVITY_LEVEL } from './policy.js';
import type { Sensitivity } from './types.js';

export interface PrivacyInputs {
  /** The stated sensitivity raised by the labels (never lowered). */
  sensitivity: Sensitivity;
  localRequired: boolean;
  /** Capabilities the content's modalities need. */
  capabilities: Capability[];
}

const LEVELS = ['public', 'internal', 'confidential', 'restricted'] as const;
const MODALITY_CAPABILITY: Record<string, Capability | undefined> = { text: undefined, image: 'vision', audio: 'audio_input' };
/** A finding (e.g. "pii.email") without an explicit sensitivity label means at least this. */
export const FINDINGS_FLOOR: Sensitivity = 'confidential';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * `stated` is RoutingContext.sensitivity. Malformed labels are INVALID_ARGUMENT naming
 * `context.labels[<key>]`: a label the router cannot read must not be silently ignored, since
 * ignoring it could send data where the middleware meant it not to go.
 */
export function privacyFromLabels(labels: Readonly<Record<string, string>>, stated: Sensitivity): PrivacyInputs {
  const bad: FieldViolation[] = [];
  const field = (k: string) => `context.labels[${k}]`;
  let level = SENSITIVITY_LEVEL[stated];
  let sensitivity = stated;
  const raise = (s: Sensitivity) => {
    if (SENSITIVITY_LEVEL[s] > level) (level = SENSITIVITY_LEVEL[s]), (sensitivity = s);
  };

  const label = labels.sensitivity;
  if (label !== undefined) {
    const s = label.trim().toLowerCase();
    if ((LEVELS as readonly string[]).includes(s)) raise(s as Sensitivity);
    else bad.push({ field: field('sensitivity'), description: `must be one of ${LEVELS.join(', ')}, got "${label}"` });
  }
  if (labels.findings !== undefined && list(labels.findings).length > 0 && label === undefined) raise(FINDINGS_FLOOR);

  let localRequired = false;
  const local = labels.local_required;
  if (local !== undefined) {
    const v = local.trim().toLowerCase();
    if (v === 'true') localRequired = true;
    else if (v !== 'false') bad.push({ field: field('local_required'), description: `must be "true" or "false", got "${local}"` });
  }

  const capabilities: Capability[] = [];
  if (labels.modality !== undefined) {
    for (const m of list(labels.modality.toLowerCase())) {
      if (!(m in MODALITY_CAPABILITY)) {
        bad.push({ field: field('modality'), description: `"${m}" is not one of ${Object.keys(MODALITY_CAPABILITY).join(', ')}` });
        continue;
      }
      const cap = MODALITY_CAPABILITY[m];
      if (cap && !capabilities.includes(cap)) capabilities.push(cap);
    }
  }
  if (bad.length > 0) throw invalidFields(bad);
  return { sensitivity, localRequired, capabilities };
}
