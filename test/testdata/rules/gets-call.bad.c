int read_name(void)
{
    char name[64];
    gets(name);
    return name[0] == 'y';
}
