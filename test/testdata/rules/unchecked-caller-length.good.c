static void copy_name(struct entry *dst, const struct record *rec)
{
    unsigned int len = rec->name_len;
    if (len > sizeof(dst->name))
        len = sizeof(dst->name);
    memcpy(dst->name, rec->name, len);
}
