// The light data flow that separates a flawed function from its fixed twin: branches, guards, aliases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/model/backend.ts';
import { createRulesBackend } from '../../src/model/rules/index.ts';
import type { Lang } from '../../src/types.ts';

let backend: Backend;
beforeAll(async () => {
  backend = await createRulesBackend();
});
afterAll(async () => {
  await backend.close?.();
});

async function rules(source: string, lang: Lang = 'c'): Promise<string[]> {
  const verdict = await backend.analyse({ source, lang });
  return verdict.rawAnswer === 'none' ? [] : verdict.rawAnswer.split(',');
}

describe('branches', () => {
  it('does not carry a free in the then-branch into the else-branch', async () => {
    const source = `void f(char *p, int ok)
{
    if (!ok) {
        free(p);
    } else {
        use(p);
    }
}`;
    expect(await rules(source)).not.toContain('use-after-free');
  });

  it('treats a free followed by return as ending only its own path', async () => {
    const source = `int f(size_t n)
{
    char *p = malloc(n);
    if (p == NULL)
        return -1;
    if (fill(p) < 0) {
        free(p);
        return -1;
    }
    free(p);
    return 0;
}`;
    expect(await rules(source)).toEqual([]);
  });

  it('still sees a use after a free on the same path', async () => {
    const source = `void f(char *p)
{
    free(p);
    if (p[0] == 'x')
        return;
}`;
    expect(await rules(source)).toContain('use-after-free');
  });
});

describe('guards', () => {
  const read = `    int n;
    if (fscanf(stdin, "%d", &n) != 1)
        return;`;

  it('reads `if (n > 10) { use }` as a floor, not a ceiling', async () => {
    const source = `void f(void)
{
    int table[10] = {0};
${read}
    if (n > 10) {
        table[n] = 1;
    }
}`;
    expect(await rules(source)).toContain('unchecked-external-index');
  });

  it('reads `if (n < 0 || n >= 10) return;` as bounding what follows', async () => {
    const source = `void f(void)
{
    int table[10] = {0};
${read}
    if (n < 0 || n >= 10)
        return;
    table[n] = 1;
}`;
    expect(await rules(source)).toEqual([]);
  });

  it('forgets a check when the value is written again', async () => {
    const source = `void f(void)
{
    int table[10] = {0};
${read}
    if (n < 0 || n >= 10)
        return;
    n = atoi(getenv("SLOT"));
    table[n] = 1;
}`;
    expect(await rules(source)).toContain('unchecked-external-index');
  });
});

describe('values and aliases', () => {
  it('follows a pointer to the buffer it aliases', async () => {
    const source = `void f(void)
{
    char small[10];
    char *dst = small;
    char src[100];
    memset(src, 'A', 99);
    src[99] = '\\0';
    strcpy(dst, src);
}`;
    expect(await rules(source)).toContain('copy-exceeds-destination');
  });

  it('knows strncat stops at the source string and the NUL it adds', async () => {
    const fits = `void f(void)
{
    char dst[100] = "";
    char src[100];
    memset(src, 'C', 99);
    src[99] = '\\0';
    strncat(dst, src, 100);
}`;
    expect(await rules(fits)).toEqual([]);
    expect(await rules(fits.replace('char dst[100]', 'char dst[50]'))).toContain('length-exceeds-buffer');
  });

  it('treats std::cin as input in C++', async () => {
    const source = `void Inventory::pick()
{
    int slots[8] = {0};
    int n = 0;
    std::cin >> n;
    slots[n] = 1;
}`;
    expect(await rules(source, 'cpp')).toContain('unchecked-external-index');
  });

  it('does not call a variable uninitialised when a macro-like call may set it', async () => {
    const source = `void f(struct dev *d)
{
    unsigned long flags;
    spin_lock_irqsave(&d->lock, flags);
    d->count++;
    spin_unlock_irqrestore(&d->lock, flags);
}`;
    expect(await rules(source)).not.toContain('uninitialized-use');
  });

  it('lists every rule that fired, strongest first', async () => {
    const source = `void f(void)
{
    char buf[8];
    gets(buf);
    char *p = malloc(16);
    p[0] = buf[0];
}`;
    const verdict = await backend.analyse({ source, lang: 'c' });
    expect(verdict.rawAnswer.split(',')[0]).toBe('gets-call');
    expect(verdict.rawAnswer.split(',')).toEqual(
      expect.arrayContaining(['unchecked-null-result', 'memory-leak']),
    );
    expect(verdict.line).toBe(4);
  });
});
