char last_before(void)
{
    char buffer[100];
    char *p;
    memset(buffer, 'A', 99);
    buffer[99] = '\0';
    p = buffer + 4;
    return p[0];
}
