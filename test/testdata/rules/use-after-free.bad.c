void drop_session(struct session *s)
{
    char *token = strdup(s->token);
    if (token == NULL)
        return;
    free(token);
    audit_log("dropped", token);
}
