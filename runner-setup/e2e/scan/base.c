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
