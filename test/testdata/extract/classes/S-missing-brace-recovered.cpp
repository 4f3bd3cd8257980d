class A {
 public:
  void f() {
    if (x) {
      y();
  }

  void g() { y(); }
  int h() const { return n_; }
  int n_;
};
