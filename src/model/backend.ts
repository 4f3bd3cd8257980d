import type { BackendName, FunctionInput, Verdict } from '../types.ts';

/**
 * Judges one function at a time. Implementations: the OpenAI-compatible endpoint backend and the
 * offline rules backend. Concurrency, caching and the time budget live outside (see analyse.ts), so a
 * backend only has to answer one question well.
 */
export interface Backend {
  readonly name: BackendName;
  /** Model name at the endpoint, or the rules engine's version, recorded with every verdict. */
  readonly model: string;
  /** Identifies the prompt (or rule set) so cached verdicts from another prompt are never reused. */
  readonly promptHash: string;
  /** Throws BackendError when no verdict could be had (after the backend's own retries). */
  analyse(fn: FunctionInput, signal?: AbortSignal): Promise<Verdict>;
  /**
   * Optional: everything about `fn` the verdict depends on besides model and prompt hash (e.g. the rendered
   * messages, when a template includes the file name), used for the verdict cache key. Without it the
   * cache keys on the function's language and source.
   */
  cacheSource?(fn: FunctionInput): string;
  /**
   * Reads `FunctionInput.syntax` (the rules backend): the pipeline then asks extraction to keep each
   * changed function's syntax tree, which saves parsing the function again.
   */
  readonly usesSyntax?: boolean;
  /**
   * Only checks the signal it is given (`throwIfAborted`) and never listens on it (the rules backend,
   * which answers in this process). analyse.ts then hands it the run's own signal rather than making a
   * fresh one per question, which is there so that listeners an HTTP client adds go away with their
   * question.
   */
  readonly signalOnlyChecked?: boolean;
  /** Releases sockets, parsers and the like. */
  close?(): Promise<void>;
}

/** A verdict could not be obtained; `retryable` tells whether a later run might succeed. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackendError';
  }
}
