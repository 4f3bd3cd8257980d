namespace http {
namespace detail {

template <class Stream, class Buffer>
class read_some_op : coro::coroutine {
 public:
  template <class Self>
  void operator()(Self& self, error_code ec = {}, std::size_t n = 0) {
    CORO_REENTER(*this) {
      if (buf_.size() == 0)
        goto do_read;
      for (;;) {
        if (ec != error::need_more)
          break;
      do_read:
        CORO_YIELD {
          auto const size = read_size(buf_, 65536);
          stream_.async_read_some(buf_.prepare(size), std::move(self));
        }
        buf_.commit(n);
        if (ec)
          break;
      }
      self.complete(ec, total_);
    }
  }

  void reset() { total_ = 0; }

 private:
  Stream& stream_;
  Buffer& buf_;
  std::size_t total_ = 0;
};

inline int apply_op(document& doc, const op_t& op) {
  switch (op.kind) {
    case op_kind::test: {
      bool ok = false;
      LIB_TRY {
        ok = doc.at(op.path) == op.value;
      }
      LIB_CATCH(out_of_range&) {
        ok = false;
      }
      if (!ok)
        return -1;
      break;
    }
    default: {
      LIB_TRY {
        doc.apply(op);
      }
      LIB_CATCH(std::exception&) {
        return -2;
      }
    }
  }
  return 0;
}

inline int after_apply(int x) {
  return x + 1;
}

}  // namespace detail
}  // namespace http
