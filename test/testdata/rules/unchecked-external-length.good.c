int read_record(int sock, char *out)
{
    char line[64];
    char payload[256];
    int len;
    if (recv(sock, line, sizeof(line) - 1, 0) <= 0)
        return -1;
    len = atoi(line);
    if (len < 0 || len > (int)sizeof(payload))
        return -1;
    memcpy(out, payload, len);
    return len;
}
