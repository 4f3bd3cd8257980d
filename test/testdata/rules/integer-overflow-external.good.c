long next_ticket(void)
{
    long ticket = 0;
    char buf[32];
    if (fgets(buf, sizeof(buf), stdin) == NULL)
        return -1;
    ticket = atol(buf);
    if (ticket < 0 || ticket > LONG_MAX / 1000)
        return -1;
    return ticket * 1000;
}
