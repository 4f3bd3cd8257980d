void echo_line(FILE *in)
{
    char line[256];
    if (fgets(line, sizeof(line), in) == NULL)
        return;
    printf("%s", line);
}
