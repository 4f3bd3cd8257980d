class Json {
 public:
  void push_back(list init) {
    if (is_object() && init.size() == 2) {
      auto&& key = init.begin()->moved();
      push_back(typename object_t::value_type(
          std::move(key.get_ref<string_t&>()), (init.begin() + 1)->moved()));
    } else {
      push_back(Json(init));
    }
  }

  Json& operator+=(list init) {
    push_back(init);
    return *this;
  }

  reference at(size_t idx) {
    return m_value.array->operator[](idx);
  }

  size_t size() const { return n_; }
};
