static int lookup_rate(const struct codec *codec, int mode)
{
    if (mode < 0 || mode >= codec->nrates)
        return -EINVAL;
    return codec->rates[mode];
}
