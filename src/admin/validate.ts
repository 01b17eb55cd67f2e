// Validation that needs more than the request: an alias's models must be in the catalog, a
// budget's tenant and key must exist. The ways in check the request's own shape; these checks
// run in the use case and report the same way: every problem at once, as INVALID_ARGUMENT
// naming the field by the admin API's name, whichever way in was used. An alias or a budget is
// checked whole here, so that its shape problems and its reference problems come in one answer.
import { invalidFields, type FieldViolation } from '../errors.js';

/** Ids of admin resources (tenants, providers, aliases, route rules, budgets). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ID_RULE = 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';

export class FieldProblems {
  readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  checkId(field: string, value: string): void {
    if (!ID_PATTERN.test(value)) this.add(field, ID_RULE);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw invalidFields(this.list);
  }
}
