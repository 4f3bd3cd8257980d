/* A kernel-style file: macros tree-sitter cannot expand. */
#include "kernel.h"

static DEFINE_SPINLOCK(dev_lock);
static LIST_HEAD(dev_list);

SYSCALL_DEFINE3(devctl, unsigned int, fd, unsigned long, cmd, void __user *, arg)
{
	struct dev *d = dev_lookup(fd);
	if (!d)
		return -EBADF;
	return dev_ioctl(d, cmd, arg);
}

static int __init dev_init(void)
{
	spin_lock(&dev_lock);
	list_for_each_entry(d, &dev_list, node) {
		d->ready = 1;
	}
	spin_unlock(&dev_lock);
	return 0;
}

MODULE_LICENSE("GPL") MODULE_AUTHOR("nobody") @@ garbage that does not parse @@ ;

int dev_count(void)
{
	int n = 0;
	struct dev *d;
	list_for_each_entry(d, &dev_list, node)
		n++;
	return n;
}
