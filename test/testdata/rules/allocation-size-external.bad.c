char *read_blob(FILE *f)
{
    unsigned int count;
    char *blob;
    if (fscanf(f, "%u", &count) != 1)
        return NULL;
    blob = malloc(count * 16);
    return blob;
}
