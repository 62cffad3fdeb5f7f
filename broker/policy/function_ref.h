#pragma once
// A non-owning reference to a callable, for callbacks that run only while the call that takes
// them runs (the body walk's visitors). Unlike std::function it never allocates: a lambda
// capturing three references no longer costs a heap block per walk. Valid as long as the
// callable it was made from; never store one.

#include <type_traits>
#include <utility>

namespace saferun::broker::policy {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                              std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& callable) noexcept  // NOLINT(google-explicit-constructor): used as a parameter type
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(callable)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace saferun::broker::policy
