namespace lib {
namespace refcount {

template <typename T>
class counted {
 public:
  int use_count() const { return n_; }

  friend bool operator==(const counted& a, const counted& b) { return a.n_ == b.n_; }

 protected:
  LIB_DEFAULTED_FUNCTION(~counted(), {})

  friend void add_ref<T>(const counted<T>* p);
  friend void release<T>(const counted<T>* p);
};

template <typename T>
inline void add_ref(const counted<T>* p) {
  ++p->n_;
}

template <typename T>
inline void release(const counted<T>* p) {
  if (--p->n_ == 0)
    delete p;
}

namespace {
int live_objects() { return 0; }
}  // namespace

}  // namespace refcount

int total() { return refcount::live_objects(); }

}  // namespace lib
