long next_ticket(void)
{
    long ticket = 0;
    char buf[32];
    if (fgets(buf, sizeof(buf), stdin) == NULL)
        return -1;
    ticket = atol(buf);
    return ticket * 1000;
}
