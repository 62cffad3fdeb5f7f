#pragma once
// Every completion handler of a connection, an exchange or the listener runs through
// guarded(): whatever a step throws (a JSON library refusing bytes, an allocation, a bug) is
// caught there and handed to the owner's on_handler_error(), which must not throw. So no
// exception can leave a handler and unwind the session's event loop — a request can fail,
// never the session.

#include <exception>
#include <memory>
#include <utility>

namespace saferun::broker {

template <class Owner, class Step>
auto guarded(std::shared_ptr<Owner> owner, Step step) {
  return [owner = std::move(owner), step = std::move(step)](auto&&... args) mutable {
    try {
      step(*owner, std::forward<decltype(args)>(args)...);
    } catch (const std::exception& e) {
      owner->on_handler_error(e.what());
    } catch (...) {
      owner->on_handler_error("unknown exception");
    }
  };
}

}  // namespace saferun::broker
