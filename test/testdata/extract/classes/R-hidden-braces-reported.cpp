class Server {
 public:
  int first(int a) {
    return a + 1;
  }

  HANDLER_BEGIN(read_handler)
    char buf[16];
    if (r->len > sizeof buf) {
      return -1;
    }
    memcpy(buf, r->data, r->len);
    return reply(r, buf);
  HANDLER_END

  int last() const { return n_; }
  int n_;
};

int after(int x) {
  return x * 2;
}
