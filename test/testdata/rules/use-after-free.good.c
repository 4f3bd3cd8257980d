void drop_session(struct session *s)
{
    char *token = strdup(s->token);
    if (token == NULL)
        return;
    audit_log("dropped", token);
    free(token);
}
