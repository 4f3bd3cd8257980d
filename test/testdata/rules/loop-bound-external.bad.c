void send_greetings(int sock)
{
    char buf[16];
    int count;
    int i;
    if (recv(sock, buf, sizeof(buf) - 1, 0) <= 0)
        return;
    buf[15] = '\0';
    count = atoi(buf);
    for (i = 0; i < count; i++)
        send(sock, "hello\n", 6, 0);
}
