char *make_greeting(const char *who)
{
    char *msg = malloc(64);
    snprintf(msg, 64, "hello %s", who);
    return msg;
}
