// A secret value that cannot leak by accident: printing, logging, JSON-encoding or
// inspecting it yields "[redacted]". Only `reveal()` returns the value, at the one place
// that sends it upstream.
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}
