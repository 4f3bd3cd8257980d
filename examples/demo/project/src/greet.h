#ifndef GREET_H
#define GREET_H

#include <stddef.h>

int format_greeting(char *out, size_t size, const char *name);
void remember_visitor(const char *name);
char *read_name(void);

#endif
