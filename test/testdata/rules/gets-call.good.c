int read_name(void)
{
    char name[64];
    if (fgets(name, sizeof(name), stdin) == NULL)
        return 0;
    return name[0] == 'y';
}
