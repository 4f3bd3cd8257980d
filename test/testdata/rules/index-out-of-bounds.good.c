int sum_samples(void)
{
    int samples[10];
    int total = 0;
    int i;
    for (i = 0; i < 10; i++)
        samples[i] = i * 2;
    for (i = 0; i < 10; i++)
        total += samples[i];
    return total;
}
