// Many files at one or more revisions through one long-lived `git cat-file --batch` process. Starting
// a `git show` per file costs the parent more as its memory grows (fork of a large process), so a big
// change spent a third of its CPU on process starts; one batch process answers every read in order
// over a pipe. Reads may overlap: requests are written as they come and answers matched in order.
// Used for the head side of `scan --head` and for the base side of a change.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { GIT_MISSING, gitEnv, SAFE_CONFIG, showFile } from './local.ts';

/** A file that should exist at a revision does not. */
export class GitObjectMissingError extends Error {
  constructor(
    readonly rev: string,
    readonly path: string,
    readonly repo: string,
  ) {
    super(`${path} does not exist at ${rev} in ${repo} (or is not a file there)`);
    this.name = 'GitObjectMissingError';
  }
}

/** The batch process failed: git missing, not a repository, or it died. Every pending read gets this. */
export class GitReaderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitReaderError';
  }
}

interface Pending {
  name: string;
  resolve: (bytes: Uint8Array | undefined) => void;
  reject: (error: Error) => void;
}

/** The answer being received: its header has arrived, its bytes (and the trailing LF) are coming. */
interface Body {
  pending: Pending;
  blob: boolean;
  bytes: Buffer;
  got: number;
}

const LF = 0x0a;
/** Kept from git's stderr for error messages. */
const STDERR_KEEP = 4096;

export class GitObjectReader {
  private child: ChildProcessWithoutNullStreams | undefined;
  private failure: GitReaderError | undefined;
  private readonly queue: Pending[] = [];
  private body: Body | undefined;
  private header: Buffer[] = [];
  private stderr = '';
  private closed = false;

  /** Nothing starts until the first read. */
  constructor(readonly repo: string) {}

  /**
   * A file's bytes at a revision (a commit id, a ref, anything `git rev-parse` takes), or undefined when
   * the path does not name a file there. Rejects with GitReaderError when git cannot answer at all.
   */
  read(rev: string, path: string): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.reject(new GitReaderError('the git object reader is closed'));
    // The batch protocol is line based: a path with a newline in it goes through `git show` instead.
    if (path.includes('\n')) return showFile(this.repo, rev, path);
    if (this.failure) return Promise.reject(this.failure);
    const child = this.start();
    return new Promise((resolve, reject) => {
      const name = `${rev}:${path}`;
      this.queue.push({ name, resolve, reject });
      if (this.queue.length === 1) this.hold(true);
      child.stdin.write(`${name}\n`);
    });
  }

  /** Like read, but a missing file is an error that names the revision and the path. */
  async readExisting(rev: string, path: string): Promise<Uint8Array> {
    const bytes = await this.read(rev, path);
    if (bytes === undefined) throw new GitObjectMissingError(rev, path, this.repo);
    return bytes;
  }

  /** Ends the process once the reads in flight are answered. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.hold(true);
    child.stdin.end();
    await exited;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('git', [...SAFE_CONFIG, '-C', this.repo, 'cat-file', '--batch'], {
      env: gitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_KEEP);
    });
    child.stdin.on('error', () => {
      // EPIPE when git exits early: the 'close' handler reports why.
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.fail(
        error.code === 'ENOENT'
          ? new GitReaderError(GIT_MISSING, { cause: error })
          : new GitReaderError(`could not start git cat-file in ${this.repo}: ${error.message}`, {
              cause: error,
            }),
      );
    });
    child.on('close', (code, signal) => {
      if (this.queue.length === 0 && this.closed) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.fail(
        new GitReaderError(
          `git cat-file --batch in ${this.repo} ${how}: ${this.stderr.trim() || 'no output'}`,
        ),
      );
    });
    return child;
  }

  /** While reads are pending the process keeps Node running; an idle reader never holds it open. */
  private hold(busy: boolean): void {
    const child = this.child;
    if (!child) return;
    // The pipes are sockets at run time (net.Socket), typed as plain streams.
    const pipes = [child.stdin, child.stdout, child.stderr] as unknown as Partial<Socket>[];
    for (const handle of [child, ...pipes]) {
      if (busy) handle.ref?.();
      else handle.unref?.();
    }
  }

  private fail(error: GitReaderError): void {
    this.failure ??= error;
    this.body = undefined;
    this.header = [];
    for (const pending of this.queue.splice(0)) pending.reject(this.failure);
  }

  private receive(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const body = this.body;
      if (body) {
        const n = Math.min(body.bytes.length - body.got, chunk.length - at);
        chunk.copy(body.bytes, body.got, at, at + n);
        body.got += n;
        at += n;
        if (body.got === body.bytes.length) {
          this.body = undefined;
          // The answer ends with an LF after the object's bytes.
          body.pending.resolve(body.blob ? body.bytes.subarray(0, body.bytes.length - 1) : undefined);
          this.settled();
        }
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      if (lf < 0) {
        this.header.push(chunk.subarray(at));
        return;
      }
      this.header.push(chunk.subarray(at, lf));
      const line = Buffer.concat(this.header).toString('utf8');
      this.header = [];
      at = lf + 1;
      this.answer(line);
    }
  }

  /** One header line: `<oid> <type> <size>` (bytes follow), `<name> missing` or `<name> ambiguous`. */
  private answer(line: string): void {
    const pending = this.queue.shift();
    if (!pending) {
      this.fail(new GitReaderError(`git cat-file --batch sent an unexpected line: ${line.slice(0, 200)}`));
      this.child?.kill();
      return;
    }
    if (line === `${pending.name} missing`) {
      pending.resolve(undefined);
      this.settled();
      return;
    }
    if (line === `${pending.name} ambiguous`) {
      pending.reject(
        new GitReaderError(`${pending.name} is ambiguous in ${this.repo}; use a full commit id`),
      );
      this.settled();
      return;
    }
    const match = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(line);
    if (!match) {
      this.queue.unshift(pending);
      this.fail(
        new GitReaderError(`git cat-file --batch answered ${pending.name} with: ${line.slice(0, 200)}`),
      );
      this.child?.kill();
      return;
    }
    // A tree, commit or tag under that name is not a file: read as missing, as a directory would be.
    this.body = {
      pending,
      blob: match[1] === 'blob',
      bytes: Buffer.allocUnsafeSlow(Number(match[2]) + 1),
      got: 0,
    };
  }

  private settled(): void {
    if (this.queue.length === 0) this.hold(false);
  }
}
