void store_level(char *levels)
{
    int level = 0;
    char line[16];
    if (fgets(line, sizeof(line), stdin) != NULL)
        level = atoi(line);
    levels[0] = (char)level;
}
