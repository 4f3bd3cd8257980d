namespace lib {

#ifndef LIB_HEADER_ONLY
extern template LIB_API auto sep_impl<char>(locale_ref)
    -> sep_result<char>;
extern template LIB_API auto point_impl(locale_ref) -> char;
#endif

#if LIB_USE_LITERALS
inline namespace literals {
inline auto operator"" _a(const char* s, size_t) -> arg {
  return {s};
}
}  // namespace literals
#endif

extern template struct holder<int>;
struct holder_traits {
  int size() const { return 4; }
};

}  // namespace lib
