namespace sync {

template <class T>
class atomic_box {
 private:
  T value_;
  mutable spin_lock lock_;

 public:
#if !defined(SYNC_NO_CONSTEXPR)

  constexpr atomic_box() SYNC_NOEXCEPT: lock_ SYNC_SPINLOCK_INIT
  {
  }

  atomic_box(T v) SYNC_NOEXCEPT
      : value_(std::move(v)), lock_ SYNC_SPINLOCK_INIT
  {
  }

  atomic_box(T v, int) : lock_ SYNC_SPINLOCK_INIT, value_(v) {}

#else

  atomic_box() SYNC_NOEXCEPT
  {
    spin_lock init = SYNC_SPINLOCK_INIT;
    std::memcpy(&lock_, &init, sizeof(init));
  }

#endif

  T load() const SYNC_NOEXCEPT {
    guard g(lock_);
    return value_;
  }
};

}  // namespace sync
