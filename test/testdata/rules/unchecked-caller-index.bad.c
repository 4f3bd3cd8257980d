static int lookup_rate(const struct codec *codec, int mode)
{
    return codec->rates[mode];
}
