void release(size_t n)
{
    char *buf = malloc(n);
    if (buf == NULL)
        return;
    fill(buf, n);
    free(buf);
    free(buf);
}
