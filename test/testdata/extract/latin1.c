/* François wrote this file in ISO-8859-1. */
static const char *greeting = "Bonjour, ça va?";

int greet(char *out, int n)
{
	return snprintf(out, n, "%s", greeting);
}

/* © 2009 */
int farewell(void)
{
	return 0;
}
