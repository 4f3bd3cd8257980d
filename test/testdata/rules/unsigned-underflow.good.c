static size_t suffix_length(const char *last, size_t strip_len)
{
    size_t last_len = strlen(last);
    if (last_len < strip_len)
        return 0;
    size_t prefix_len = last_len - strip_len;
    return prefix_len;
}
