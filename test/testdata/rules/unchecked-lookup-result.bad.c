static int device_port(struct bus *bus, const char *name)
{
    struct device *dev = bus_find_device(bus, name);
    return dev->port;
}
