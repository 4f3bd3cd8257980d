#include "io.h"

#ifdef _WIN32
int open_file(const wchar_t* path, int mode)
#else
int open_file(const char* path, int mode)
#endif
{
  return do_open(path, mode);
}

int close_file(int fd) {
  return do_close(fd);
}
