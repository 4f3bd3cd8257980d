static const Entry kTable[] = {
#define ENTRY(name, value) {#name, value},
  ENTRY(alpha, 1)
  ENTRY(beta, 2)
#undef ENTRY
#define ENTRY2(name) { #name, 0 },
  ENTRY2(gamma)
  { "delta", 4 },
#undef ENTRY2
};

int lookup(const char* name) {
  for (const Entry& e : kTable)
    if (strcmp(e.name, name) == 0) return e.value;
  return -1;
}

#if defined(__OBJC__)
@interface Bridge : NSObject {
  int count_;
}
- (void)run;
@end
@implementation Bridge
- (void)run {
  if (count_ > 0) { [self go]; }
}
@end
#endif

void native_run() {
  go();
}

int last_one() {
  return 1;
}
