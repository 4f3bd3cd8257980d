/* Handlers whose braces hide in macros: tree-sitter cannot see the functions. */
#include "server.h"

#define BEGIN_HANDLER(name) int name(struct req *r) {
#define END_HANDLER }

BEGIN_HANDLER(read_handler)
	char buf[16];
	memcpy(buf, r->data, r->len);
	return reply(r, buf);
END_HANDLER

BEGIN_HANDLER(stat_handler)
	return reply(r, stats());
END_HANDLER

int handler_count(void)
{
	return 2;
}
