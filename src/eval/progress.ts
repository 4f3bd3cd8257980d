// Progress for long runs: a bar with rate and ETA on a terminal; plain periodic lines elsewhere (CI logs,
// pipes), where a redrawn bar would only print control characters.
import cliProgress from 'cli-progress';

export interface Progress {
  tick(): void;
  stop(): void;
}

/** Where progress goes: a terminal gets a bar, anything else lines. */
export type ProgressStream = Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean };

export interface ProgressOptions {
  /** Seconds between lines outside a terminal, whether or not anything finished in between. */
  everyMs?: number;
  /** What the run is waiting on, when that is worth saying (a slow endpoint); added to each line. */
  waiting?: () => string | undefined;
}

export const LINE_EVERY_MS = 15_000;

function rateAndEta(done: number, total: number, startedMs: number): { rate: string; eta: string } {
  const seconds = (Date.now() - startedMs) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const left = rate > 0 ? (total - done) / rate : Number.NaN;
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
  total: number,
  stream: ProgressStream = process.stderr,
  label = 'functions',
  options: ProgressOptions = {},
): Progress {
  const startedMs = Date.now();
  let done = 0;
  let stopped = false;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `{bar} {percentage}% | {value}/{total} ${label} | {rate}/s | ETA {remaining}`,
        stream: stream as NodeJS.WriteStream,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0.0', remaining: '?' });
    return {
      tick() {
        done++;
        const { rate, eta } = rateAndEta(done, total, startedMs);
        // Named `remaining`: cli-progress's own {eta} token would override a payload field called eta.
        bar.update(done, { rate, remaining: eta });
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
    const { rate, eta } = rateAndEta(done, total, startedMs);
    const waiting = options.waiting?.();
    stream.write(`${done}/${total} ${label} (${rate}/s, ETA ${eta})${waiting ? `; ${waiting}` : ''}\n`);
  };
  const timer = setInterval(line, options.everyMs ?? LINE_EVERY_MS);
  timer.unref();
  return {
    tick() {
      done++;
      if (done !== total) return;
      clearInterval(timer);
      line();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (done !== total) line();
    },
  };
}
