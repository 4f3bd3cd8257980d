int classify(int c) {
  int r = 0;
  if (c == 0) {
    r = 1;
  }
#if defined(HAS_A)
  else if (c == 1) {
    r = 2;
  }
#elif defined(HAS_B)
  else if (c == 2) {
    r = 3;
  }
#endif
  else {
    r = 4;
  }
  return r;
}

int next(int c) {
  return c + 1;
}
