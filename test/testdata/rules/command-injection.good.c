void list_dir(void)
{
    char cmd[256] = "ls ";
    strncat(cmd, "/var/log", sizeof(cmd) - strlen(cmd) - 1);
    system(cmd);
}
