// Reading files at the pull request's head: from the checked-out workspace when it is at that commit,
// otherwise through the API. Only reading: PR code is never checked out, built or run here.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FileReader } from '../git/worktree.ts';
import { type GitHubClient, statusOf } from './client.ts';
import type { PullRequestRef } from './event.ts';

export type { FileReader } from '../git/worktree.ts';
export { directoryReader } from '../git/worktree.ts';

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** The git directory of a checkout (`.git` may be a file pointing elsewhere, as in worktrees). */
async function gitDir(root: string): Promise<string | undefined> {
  const dotGit = join(root, '.git');
  const pointer = await readText(dotGit);
  if (pointer?.startsWith('gitdir:')) return resolve(root, pointer.slice('gitdir:'.length).trim());
  return pointer === undefined ? dotGit : undefined;
}

/**
 * The commit the workspace has checked out, read from .git without running git. `actions/checkout` of a
 * pull_request checks out the merge commit, which is not the head: then the API is used.
 */
export async function workspaceHeadSha(root: string): Promise<string | undefined> {
  const dir = await gitDir(root);
  if (!dir) return undefined;
  const head = await readText(join(dir, 'HEAD'));
  if (!head) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const loose = await readText(join(dir, ref));
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = await readText(join(dir, 'packed-refs'));
  return packed
    ?.split('\n')
    .map((line) => line.split(' '))
    .find(([, name]) => name === ref)?.[0];
}

/**
 * The response body as the bytes GitHub sent. The raw media type answers
 * `Content-Type: application/vnd.github.raw; charset=utf-8` whatever the file holds, and Octokit decodes
 * any `charset=utf-8` body as UTF-8 text, which turns each byte of a Latin-1 file that is not valid UTF-8
 * into U+FFFD: the file's functions, fingerprints and line hashes would then differ from the same file
 * read from disk. So the body is taken unparsed (`parseSuccessResponseBody: false`) and read here.
 */
async function bodyBytes(data: unknown): Promise<Uint8Array | undefined> {
  if (data instanceof ReadableStream) return new Uint8Array(await new Response(data).arrayBuffer());
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // No body at all is an empty file.
  if (data === null || data === undefined || data === '') return new Uint8Array(0);
  return undefined;
}

/** Which revision an API reader reads, and what it does with a failure other than "not found". */
export interface ApiReaderOptions {
  /** Commit to read at; default the head SHA. The delta reads the base side at the merge base. */
  ref?: string;
  /**
   * Throw instead of warning and reading as missing: for the base side, where "missing" would mean "new
   * file" while the truth is "unknown".
   */
  throwOnError?: boolean;
}

/**
 * Reads files at the head SHA through the contents API (raw media type), byte for byte. Files the
 * contents API will not serve (over its size limit) are fetched as git blobs by the SHA the files list
 * gave. Failures other than "not found" are passed to `warn` and read as missing, so the extractor lists
 * the file as unreadable.
 */
export function apiReader(
  octokit: GitHubClient,
  pr: PullRequestRef,
  blobShas: ReadonlyMap<string, string>,
  warn: (message: string) => void,
  options: ApiReaderOptions = {},
): FileReader {
  const ref = options.ref ?? pr.headSha;
  return async (path) => {
    try {
      const response = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: pr.owner,
        repo: pr.repo,
        path,
        ref,
        headers: { accept: 'application/vnd.github.raw+json' },
        request: { parseSuccessResponseBody: false },
      });
      // A directory (or a submodule) answers with a JSON listing instead of the file.
      if (/^application\/json\b/i.test(String(response.headers['content-type'] ?? ''))) {
        await (response.data as unknown as ReadableStream | null)?.cancel();
        throw new Error('the contents API did not return the raw file');
      }
      const bytes = await bodyBytes(response.data);
      if (bytes) return bytes;
      throw new Error('the contents API did not return the raw file');
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return undefined;
      const sha = blobShas.get(path);
      if (sha && (status === 403 || status === 413 || status === undefined))
        return readBlob(octokit, pr, path, sha, warn);
      const message = `${path}: cannot read it at ${ref.slice(0, 12)} (${error instanceof Error ? error.message : String(error)})`;
      if (options.throwOnError) throw new Error(message);
      warn(message);
      return undefined;
    }
  };
}

async function readBlob(
  octokit: GitHubClient,
  pr: PullRequestRef,
  path: string,
  sha: string,
  warn: (message: string) => void,
): Promise<Uint8Array | undefined> {
  try {
    const { data } = await octokit.rest.git.getBlob({ owner: pr.owner, repo: pr.repo, file_sha: sha });
    return new Uint8Array(Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8'));
  } catch (error) {
    warn(
      `${path}: cannot read blob ${sha.slice(0, 12)} (${error instanceof Error ? error.message : String(error)})`,
    );
    return undefined;
  }
}
