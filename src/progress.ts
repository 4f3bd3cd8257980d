// What a long run is waiting on, for the progress lines of the CLI and the action: the questions in
// flight to the backend and how long the oldest has been waiting. A slow endpoint is then named in the
// log ("waiting on http://… for 8 answers, the oldest for 95 s") instead of the run looking stuck.

import {
  createProgress,
  formatDuration,
  type Progress,
  type ProgressOptions,
  type ProgressStream,
} from './eval/progress.ts';
import type { Backend } from './model/backend.ts';
import { displayUrl } from './model/connection.ts';

/** An answer counts as slow after this long; below it the lines say nothing about waiting. */
export const SLOW_ANSWER_MS = 10_000;

export interface WatchedBackend {
  backend: Backend;
  /** The questions in flight and when the oldest was asked (undefined when none is). */
  inFlight(): { count: number; oldestStartedMs: number | undefined };
}

/** `backend` with its questions in flight counted; answers and errors pass through unchanged. */
export function watchBackend(backend: Backend): WatchedBackend {
  const started = new Set<{ at: number }>();
  const watched: Backend = {
    name: backend.name,
    model: backend.model,
    promptHash: backend.promptHash,
    // Without it the pipeline would not keep extraction's syntax and the rules would parse every function again.
    ...(backend.usesSyntax ? { usesSyntax: true } : {}),
    // Passes the signal on as it is: when the backend only checks it, so does this wrapper.
    ...(backend.signalOnlyChecked ? { signalOnlyChecked: true } : {}),
    async analyse(fn, signal) {
      const entry = { at: Date.now() };
      started.add(entry);
      try {
        return await backend.analyse(fn, signal);
      } finally {
        started.delete(entry);
      }
    },
    ...(backend.cacheSource ? { cacheSource: (fn) => backend.cacheSource!(fn) } : {}),
    ...(backend.close ? { close: () => backend.close!() } : {}),
  };
  return {
    backend: watched,
    inFlight: () => {
      let oldest: number | undefined;
      for (const { at } of started) if (oldest === undefined || at < oldest) oldest = at;
      return { count: started.size, oldestStartedMs: oldest };
    },
  };
}

/**
 * A note for the progress lines when the oldest question has waited longer than `slowMs`: which endpoint
 * and model, how many answers are outstanding, and for how long. `endpoint` is shown without credentials.
 */
export function waitingNote(
  watched: WatchedBackend,
  endpoint: string | undefined,
  slowMs = SLOW_ANSWER_MS,
): () => string | undefined {
  return () => {
    const { count, oldestStartedMs } = watched.inFlight();
    if (count === 0 || oldestStartedMs === undefined) return undefined;
    const waited = Date.now() - oldestStartedMs;
    if (waited < slowMs) return undefined;
    const where =
      watched.backend.name === 'endpoint' && endpoint
        ? `${displayUrl(endpoint)} (model ${watched.backend.model})`
        : `the ${watched.backend.name} backend`;
    return `waiting on ${where} for ${count} ${count === 1 ? 'answer' : 'answers'}, the oldest for ${formatDuration(waited / 1000)}`;
  };
}

/**
 * Progress while functions are analysed (the pipeline's onProgress): a bar on a terminal, periodic lines
 * elsewhere. Functions are analysed as they are found, so the total grows until extraction ends (`n/m+`
 * until then). Used by the CLI's scan and by the action.
 */
export function progressOn(
  stream: ProgressStream,
  options: ProgressOptions,
): { update: (done: number, total: number, final: boolean) => void; stop: () => void } {
  let progress: Progress | undefined;
  let shown = 0;
  let shownTotal = -1;
  let shownFinal = false;
  return {
    update: (done, total, final) => {
      // Nothing to show until there is a function (a change with none prints no progress at all).
      if (!progress) {
        if (total === 0) return;
        progress = createProgress(total, stream, 'functions', { ...options, final });
        shownTotal = total;
        shownFinal = final;
      }
      if (total !== shownTotal || final !== shownFinal) progress.setTotal(total, final);
      shownTotal = total;
      shownFinal = final;
      for (; shown < done; shown++) progress.tick();
    },
    stop: () => progress?.stop(),
  };
}
