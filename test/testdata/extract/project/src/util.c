#include "util.h"

int util_a(int x)
{
	return x + 2;
}

int util_c(int x)
{
	return x * 2;
}

int util_b(const char *s)
{
	int n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}
