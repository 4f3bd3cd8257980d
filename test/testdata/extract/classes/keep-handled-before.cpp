#include <gtest/gtest.h>

TEST(Tokenizer, SplitsOnSpace) {
  EXPECT_EQ(2, count("a b"));
}

TEST_F(Fixture, Empty)
{
  EXPECT_TRUE(true);
}

__attribute__((noinline)) static int cold_path(int x) {
  return x + 1;
}

[[nodiscard]] int checked(int v) {
  return v * 2;
}

LIB_EXPORT int exported(int v) {
  return v - 1;
}

auto trailing(int v) -> long {
  return v;
}

template <typename T>
  requires std::integral<T>
T constrained(T v) {
  return v;
}

int guarded(int v) try {
  return may_throw(v);
} catch (...) {
  return -1;
}

struct Num {
  template <typename U>
  bool operator==(const U& other) const {
    return v == other.v;
  }
  Num() = default;
  Num(const Num&) = delete;
  int v;
};

int with_lambda(std::vector<int>& xs) {
  auto twice = [](int x) {
    return x * 2;
  };
  struct Local {
    int get() { return 1; }
  };
  return twice(xs[0]) + Local().get();
}
