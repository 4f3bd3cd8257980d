static int device_port(struct bus *bus, const char *name)
{
    struct device *dev = bus_find_device(bus, name);
    if (!dev)
        return -ENODEV;
    return dev->port;
}
