void copy_header(const char *packet)
{
    char header[32];
    memcpy(header, packet, 64);
    handle_header(header);
}
