int vendor_fn(int a)
{
	return a + 1;
}
