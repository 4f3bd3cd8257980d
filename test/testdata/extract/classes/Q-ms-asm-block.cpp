#if defined(_MSC_VER) && defined(_M_IX86)
namespace os {
namespace win32 {

inline void spin_pause() {
  __asm pause
  __asm rep nop
}

inline bool test_and_set(long* x, long bit) {
#ifndef OS_INTEL_COMPILER
  __asm {
    mov eax, bit;
    mov edx, x;
    lock bts [edx], eax;
    setc al;
  };
#else
  bool ret;
  __asm {
    mov eax, bit
    mov edx, x
    lock bts [edx], eax
    setc al
    mov ret, al
  };
  return ret;
#endif
}

inline bool test_and_reset(long* x, long bit) {
#ifndef OS_INTEL_COMPILER
  __asm {
    mov eax, bit;
    mov edx, x;
    lock btr [edx], eax;
    setc al;
  };
#else
  bool ret;
  __asm {
    mov eax, bit
    mov edx, x
    lock btr [edx], eax
    setc al
    mov ret, al
  };
  return ret;
#endif
}

}  // namespace win32
}  // namespace os
#define OS_BTS_DEFINED
#endif

#ifndef OS_BTS_DEFINED
namespace os {
namespace win32 {

inline bool test_and_set(long* x, long bit) {
  long const value = 1 << bit;
  long old = *x;
  while (!compare_exchange(x, old | value, old)) {
  }
  return (old & value) != 0;
}

}  // namespace win32
}  // namespace os
#endif
