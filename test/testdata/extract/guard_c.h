/* bytebuf.h - a C header that is also usable from C++ through the usual guard. */
#ifndef BYTEBUF_H
#define BYTEBUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bytebuf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

int bb_reserve(struct bytebuf *buf, size_t want);

static inline size_t bb_len(const struct bytebuf *buf)
{
	return buf->len;
}

#ifdef __cplusplus
}
#endif

#endif /* BYTEBUF_H */
