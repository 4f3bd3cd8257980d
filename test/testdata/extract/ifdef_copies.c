/* Two configurations of one accessor; the change drops the bounds check from the first. */
#include "table.h"

#ifdef TABLE_CHECKED
int get(struct table *t, int i)
{
	return t->items[i];
}
#else
int get(struct table *t, int i)
{
	return t->items[i];
}
#endif
