void remember_host(struct conn *c)
{
    char host[128];
    char *env = getenv("REMOTE_HOST");
    if (env == NULL)
        return;
    strcpy(host, env);
    log_host(c, host);
}
