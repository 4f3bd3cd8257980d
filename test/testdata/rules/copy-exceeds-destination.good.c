void set_banner(void)
{
    char banner[64];
    strcpy(banner, "Welcome to the vulnreview test server");
    puts(banner);
}
