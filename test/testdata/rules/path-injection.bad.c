FILE *open_report(int sock)
{
    char name[128];
    int n = recv(sock, name, sizeof(name) - 1, 0);
    if (n <= 0)
        return NULL;
    name[n] = '\0';
    return fopen(name, "r");
}
