class Widget {
 public:
  int size() const { return n_; }

 private:
  int n_;
  LIB_DECLARE_PRIVATE(Widget)
};

LIB_DECLARE_SHARED(Widget)

inline int Widget::twice() const {
  return n_ * 2;
}

LIB_DECLARE_TYPEINFO(Widget, LIB_MOVABLE_TYPE)
int Widget::third() const {
  return n_ * 3;
}
