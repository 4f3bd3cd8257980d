// The explanation stage against the loopback OpenAI-compatible server: structured output when the server
// takes `response_format`, the fallback when it refuses it, validation of the answer against the function,
// the one corrective retry, and the stage over a run's findings (which are explained, and that a failure
// never loses a finding).
import { afterEach, describe, expect, it } from 'vitest';
import { createExplainer, ExplainError, readExplanation } from '../../src/model/explain.ts';
import { explainFindings } from '../../src/model/explain-findings.ts';
import type { Finding } from '../../src/types.ts';
import {
  answer,
  type ChatRequest,
  type ModelServer,
  type Reply,
  startModelServer,
  status,
} from '../helpers/model-server.ts';
import { finding } from '../report/fixtures.ts';

// copy_name spans file lines 10–16; line 12 is `strcpy(buf, src);`.
const flagged = finding();

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function explainerWith(reply: (r: ChatRequest) => Reply, apiKey?: string) {
  server = await startModelServer({ reply, models: ['qwen-coder'] });
  return createExplainer({ baseUrl: server.url, model: 'qwen-coder', apiKey, retryBaseMs: 1 });
}

const json = (value: unknown) => answer(JSON.stringify(value));
const good = {
  line: 12,
  reason:
    'strcpy copies src into a 16-byte buffer without a length check. A longer src overflows buf on the stack.',
  fix: null,
};

describe('createExplainer', () => {
  it('asks with a JSON schema and reads the line and reason', async () => {
    const explainer = await explainerWith(() => json(good));
    const e = await explainer.explain(flagged);
    expect(e).toEqual({ line: 12, reason: good.reason, model: 'qwen-coder' });
    const body = server!.chatRequests()[0]!.body!;
    expect(body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'vulnreview_explanation', strict: true },
    });
    const user = body.messages!.find((m) => m.role === 'user')!.content;
    // The code goes with file line numbers, fenced; the system message carries no code.
    expect(user).toContain('12 |   strcpy(buf, src);');
    expect(body.messages!.find((m) => m.role === 'system')!.content).not.toContain('strcpy');
    await explainer.close();
  });

  it('asks again without response_format when the server refuses it, and never sends it again', async () => {
    // llama-server builds that refuse a json_schema response_format answer 400 like this (ggml-org/llama.cpp#11847).
    const explainer = await explainerWith(({ body }) =>
      body.response_format
        ? status(400, { message: 'Either "json_schema" or "grammar" can be specified, but not both' })
        : answer(`Here it is:\n\`\`\`json\n${JSON.stringify(good)}\n\`\`\``),
    );
    expect((await explainer.explain(flagged)).line).toBe(12);
    expect((await explainer.explain(flagged)).line).toBe(12);
    const sent = server!.chatRequests().map((r) => r.body!.response_format !== undefined);
    expect(sent).toEqual([true, false, false]);
  });

  it('refuses a line outside the function, says so in one corrective retry, and takes the corrected answer', async () => {
    const explainer = await explainerWith(({ index }) =>
      index === 0 ? json({ ...good, line: 99 }) : json({ ...good, line: 13 }),
    );
    expect((await explainer.explain(flagged)).line).toBe(13);
    const retry = server!.chatRequests()[1]!.body!.messages!;
    expect(retry.at(-2)).toMatchObject({ role: 'assistant' });
    expect(retry.at(-1)!.content).toContain('line 99 is outside the function, which spans lines 10 to 16');
  });

  it('gives up with ExplainError after two unusable answers', async () => {
    const explainer = await explainerWith(() => answer('I think line twelve is bad.'));
    await expect(explainer.explain(flagged)).rejects.toBeInstanceOf(ExplainError);
    expect(server!.chatRequests()).toHaveLength(2);
  });

  it('never lets the API key into the explanation', async () => {
    const explainer = await explainerWith(
      ({ headers }) => json({ ...good, reason: `leaked ${headers.authorization}` }),
      'sk-secret-123',
    );
    expect((await explainer.explain(flagged)).reason).toBe('leaked Bearer ***');
  });
});

describe('readExplanation', () => {
  it('keeps a fix that covers the line within the function, drops one that does not, and keeps the rest', () => {
    const fix = { start_line: 12, end_line: 12, code: '  snprintf(buf, sizeof buf, "%s", src);' };
    const kept = readExplanation(JSON.stringify({ ...good, fix }), flagged, 'm');
    expect(kept).toEqual({
      explanation: {
        line: 12,
        reason: good.reason,
        model: 'm',
        suggestion: { startLine: 12, endLine: 12, code: fix.code },
      },
    });
    const elsewhere = readExplanation(
      JSON.stringify({ ...good, fix: { ...fix, start_line: 14, end_line: 14 } }),
      flagged,
      'm',
    );
    expect(elsewhere).toEqual({ explanation: { line: 12, reason: good.reason, model: 'm' } });
  });

  it('names what is wrong with an answer that does not match the schema', () => {
    expect(readExplanation('{"line": "12", "reason": "x", "fix": null}', flagged, 'm')).toEqual({
      problem: expect.stringContaining('/line must be integer'),
    });
    expect(readExplanation('{"line": 12, "reason": "   ", "fix": null}', flagged, 'm')).toEqual({
      problem: 'the reason is empty',
    });
  });
});

describe('explainFindings', () => {
  it('explains new findings at or above the threshold, within the cap; the rules backend’s need no request; failures keep the finding', async () => {
    const explainer = await explainerWith(({ body }) => {
      const user = body.messages!.find((m) => m.role === 'user')!.content;
      return user.includes('`broken`') ? status(500) : json(good);
    });
    const strong = finding({}, { confidence: 0.95 });
    const weak = finding({ name: 'weak' }, { confidence: 0.3 });
    const old: Finding = {
      ...finding({ name: 'old' }, { confidence: 0.9 }),
      baseline: { state: 'unchanged', baseConfidence: 0.9 },
    };
    const rules = finding(
      { name: 'ruled' },
      { backend: 'rules', reason: 'strcpy without bound', line: 3, confidence: 0.9 },
    );
    const broken = finding({ name: 'broken' }, { confidence: 0.92 });
    const tooMany = finding({ name: 'capped' }, { confidence: 0.91 });
    const all = [strong, old, rules, broken, tooMany, weak];
    const { findings, stats } = await explainFindings(all, explainer, {
      reportable: (f) => f.baseline?.state !== 'unchanged',
      minConfidence: 0.5,
      max: 3,
    });
    expect(findings).toHaveLength(all.length);
    expect(findings[0]).toMatchObject({ line: 12, explanation: { line: 12, model: 'qwen-coder' } });
    for (const i of [1, 2, 3, 4, 5]) expect(findings[i]).toBe(all[i]);
    expect(stats).toMatchObject({ asked: 2, explained: 1, failed: 1, fromBackend: 1, notReached: 0 });
    expect(stats.failures[0]).toContain('HTTP 500');
  });
});
