// The seed write-up's published figures (5,000 VDISC test functions, 350 vulnerable), kept verbatim so
// every report can print them beside ours. Source: ../shared/seed/finetuning-llms-for-vulnerability-detection.txt

export interface SeedDetectionRow {
  model: string;
  prompt: 'pd-1' | 'pd-2';
  fineTuned: boolean;
  unclassified: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Pre-trained models (the seed's third table) and its Table 4 (best fine-tuned, with GPT-4 as baseline). */
export const SEED_DETECTION: readonly SeedDetectionRow[] = [
  {
    model: 'Deepseek-coder-6.7b-instruct',
    prompt: 'pd-1',
    fineTuned: false,
    unclassified: 143,
    precision: 0.04,
    recall: 0.378,
    f1: 0.072,
  },
  {
    model: 'GPT-4-0613',
    prompt: 'pd-1',
    fineTuned: false,
    unclassified: 1,
    precision: 0.164,
    recall: 0.442,
    f1: 0.239,
  },
  {
    model: 'Llama-2-7b-chat',
    prompt: 'pd-1',
    fineTuned: false,
    unclassified: 129,
    precision: 0.052,
    recall: 0.957,
    f1: 0.099,
  },
  {
    model: 'Llama-2-7b-chat',
    prompt: 'pd-2',
    fineTuned: false,
    unclassified: 394,
    precision: 0.051,
    recall: 1.0,
    f1: 0.098,
  },
  {
    model: 'Llama-3-8B-Instruct',
    prompt: 'pd-1',
    fineTuned: false,
    unclassified: 138,
    precision: 0.073,
    recall: 0.638,
    f1: 0.131,
  },
  {
    model: 'Mistral-7B-Instruct-v0.2',
    prompt: 'pd-1',
    fineTuned: false,
    unclassified: 360,
    precision: 0.055,
    recall: 0.513,
    f1: 0.1,
  },
  {
    model: 'Mistral-7B-Instruct-v0.2',
    prompt: 'pd-2',
    fineTuned: false,
    unclassified: 941,
    precision: 0.103,
    recall: 0.6,
    f1: 0.177,
  },
  {
    model: 'Llama-3 (fine-tuned)',
    prompt: 'pd-1',
    fineTuned: true,
    unclassified: 0,
    precision: 0.391,
    recall: 0.457,
    f1: 0.422,
  },
  {
    model: 'Deepseek-Coder (fine-tuned)',
    prompt: 'pd-1',
    fineTuned: true,
    unclassified: 0,
    precision: 0.277,
    recall: 0.44,
    f1: 0.34,
  },
];

/** Table 5: per-class accuracy of the best fine-tuned Llama-3. */
export const SEED_PER_CLASS: readonly {
  cls: string;
  correct: number;
  incorrect: number;
  accuracy: number;
}[] = [
  { cls: 'CWE-119', correct: 60, incorrect: 42, accuracy: 0.588 },
  { cls: 'CWE-120', correct: 56, incorrect: 36, accuracy: 0.609 },
  { cls: 'CWE-469', correct: 5, incorrect: 3, accuracy: 0.625 },
  { cls: 'CWE-476', correct: 5, incorrect: 51, accuracy: 0.089 },
  { cls: 'CWE-other', correct: 34, incorrect: 58, accuracy: 0.37 },
  { cls: 'Non-vulnerable', correct: 4401, incorrect: 249, accuracy: 0.946 },
];

const normalise = (name: string): string => name.toLowerCase().replace(/[^a-z0-9.]+/g, '');

/**
 * The seed's row for a pre-trained model run with the same prompt, when the model name names one
 * (e.g. `meta-llama/Meta-Llama-3-8B-Instruct` matches `Llama-3-8B-Instruct`). Fine-tuned adapters have
 * names of the user's choosing and match none; reports print the seed's Table 4 and 5 as a reference anyway.
 */
export function seedRowFor(model: string, prompt: string): SeedDetectionRow | undefined {
  const ours = normalise(model);
  return SEED_DETECTION.find(
    (row) => !row.fineTuned && row.prompt === prompt.toLowerCase() && ours.endsWith(normalise(row.model)),
  );
}
