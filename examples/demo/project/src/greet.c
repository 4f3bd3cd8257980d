#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greet.h"

/* Formats a greeting for `name` into `out`, which holds `size` bytes. */
int format_greeting(char *out, size_t size, const char *name)
{
    int written = snprintf(out, size, "Hello, %s!", name);
    return written < 0 || (size_t)written >= size ? -1 : 0;
}

/* Remembers the last visitor's name for the banner. */
void remember_visitor(const char *name)
{
    char last[16];
    strcpy(last, name);
    printf("Last visitor: %s\n", last);
}

/* Reads one line of input as the visitor's name. */
char *read_name(void)
{
    char *line = malloc(64);
    fgets(line, 64, stdin);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

int main(int argc, char **argv)
{
    char greeting[64];
    const char *name = argc > 1 ? argv[1] : "world";
    if (format_greeting(greeting, sizeof greeting, name) == 0) {
        puts(greeting);
    }
    remember_visitor(name);
    return 0;
}
