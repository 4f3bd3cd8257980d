void list_dir(void)
{
    char cmd[256] = "ls ";
    char *dir = getenv("TARGET_DIR");
    if (dir == NULL)
        return;
    strncat(cmd, dir, sizeof(cmd) - strlen(cmd) - 1);
    system(cmd);
}
