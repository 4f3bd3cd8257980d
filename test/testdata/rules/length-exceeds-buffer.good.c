void copy_header(const char *packet)
{
    char header[32];
    memcpy(header, packet, sizeof(header));
    handle_header(header);
}
