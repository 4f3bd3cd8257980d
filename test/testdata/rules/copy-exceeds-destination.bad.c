void set_banner(void)
{
    char banner[16];
    strcpy(banner, "Welcome to the vulnreview test server");
    puts(banner);
}
