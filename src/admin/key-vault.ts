// Bring-your-own provider keys are stored encrypted (AES-256-GCM) with a key the operator
// gives in SWITCHYARD_SECRET_KEY (32 bytes, hex or base64). Without it, the admin API refuses
// to store provider keys rather than store them in clear.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SwitchyardError } from '../errors.js';
import { Secret } from '../config/secret.js';

const VERSION = 'v1';

export class KeyVault {
  readonly #key: Buffer | undefined;

  constructor(secretKey: string | undefined) {
    this.#key = secretKey ? parseKey(secretKey) : undefined;
  }

  get available(): boolean {
    return this.#key !== undefined;
  }

  encrypt(plain: string): string {
    const key = this.#requireKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** undefined when the vault has no key or the ciphertext does not verify. */
  decrypt(ciphertext: string): Secret | undefined {
    if (!this.#key) return undefined;
    const [version, iv, tag, body] = ciphertext.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
      return new Secret(plain.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  #requireKey(): Buffer {
    if (!this.#key) {
      throw new SwitchyardError(
        'failed_precondition',
        'storing a provider API key needs SWITCHYARD_SECRET_KEY (32 bytes, hex or base64) on the server; or give api_key_env instead',
        { reason: 'SECRET_KEY_NOT_CONFIGURED' },
      );
    }
    return this.#key;
  }
}

function parseKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('SWITCHYARD_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  return key;
}
