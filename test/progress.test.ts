// Progress outside a terminal (CI logs, the action): a line at a steady interval even while nothing
// finishes, saying what the run waits on once answers are slow.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../src/eval/progress.ts';
import type { Backend } from '../src/model/backend.ts';
import { createRulesBackend } from '../src/model/rules/index.ts';
import { progressOn, SLOW_ANSWER_MS, waitingNote, watchBackend } from '../src/progress.ts';
import type { Verdict } from '../src/types.ts';

afterEach(() => vi.useRealTimers());

function lines() {
  const out: string[] = [];
  return { stream: { isTTY: false, write: (t: string) => out.push(t) > 0 }, out };
}

/** A backend whose answers wait until the test releases them. */
function heldBackend(name: Backend['name'] = 'endpoint') {
  const pending: Array<() => void> = [];
  const verdict: Verdict = {
    vulnerable: false,
    confidence: 0.1,
    rawAnswer: 'No',
    backend: name,
    model: 'vdisc-lora',
    promptHash: 'p',
  };
  const backend: Backend = {
    name,
    model: 'vdisc-lora',
    promptHash: 'p',
    analyse: () => new Promise((resolve) => pending.push(() => resolve(verdict))),
  };
  return {
    backend,
    release: () => {
      for (const resolve of pending.splice(0)) resolve();
    },
  };
}

describe('createProgress outside a terminal', () => {
  it('prints a line every interval while nothing finishes, and a last one when all are done', () => {
    vi.useFakeTimers();
    const { stream, out } = lines();
    const progress = createProgress(3, stream, 'functions', {
      everyMs: 15_000,
      waiting: () => 'waiting on X',
    });
    vi.advanceTimersByTime(46_000);
    expect(out).toHaveLength(3);
    expect(out[0]).toBe('0/3 functions (0.0/s, ETA ?); waiting on X\n');
    progress.tick();
    progress.tick();
    progress.tick();
    expect(out.at(-1)).toMatch(/^3\/3 functions/);
    const count = out.length;
    vi.advanceTimersByTime(60_000);
    progress.stop();
    expect(out).toHaveLength(count);
  });
});

describe('watchBackend and waitingNote', () => {
  it('names the endpoint (without credentials), the answers outstanding and how long the oldest waited', async () => {
    vi.useFakeTimers();
    const { backend, release } = heldBackend();
    const watched = watchBackend(backend);
    const note = waitingNote(watched, 'http://user:secret@127.0.0.1:8000/v1');
    const answers = [
      watched.backend.analyse({ source: 'int f(void);', lang: 'c' }),
      watched.backend.analyse({ source: 'int g(void);', lang: 'c' }),
    ];
    expect(watched.inFlight().count).toBe(2);
    expect(note()).toBeUndefined(); // not slow yet
    vi.advanceTimersByTime(SLOW_ANSWER_MS + 65_000);
    expect(note()).toBe(
      'waiting on http://127.0.0.1:8000/v1 (model vdisc-lora) for 2 answers, the oldest for 1m15s',
    );
    release();
    await Promise.all(answers);
    expect(watched.inFlight().count).toBe(0);
    expect(note()).toBeUndefined();
    // The watched backend is the same backend to everything else.
    expect([watched.backend.name, watched.backend.model, watched.backend.promptHash]).toEqual([
      'endpoint',
      'vdisc-lora',
      'p',
    ]);
    // A backend that reads no syntax still reads none, and one that listens on its signal gets its own.
    expect(watched.backend.usesSyntax).toBeUndefined();
    expect(watched.backend.signalOnlyChecked).toBeUndefined();
  });

  it('keeps telling the pipeline that the rules backend reads syntax', async () => {
    // Lost, the pipeline kept no syntax copies and the rules parsed every function a second time.
    const rules = await createRulesBackend();
    try {
      expect(rules.usesSyntax).toBe(true);
      expect(watchBackend(rules).backend.usesSyntax).toBe(true);
      // and that it only checks the signal, so it may be handed the run's own
      expect(watchBackend(rules).backend.signalOnlyChecked).toBe(true);
      // and a backend that reads no syntax is not made to
      expect(watchBackend(heldBackend().backend).backend.usesSyntax).toBeUndefined();
    } finally {
      await rules.close?.();
    }
  });
});

describe('progressOn, fed the streaming pipeline’s onProgress', () => {
  it('keeps one progress while the total grows, and ends with one line when the count is final', () => {
    vi.useFakeTimers();
    const { stream, out } = lines();
    const progress = progressOn(stream, { everyMs: 1000 });
    progress.update(0, 0, false); // nothing found yet: nothing shown
    progress.update(0, 2, false);
    progress.update(1, 2, false);
    progress.update(1, 5, false);
    vi.advanceTimersByTime(1000);
    expect(out).toEqual([expect.stringMatching(/^1\/5\+ functions \(/)]);
    progress.update(5, 5, false);
    progress.update(5, 5, true);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^5\/5 functions \(.*ETA 0s\)\n$/);
    progress.stop();
    vi.advanceTimersByTime(5000);
    expect(out).toHaveLength(2);
  });
});
