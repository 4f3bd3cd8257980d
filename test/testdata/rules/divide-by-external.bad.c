int share(int total)
{
    int parts = rand();
    return total / parts;
}
