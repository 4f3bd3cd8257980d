int crlf_one(void)
{
	return 1;
}

int crlf_two(int x)
{
	if (x > 0)
		return x;
	return -x;
}
