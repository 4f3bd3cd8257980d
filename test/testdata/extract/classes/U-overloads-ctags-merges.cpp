// ctags runs the first map() on to the end of the second (the macro in its template head makes
// it read the first body as a lambda) and misses the first; each map() is its own definition.
namespace fmtlite {

template <typename Context>
class arg_mapper {
 public:
  template <typename T, std::size_t N,
            LIB_ENABLE_IF(!std::is_same<T, wchar_t>::value)>
  LIB_CONSTEXPR LIB_INLINE auto map(const T (&values)[N]) -> const T (&)[N] {
    return values;
  }

  template <typename T,
            LIB_ENABLE_IF(std::is_enum<T>::value&& std::is_convertible<T, int>::value &&
                          !has_formatter<T, Context>::value)>
  LIB_DEPRECATED LIB_CONSTEXPR LIB_INLINE auto map(const T& val)
      -> decltype(std::declval<arg_mapper>().map(static_cast<underlying_t<T>>(val))) {
    return map(static_cast<underlying_t<T>>(val));
  }

  LIB_CONSTEXPR auto map(bool val) -> bool { return val; }
};

}  // namespace fmtlite
