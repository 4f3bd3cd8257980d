size_t prefix_length(const char *path, const char *other)
{
    const char *slash = strchr(other, '/');
    if (slash == NULL)
        return 0;
    return slash - path;
}
