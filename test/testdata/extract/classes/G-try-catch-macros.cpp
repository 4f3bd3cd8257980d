#include "lib.h"

int load(const char* path) {
  LIB_TRY {
    open(path);
  } LIB_CATCH(const std::exception& e) {
    log(e.what());
    return -1;
  }
  return 0;
}

void save(const char* path) {
  LIB_TRY {
    write(path);
  }
  LIB_CATCH_ALL {
    rollback();
  }
}

int third() {
  return 3;
}
