namespace net {
namespace detail {

int cancel(socket_state& s) {
  int ec = 0;
  if (s.closed) {
    ec = EBADF;
  }
#if defined(NET_ENABLE_CANCELIO)
  else if (s.owner == 0) {
    ec = 0;
  } else {
    ec = cancel_io(s.fd);
  }
#else
  else {
    ec = ENOTSUP;
  }
#endif
  if (ec == 0)
    s.pending = 0;
  return ec;
}

int open_socket(socket_state& s, int family) {
  s.fd = ::socket(family, SOCK_STREAM, 0);
  return s.fd < 0 ? errno : 0;
}

}  // namespace detail
}  // namespace net
