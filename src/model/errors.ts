import { BackendError } from './backend.ts';

/**
 * Bad configuration of a model backend (missing endpoint, unreadable prompt file, ...). The message names
 * the input or flag to fix, so the CLI can print it as is and exit 2.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * The function is longer than the backend's input budget, so it was not sent. Not retryable: the same
 * function is just as long next time. The analyser maps it to the skip reason 'too-long'.
 */
export class TooLongError extends BackendError {
  constructor(message: string) {
    super(message, false);
    this.name = 'TooLongError';
  }
}
