void reset_name(void)
{
    char local[32];
    char *name = local;
    strcpy(name, "anonymous");
    show(name);
    free(name);
}
