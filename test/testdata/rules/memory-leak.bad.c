void print_copy(const char *text)
{
    char *copy = malloc(100);
    if (copy == NULL)
        return;
    strncpy(copy, text, 99);
    copy[99] = '\0';
    printf("%s\n", copy);
}
