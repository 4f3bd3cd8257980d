void reset_name(void)
{
    char *name = malloc(32);
    if (name == NULL)
        return;
    strcpy(name, "anonymous");
    show(name);
    free(name);
}
