// Who is calling: what a way in (gRPC, Connect, the HTTP APIs, the CLI) authenticated before
// it calls a use case. Budgets, the ledger, decisions and route rules key on it.

export interface Caller {
  /** The tenant the key belongs to; "" for admin keys that belong to none. */
  tenant: string;
  admin: boolean;
  keyId: string;
}
