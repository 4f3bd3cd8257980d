void store_level(char *levels)
{
    int level = 0;
    char line[16];
    if (fgets(line, sizeof(line), stdin) != NULL)
        level = atoi(line);
    if (level < 0 || level > CHAR_MAX)
        return;
    levels[0] = (char)level;
}
