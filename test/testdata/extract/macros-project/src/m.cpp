int LIBCALL add(int a, int b) {
  return a + b;
}

TESTSUITE(parsing) {
int parse(const char* s) {
  return s[0];
}
}
