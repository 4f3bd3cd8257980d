// Progress lines where no terminal is attached (CI logs): a total still being counted shows as `n+` with
// no ETA, and the line that says the work is complete is written exactly once, when it is.
import { describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/eval/progress.ts';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (t: string) => lines.push(t) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

describe('createProgress without a terminal', () => {
  it('writes the closing line when the last item is done and the total is final', () => {
    const { lines, stream } = capture();
    const p = createProgress(2, stream, 'functions');
    p.tick();
    expect(lines).toEqual([]);
    p.tick();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^2\/2 functions \(.*\/s, ETA 0s\)\n$/);
    p.stop();
    expect(lines).toHaveLength(1);
  });

  it('says ETA 0s at the end even when everything finished within the same millisecond', () => {
    vi.useFakeTimers();
    try {
      const { lines, stream } = capture();
      const p = createProgress(2, stream, 'functions');
      p.tick();
      p.tick();
      expect(lines).toEqual([expect.stringMatching(/^2\/2 functions \(0\.0\/s, ETA 0s\)\n$/)]);
      p.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows a growing total as n+, and completes once the count is known to be final', () => {
    const { lines, stream } = capture();
    const p = createProgress(1, stream, 'functions', { final: false });
    p.tick();
    expect(lines).toEqual([]); // 1/1 is not the end while more may be found
    p.setTotal(3, false);
    p.tick();
    p.tick();
    expect(lines).toEqual([]);
    p.stop();
    expect(lines).toEqual([expect.stringMatching(/^3\/3\+ functions \(.*\/s, ETA \?\)\n$/)]);

    const done = capture();
    const q = createProgress(0, done.stream, 'functions', { final: false });
    q.setTotal(2, false);
    q.tick();
    q.tick();
    q.setTotal(2, true);
    expect(done.lines).toEqual([expect.stringMatching(/^2\/2 functions /)]);
    q.stop();
    expect(done.lines).toHaveLength(1);
  });
});
