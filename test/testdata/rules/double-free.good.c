void release(size_t n)
{
    char *buf = malloc(n);
    if (buf == NULL)
        return;
    if (fill(buf, n) < 0) {
        free(buf);
        return;
    }
    free(buf);
}
