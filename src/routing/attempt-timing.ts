// How long one chat attempt may wait for its first event before the executor gives up on it
// and moves to the next candidate. The endpoint's own first-byte timeout (Timeouts, often a
// minute) is sized for a lone call; with a fallback waiting and a caller's deadline running,
// a hung upstream must be cut early enough that the fallback can still answer in time.
//
// The limit only applies when there is another candidate to go to: a lone or last candidate
// keeps the whole remaining deadline (the caller's deadline and the endpoint's own timeout end
// it), so a slow but working endpoint is never cut with nothing better to try.

export interface AttemptTiming {
  /** An endpoint's observed time to first token (EWMA) times this is its usual worst case. */
  ttftFactor: number;
  /** Never below this: one quick sample must not cut a long prompt's slower first token. */
  floorMs: number;
}

export const DEFAULT_ATTEMPT_TIMING: AttemptTiming = { ttftFactor: 4, floorMs: 3_000 };

export interface AttemptBudgetInput {
  /** Time left before the caller's deadline, ms; undefined: no deadline. */
  remainingMs: number | undefined;
  /** This candidate and the ones after it. */
  candidatesLeft: number;
  /** The endpoint's observed time to first token, ms; 0: no sample yet. */
  ttftMs: number;
}

/**
 * The first-token limit of one attempt, or undefined for none of ours. With a deadline, each
 * candidate left gets an equal share of what remains (the next one re-divides what it finds,
 * so time an attempt did not use passes on); an observed time to first token bounds it further.
 */
export function firstTokenLimitMs(input: AttemptBudgetInput, timing: AttemptTiming = DEFAULT_ATTEMPT_TIMING): number | undefined {
  if (input.candidatesLeft < 2) return undefined;
  let limit = input.ttftMs > 0 ? Math.max(timing.floorMs, Math.ceil(input.ttftMs * timing.ttftFactor)) : undefined;
  if (input.remainingMs !== undefined) {
    const share = Math.max(1, Math.floor(input.remainingMs / input.candidatesLeft));
    limit = limit === undefined ? share : Math.min(limit, share);
  }
  return limit;
}

/**
 * One attempt's signal: aborted when the caller's is, or when the first-token limit passes
 * before firstEvent(). `timedOut` tells the two apart (the second is the endpoint's failure,
 * the first is not).
 */
export class AttemptSignal {
  readonly #ctl = new AbortController();
  readonly #outer: AbortSignal;
  readonly #forward = (): void => this.#ctl.abort(this.#outer.reason);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;

  constructor(
    outer: AbortSignal,
    readonly limitMs: number | undefined,
  ) {
    this.#outer = outer;
    if (outer.aborted) this.#ctl.abort(outer.reason);
    else outer.addEventListener('abort', this.#forward, { once: true });
    if (limitMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        this.#ctl.abort(new Error(`no first token within ${limitMs} ms`));
      }, limitMs);
    }
  }

  get signal(): AbortSignal {
    return this.#ctl.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** The upstream answered: the rest of the stream is bounded by the idle timeout. */
  firstEvent(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  dispose(): void {
    this.firstEvent();
    this.#outer.removeEventListener('abort', this.#forward);
  }
}
