// tokenizer.cpp - a small tokenizer, written for the vulnreview test data.
// Exercises the C++ forms the extractor must find.
#include <cstddef>
#include <string>
#include <vector>

namespace text {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

}  // namespace

struct Token {
  std::string value;
  std::size_t offset;

  bool operator==(const Token& other) const {
    return value == other.value && offset == other.offset;
  }
};

class Tokenizer {
 public:
  explicit Tokenizer(std::string input) : input_(std::move(input)), pos_(0) {}
  ~Tokenizer() {
    input_.clear();
  }
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = default;

  std::vector<Token> operator()() {
    std::vector<Token> out;
    auto flush = [&](std::size_t start) {
      if (pos_ > start) {
        out.push_back(Token{input_.substr(start, pos_ - start), start});
      }
    };
    std::size_t start = pos_;
    while (pos_ < input_.size()) {
      if (is_space(input_[pos_])) {
        flush(start);
        start = pos_ + 1;
      }
      ++pos_;
    }
    flush(start);
    return out;
  }

  explicit operator bool() const { return pos_ < input_.size(); }

  template <typename Pred>
  std::size_t skip_while(Pred pred) {
    while (pos_ < input_.size() && pred(input_[pos_])) ++pos_;
    return pos_;
  }

  friend bool operator!=(const Tokenizer& a, const Tokenizer& b) { return a.pos_ != b.pos_; }

  class Cursor {
   public:
    explicit Cursor(const Tokenizer& t) : t_(t) {}
    char peek() const;

   private:
    const Tokenizer& t_;
  };

  std::size_t remaining() const;

 private:
  std::string input_;
  std::size_t pos_;
};

char Tokenizer::Cursor::peek() const { return t_.input_.empty() ? '\0' : t_.input_[t_.pos_]; }

std::size_t Tokenizer::remaining() const
{
  return input_.size() - pos_;
}

template <typename T>
T clamp_len(T value, T limit)
{
  return value < limit ? value : limit;
}

template <>
std::size_t clamp_len<std::size_t>(std::size_t value, std::size_t limit)
{
  return value < limit ? value : limit;
}

}  // namespace text

namespace text::detail {
int count_tokens(const std::string& s) try {
  text::Tokenizer t(s);
  return static_cast<int>(t().size());
} catch (...) {
  return -1;
}
}  // namespace text::detail

extern "C" {
int tok_count(const char* s) { return text::detail::count_tokens(s); }
}

extern "C" void tok_free(char* p) { delete[] p; }

int main(int argc, char** argv)
{
  (void)argc;
  return tok_count(argv[0]) < 0;
}

namespace text {
struct Span {
  Span(std::size_t b, std::size_t e);
  ~Span();
  struct Bounds {
    Bounds();
    ~Bounds();
  };
#ifdef TEXT_DEBUG
  void dump() const { }
#endif
  std::size_t b_, e_;
};

Span::Span(std::size_t b, std::size_t e) : b_(b), e_(e) {}

Span::~Span() {}

Span::Bounds::Bounds() = default;

Span::Bounds::~Bounds()
{
}

template <typename T>
template <typename U>
T Holder<T>::convert(U u)
{
  return static_cast<T>(u);
}

bool operator<(const Span& a, const Span& b) { return a.b_ < b.b_; }
}  // namespace text
