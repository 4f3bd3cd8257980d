int parse_port(const char *s)
{
	int port = atoi(s);
	return port;
}

int parse_flag(const char *s)
{
	return s[0] == 'y';
}
