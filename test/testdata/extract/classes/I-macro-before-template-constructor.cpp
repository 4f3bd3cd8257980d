template <typename T>
class Box {
 public:
  LIB_CONSTEXPR20
  template <typename U, typename = enable_if_t<is_convertible<U, T>::value>>
  Box(U&& u)
      : value_(static_cast<T>(u)),
        n_(1) {}

  T get() const {
    return value_;
  }
  int n_;
  T value_;
};
