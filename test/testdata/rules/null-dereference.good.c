int first_value(void)
{
    int value = 7;
    int *values;
    values = NULL;
    values = &value;
    return *values;
}
