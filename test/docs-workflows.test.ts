// The workflows users copy (README.md, docs/action.md, runner-setup/serve/vulnreview-gpu.yml), checked
// against what GitHub documents for uploading SARIF from pull requests:
// - github/codeql-action/upload-sarif@v4 (v3 is deprecated in December 2026);
// - `security-events: write`, and `actions: read`, which upload-sarif needs in private repositories;
// - upload-sarif's `ref: refs/pull/N/head` and `sha: <head sha>`: vulnreview reports the head's lines,
//   and under pull_request_target GITHUB_REF/GITHUB_SHA are the base branch's, so without them a fork's
//   findings would land on the base branch (upload-sarif/action.yml: "If provided, the sha input must be
//   provided as well");
// - no upload-sarif `category` (ignored when the SARIF file carries automationDetails.id, as ours does);
// - no `cancel-in-progress: true` (docs/action.md recommends against it);
// - no checkout of the pull request's head under pull_request_target.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: workflows are checked as plain YAML data
type Json = any;

/** The ```yaml blocks of a Markdown file that are whole workflows (they have jobs). */
function workflowsIn(path: string): Array<{ where: string; doc: Json }> {
  return [...read(path).matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m, i) => ({ where: `${path} block ${i + 1}`, doc: parse(m[1]!) }))
    .filter((w) => w.doc && typeof w.doc === 'object' && 'jobs' in w.doc);
}

const workflows = [
  ...workflowsIn('README.md'),
  ...workflowsIn('docs/action.md'),
  {
    where: 'runner-setup/serve/vulnreview-gpu.yml',
    doc: parse(read('runner-setup/serve/vulnreview-gpu.yml')),
  },
];

const events = (doc: Json): string[] =>
  typeof doc.on === 'string' ? [doc.on] : Array.isArray(doc.on) ? doc.on : Object.keys(doc.on ?? {});

/** A GitHub Actions expression as a workflow spells it: `${{ x }}`. */
const expression = (x: string) => `$\{{ ${x} }}`;

const steps = (doc: Json): Json[] =>
  Object.values(doc.jobs as Record<string, Json>).flatMap((j) => j.steps ?? []);

describe('the workflows in the docs', () => {
  it('are all found', () => {
    expect(workflows.map((w) => w.where)).toEqual([
      'README.md block 1',
      'docs/action.md block 4',
      'docs/action.md block 5',
      'docs/action.md block 6',
      'runner-setup/serve/vulnreview-gpu.yml',
    ]);
  });

  for (const { where, doc } of workflows) {
    describe(where, () => {
      const uploads = steps(doc).filter((s) =>
        String(s.uses ?? '').startsWith('github/codeql-action/upload-sarif'),
      );

      it('uploads with upload-sarif@v4, to the pull request head, without a category', () => {
        expect(uploads).toHaveLength(1);
        const [upload] = uploads;
        expect(upload.uses).toBe('github/codeql-action/upload-sarif@v4');
        expect(upload.with).toMatchObject({
          sarif_file: expression('steps.vulnreview.outputs.sarif-file'),
          ref: `refs/pull/${expression('github.event.pull_request.number')}/head`,
          sha: expression('github.event.pull_request.head.sha'),
        });
        expect(upload.with.category).toBeUndefined();
        expect(String(upload.if)).toContain('always()');
      });

      it('grants what vulnreview and upload-sarif need, actions: read included', () => {
        const jobPermissions = Object.values(doc.jobs as Record<string, Json>).map((j) => j.permissions);
        const permissions = { ...doc.permissions, ...Object.assign({}, ...jobPermissions.filter(Boolean)) };
        expect(permissions).toMatchObject({
          contents: 'read',
          'pull-requests': 'write',
          'security-events': 'write',
          actions: 'read',
        });
      });

      it('never cancels a run in progress', () => {
        expect(doc.concurrency?.['cancel-in-progress'] ?? false).toBe(false);
      });

      it('under pull_request_target, never checks out the pull request head and uploads fork results too', () => {
        if (!events(doc).includes('pull_request_target')) return;
        expect(steps(doc).some((s) => String(s.uses ?? '').startsWith('actions/checkout'))).toBe(false);
        // The head repository is the fork here: a same-repository condition would skip every fork PR.
        expect(String(uploads[0].if)).not.toContain('head.repo.full_name');
      });
    });
  }

  it('the permissions block of docs/action.md lists actions: read', () => {
    const block = [...read('docs/action.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!))[0];
    expect(block.permissions).toMatchObject({ actions: 'read', 'security-events': 'write' });
  });
});
