#include <string>

LIB_NAMESPACE_BEGIN
namespace detail {

int helper(int x) {
  return x + 1;
}

class Parser {
 public:
  int parse(const std::string& s) {
    return static_cast<int>(s.size());
  }
};

}  // namespace detail
LIB_NAMESPACE_END

X_BEGIN_EXPORT
struct Codec {
  int encode(int v) const { return v * 2; }
};
X_END_EXPORT

int after(int y) {
  return y - 1;
}
