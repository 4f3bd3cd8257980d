void set_slot(FILE *f)
{
    int slots[16] = {0};
    int index;
    if (fscanf(f, "%d", &index) != 1)
        return;
    if (index >= 0)
        slots[index] = 1;
    publish(slots);
}
