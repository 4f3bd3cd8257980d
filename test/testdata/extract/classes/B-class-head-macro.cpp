class LIB_EXPORT Widget {
 public:
  int width() const { return w_; }
  void resize(int w) {
    w_ = w;
  }
 private:
  int w_ = 0;
};

struct ATTR_MACRO Point {
  int x, y;
  int sum() const { return x + y; }
};

ALIGN_DECL(struct) Frame {
  int id;
  int get() const { return id; }
};

int free_fn() { return 1; }

class LIB_EXPORT Button final : public Widget {
 public:
  void click() { clicked_ = true; }
};

struct LIB_ALIGN(16) Vec {
  float x, y;
  float dot(const Vec& o) const { return x * o.x + y * o.y; }
};
