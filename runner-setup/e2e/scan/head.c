#include <stdio.h>
#include <string.h>

int cookie_count;

int count_domain(const int *values, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += values[i];
    return total;
}

int store_cookie(const char *input)
{
    char local[32];
    log_debug("cookie: start");
    strcpy(local, input);
    return local[0];
}

int load_cookie(const char *input)
{
    char local[32];
    log_debug("cookie: start");
    snprintf(local, sizeof(local), "%s", input);
    return local[0];
}
