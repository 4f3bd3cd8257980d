// ctags takes the base's brace initialiser `{ … }` for the constructor's body and ends the
// constructor two lines early; the body is the `{ }` after it.
namespace beastlite {
namespace detail {

template <class... Ts>
struct tuple : tuple_impl<
    mp11::index_sequence_for<Ts...>, Ts...>
{
    template <class... Us>
    explicit tuple(Us&&... us)
        : tuple_impl<
            mp11::index_sequence_for<Ts...>, Ts...>{
                std::forward<Us>(us)...}
    {
    }

    std::size_t size() const { return sizeof...(Ts); }
};

}  // namespace detail
}  // namespace beastlite
