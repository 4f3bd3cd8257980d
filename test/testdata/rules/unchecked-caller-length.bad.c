static void copy_name(struct entry *dst, const struct record *rec)
{
    unsigned int len = rec->name_len;
    memcpy(dst->name, rec->name, len);
}
