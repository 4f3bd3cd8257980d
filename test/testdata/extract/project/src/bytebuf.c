/*
 * bytebuf.c - a growable byte buffer, written for the vulnreview test data.
 * Exercises the C forms the extractor must find.
 */
#include <stdlib.h>
#include <string.h>
#include "bytebuf.h"

#define BB_MIN_CAP 16

/* Old-style (K&R) definition, still found in long-lived C code. */
int
bb_legacy_size(buf, extra)
	struct bytebuf *buf;
	size_t extra;
{
	return (int)(buf->len + extra);
}

static size_t bb_round_up(size_t n)
{
	size_t cap = BB_MIN_CAP;
	while (cap < n)
		cap *= 2;
	return cap;
}

static inline int bb_full(const struct bytebuf *buf) { return buf->len == buf->cap; }

int bb_reserve(struct bytebuf *buf, size_t want)
{
	unsigned char *grown;
	grown = realloc(buf->data, bb_round_up(want));
	if (grown == NULL)
		return -1;
	buf->data = grown;
	buf->cap = bb_round_up(want);
	return 0;
}

unsigned char *bb_at(struct bytebuf *buf, size_t i)
{
	return buf->data + i;
}

/* Returns a function pointer. */
static int (*bb_pick(int which))(struct bytebuf *, size_t)
{
	return which ? bb_reserve : NULL;
}

#ifdef BB_DEBUG
void bb_dump(const struct bytebuf *buf)
{
	size_t i;
	for (i = 0; i < buf->len; i++)
		fprintf(stderr, "%02x", buf->data[i]);
}
#elif defined(BB_TRACE)
void bb_dump(const struct bytebuf *buf)
{
	fprintf(stderr, "len=%zu\n", buf->len);
}
#else
void bb_dump(const struct bytebuf *buf) { (void)buf; }
#endif

int bb_append(struct bytebuf *buf, const void *src, size_t n)
{
	if (bb_reserve(buf, buf->len + n) != 0)
		return -1;
	if (n == 0)
		return 0;
	memcpy(buf->data + buf->len, src, n);
	buf->len += n;
	return 0;
}

struct bb_stats { size_t appends; size_t bytes; };

void bb_free(struct bytebuf *buf)
{
	free(buf->data);
	buf->data = NULL;
}

size_t bb_left(const struct bytebuf *buf)
{
	return buf->cap - buf->len;
}
