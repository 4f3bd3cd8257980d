int same(void)
{
	return 42;
}
