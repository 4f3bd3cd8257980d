int noeol_a(void)
{
	return 1;
}

int noeol_b(void)
{
	return 3;
}