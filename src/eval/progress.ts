// Progress for long runs: a bar with rate and ETA on a terminal; plain periodic lines elsewhere (CI logs,
// pipes), where a redrawn bar would only print control characters.
import cliProgress from 'cli-progress';

export interface Progress {
  tick(): void;
  /**
   * A new total, for work still being counted while it is done (a scan finds functions as it analyses
   * them): shown as `done/total+` with no ETA until `final`.
   */
  setTotal(total: number, final: boolean): void;
  stop(): void;
}

/** Where progress goes: a terminal gets a bar, anything else lines. */
export type ProgressStream = Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean };

export interface ProgressOptions {
  /** Seconds between lines outside a terminal, whether or not anything finished in between. */
  everyMs?: number;
  /** What the run is waiting on, when that is worth saying (a slow endpoint); added to each line. */
  waiting?: () => string | undefined;
  /** The total is complete from the start (default); false while it is still being counted (see setTotal). */
  final?: boolean;
}

export const LINE_EVERY_MS = 15_000;

function rateAndEta(
  done: number,
  total: number,
  startedMs: number,
  final = true,
): { rate: string; eta: string } {
  const seconds = (Date.now() - startedMs) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  // Nothing left is no time left, however fast it went (the last items may finish in the same millisecond).
  const left = final && done >= total ? 0 : rate > 0 && final ? (total - done) / rate : Number.NaN;
  const eta = Number.isFinite(left) ? formatDuration(left) : '?';
  return { rate: rate.toFixed(1), eta };
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

export function createProgress(
  initialTotal: number,
  stream: ProgressStream = process.stderr,
  label = 'functions',
  options: ProgressOptions = {},
): Progress {
  const startedMs = Date.now();
  let done = 0;
  let total = initialTotal;
  let final = options.final ?? true;
  let stopped = false;
  const more = () => (final ? '' : '+');
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `{bar} {percentage}% | {value}/{total}{more} ${label} | {rate}/s | ETA {remaining}`,
        stream: stream as NodeJS.WriteStream,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0.0', remaining: '?', more: more() });
    const redraw = () => {
      const { rate, eta } = rateAndEta(done, total, startedMs, final);
      // Named `remaining`: cli-progress's own {eta} token would override a payload field called eta.
      bar.update(done, { rate, remaining: eta, more: more() });
    };
    return {
      tick() {
        done++;
        redraw();
      },
      setTotal(newTotal, isFinal) {
        total = newTotal;
        final = isFinal;
        bar.setTotal(total);
        redraw();
      },
      stop() {
        if (stopped) return;
        stopped = true;
        bar.stop();
      },
    };
  }
  // A line at a steady interval, on a timer rather than on each result: a CI log shows the run is alive
  // (and what it waits on) even while no answer comes back for minutes.
  const line = () => {
    const { rate, eta } = rateAndEta(done, total, startedMs, final);
    const waiting = options.waiting?.();
    stream.write(
      `${done}/${total}${more()} ${label} (${rate}/s, ETA ${eta})${waiting ? `; ${waiting}` : ''}\n`,
    );
  };
  const timer = setInterval(line, options.everyMs ?? LINE_EVERY_MS);
  timer.unref();
  let finished = false;
  /** The closing line, once, when every function of a final count is done. */
  const finishIfComplete = () => {
    if (finished || !final || done !== total) return;
    finished = true;
    clearInterval(timer);
    line();
  };
  return {
    tick() {
      done++;
      finishIfComplete();
    },
    setTotal(newTotal, isFinal) {
      total = newTotal;
      final = isFinal;
      // The last function may have been answered before the count was known to be complete.
      finishIfComplete();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (!finished) line();
    },
  };
}
