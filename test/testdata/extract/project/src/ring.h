// ring.h - a header-only ring buffer: C++ in a .h file.
#pragma once
#include <cstddef>

namespace ring {

template <typename T, std::size_t N>
class Ring {
 public:
  bool push(const T& v) {
    if (size_ == N) return false;
    data_[(head_ + size_) % N] = v;
    ++size_;
    return true;
  }

  std::size_t size() const { return size_; }

 private:
  T data_[N];
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace ring
