// Scopes counted from braces (src/extract/scopes.ts): what names a definition gets where tree-sitter's
// error recovery lost track of its namespaces and classes.
import { describe, expect, it } from 'vitest';
import { Scopes } from '../../src/extract/scopes.ts';

/** The scope at the marker `@` (removed from the text before counting). */
function scopeAt(source: string) {
  const at = source.indexOf('@');
  const scopes = Scopes.of(source.replace('@', ' '));
  return scopes?.at(at);
}

describe('Scopes', () => {
  it('names nested, qualified, inline and anonymous namespaces', () => {
    expect(scopeAt('namespace a { namespace b::c { inline namespace v1 { namespace { @ } } } }')).toEqual({
      names: ['a', 'b::c', 'v1', '(anonymous namespace)'],
      classDepth: 0,
    });
  });

  it('names classes as the tree does, template arguments included, and counts them', () => {
    const text = `namespace ns {
template <class T> struct box<T*> final : base<T> {
  class inner // a comment
  { void f() { @ } };
};
}`;
    expect(scopeAt(text)).toEqual({ names: ['ns', 'box<T*>', 'inner'], classDepth: 2 });
  });

  it('reads a namespace head with a comment before its brace', () => {
    expect(scopeAt('namespace std // NOLINT(cert-dcl58-cpp)\n{ @ }')).toEqual({
      names: ['std'],
      classDepth: 0,
    });
  });

  it('does not take enums, functions returning a struct, initialisers or lambdas for scopes', () => {
    const text = `namespace n {
enum class color { red, green };
struct point *make(int x) { return 0; }
struct point origin = { 0, 0 };
auto f = [](int x) { return x; };
void g() { @ }
}`;
    expect(scopeAt(text)).toEqual({ names: ['n'], classDepth: 0 });
  });

  it('reads past a brace initialiser inside template arguments of a class head', () => {
    const text = `namespace d {
template <typename T, typename P>
struct trait<T, P, typename enable_if<(static_cast<void>(T::query(P{})), true)>::type>
{
  static constexpr int value() noexcept { @ return 0; }
};
}`;
    const scope = scopeAt(text);
    expect(scope?.names[0]).toBe('d');
    expect(scope?.names[1]).toMatch(/^trait<T, P, typename enable_if</);
    expect(scope?.classDepth).toBe(1);
  });

  it('ends a scope at its own closing brace', () => {
    expect(scopeAt('namespace a { namespace b { void f() { if (x) { } } } } void g() { @ }')).toEqual({
      names: [],
      classDepth: 0,
    });
  });

  it('gives no answer when the braces do not balance', () => {
    expect(Scopes.of('namespace a { void f() { }')).toBeUndefined();
    expect(Scopes.of('namespace a { } }')).toBeUndefined();
  });

  it('gives no answer inside a namespace whose head it cannot read', () => {
    const scopes = Scopes.of('namespace [[deprecated]] old { void f() { } }');
    expect(scopes).toBeDefined();
    expect(scopes?.at(30)).toBeUndefined();
  });
});
