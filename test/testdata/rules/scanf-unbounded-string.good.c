int parse_user(FILE *in, struct user *u)
{
    char login[32];
    if (fscanf(in, "%31s %d", login, &u->id) != 2)
        return -1;
    u->login = strdup(login);
    return 0;
}
