#include "proc.h"

#if USE_FAST
void process(Buffer& b) {
  fast(b);
#else
void process(Buffer& b, int flags) {
  slow(b, flags);
#endif
  finish(b);
}

int check(int x) {
#if STRICT
  if (x > 0) {
#else
  if (x >= 0) {
#endif
    return 1;
  }
  return 0;
}

void later() {
  run();
}
