int first_value(void)
{
    int *values;
    values = NULL;
    return *values;
}
