#include "broker/reactor_read.h"

#if SAFERUN_REACTOR_READ
namespace saferun::broker::reactor_read_detail {
namespace {

// The descriptor state's pointer to its reactor is private to Asio. An explicit instantiation
// may name a private member (C++20 [temp.spec]/6); the friend it defines hands the member
// pointer out. Kept to this one file, where the instantiation is made once.
using ReactorMember = ad::epoll_reactor* ad::epoll_reactor::descriptor_state::*;

struct ReactorOfState {
  friend ReactorMember reactor_member(ReactorOfState);
};

template <ReactorMember Member>
struct ReactorOfStateDefinition {
  friend ReactorMember reactor_member(ReactorOfState) { return Member; }
};

template struct ReactorOfStateDefinition<&ad::epoll_reactor::descriptor_state::reactor_>;

}  // namespace

ad::reactor* registered_reactor(ad::reactor::per_descriptor_data state) {
  return state == nullptr ? nullptr : state->*reactor_member(ReactorOfState{});
}

}  // namespace saferun::broker::reactor_read_detail
#endif
