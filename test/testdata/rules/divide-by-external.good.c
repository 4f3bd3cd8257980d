int share(int total)
{
    int parts = rand();
    if (parts == 0)
        return 0;
    return total / parts;
}
