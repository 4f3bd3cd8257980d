#include "widget.h"

Widget::Widget(int w)
    : width_(w),
#if HAS_HEIGHT
      height_(0),
#endif
      depth_(1) {
  init();
}

int Widget::area() const {
  return width_ * depth_;
}

void Widget::init() {
  count_ = 0;
}

class Frame {
 public:
  Frame(int id)
      : id_(id)
#ifdef WITH_NAME
      , name_("frame")
#else
      , name_()
#endif
  {
    ready_ = true;
  }

  int id() const { return id_; }
};
