// What each server's refusal means, read from its words: the top_logprobs limit it names, or a prompt over
// its context. Every message below is quoted from the server's source (see src/model/failures.ts).
import { describe, expect, it } from 'vitest';
import { describeStatus, errorFields, isContextTooLong, topLogprobsLimit } from '../../src/model/failures.ts';

const response = (status: number, body: unknown) => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('topLogprobsLimit', () => {
  it.each([
    ['TGI', 'Input validation error: `top_n_tokens` must be >= 0 and <= 5. Given: 10', 5],
    ['vLLM', 'Requested sample logprobs of 10, which is greater than max allowed: 3', 3],
    [
      'vLLM (newer)',
      'Requested sample logprobs of 21, which is greater than max allowed: 20 (parameter=logprobs, value=21)',
      20,
    ],
    ['Ollama', 'top_logprobs must be between 0 and 20', 20],
    [
      'OpenAI',
      "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 25 instead.",
      20,
    ],
  ])('reads %s', (_server, message, limit) => {
    expect(topLogprobsLimit(message)).toBe(limit);
  });

  it('names no limit for refusals about something else', () => {
    expect(
      topLogprobsLimit('Input validation error: `temperature` must be strictly positive'),
    ).toBeUndefined();
    expect(topLogprobsLimit("This model does not support the 'logprobs' parameter.")).toBeUndefined();
    expect(topLogprobsLimit('top_logprobs requires logprobs to be set to true')).toBeUndefined();
  });
});

describe('isContextTooLong', () => {
  it.each([
    [
      'TGI total',
      'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4100 `inputs` tokens and 4 `max_new_tokens`',
    ],
    ['TGI input', 'Input validation error: `inputs` must have less than 4095 tokens. Given: 5000'],
    [
      'vLLM serving',
      "This model's maximum context length is 8192 tokens. However, your request has 9000 input tokens. Please reduce the length of the input messages.",
    ],
    [
      'vLLM max_tokens',
      "'max_tokens' or 'max_completion_tokens' is too large: 4. This model's maximum context length is 8192 tokens and your request has 8190 input tokens (4 > 8192 - 8190).",
    ],
    [
      'vLLM engine',
      'The decoder prompt (length 9000) is longer than the maximum model length of 8192. Make sure that `max_model_len` is no smaller than the number of text tokens.',
    ],
    [
      'llama.cpp',
      'request (5000 tokens) exceeds the available context size (4096 tokens), try increasing it',
    ],
    ['llama.cpp older', 'input (5000 tokens) is larger than the max context size (4096 tokens). skipping'],
    [
      'OpenAI',
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
    ],
    ['Ollama', 'the input length exceeds the context length'],
  ])('recognises %s', (_server, message) => {
    expect(isContextTooLong(message)).toBe(true);
  });

  it('recognises the codes alone', () => {
    expect(isContextTooLong('Input too large', 'context_length_exceeded')).toBe(true);
    expect(isContextTooLong('no room', 'exceed_context_size_error')).toBe(true);
  });

  it('does not take limits on other parameters for a long input', () => {
    expect(isContextTooLong('Input validation error: `top_n_tokens` must be >= 0 and <= 5. Given: 10')).toBe(
      false,
    );
    expect(isContextTooLong('Requested sample logprobs of 10, which is greater than max allowed: 5')).toBe(
      false,
    );
    expect(isContextTooLong('Input validation error: `max_new_tokens` must be <= 1024. Given: 2000')).toBe(
      false,
    );
  });
});

describe('describeStatus', () => {
  it("reads TGI's {error, error_type} and llama.cpp's nested type", () => {
    expect(errorFields(JSON.stringify({ error: 'Model is overloaded', error_type: 'overloaded' }))).toEqual({
      text: 'Model is overloaded',
      code: 'overloaded',
    });
    const llama = describeStatus(
      response(400, {
        error: {
          code: 400,
          message: 'no room left',
          type: 'exceed_context_size_error',
          n_prompt_tokens: 9,
          n_ctx: 8,
        },
      }),
    );
    expect(llama).toMatchObject({ tooLong: true, retryable: false });
  });

  it("retries TGI's 424 and carries the named top_logprobs limit on a 422", () => {
    expect(
      describeStatus(
        response(424, { error: 'Request failed during generation: OOM', error_type: 'generation' }),
      ),
    ).toMatchObject({ retryable: true, message: 'HTTP 424: Request failed during generation: OOM' });
    expect(
      describeStatus(
        response(422, {
          error: 'Input validation error: `top_n_tokens` must be >= 0 and <= 2. Given: 5',
          error_type: 'validation',
        }),
      ),
    ).toMatchObject({ rejected: true, retryable: false, topLogprobsLimit: 2 });
  });

  it("reads TGI's empty 401 body", () => {
    expect(describeStatus(response(401, '')).message).toMatch(/not authorised \(401\): \(empty body\)/);
  });
});
