class Json {
 public:
  template <typename T, enable_if_t<is_json<T>::value, int> = 0>
  LIB_DEPRECATED_FOR(3.1, json_pointer or pointer<T>) // NOLINT
  bool contains(const pointer<T>& ptr) const
  {
    return ptr.contains(this);
  }

  template <>
  LIB_API
  bool contains(const char* key) const
  {
    return find(key) != end();
  }
};
