char *make_greeting(const char *who)
{
    char *msg = malloc(64);
    if (msg == NULL)
        return NULL;
    snprintf(msg, 64, "hello %s", who);
    return msg;
}
