#pragma once
// Fairness for the broker's connection slots: who gives one up when all max_connections are
// open and more clients wait in the kernel's accept queue (first come, first served there).
//
// Without it, clients that keep every slot busy — requests back-to-back on keep-alive
// connections, e.g. a flood of token-less `HEAD /` or 401s from another process of the user —
// kept a newly arriving client (the session's own agent) waiting for as long as they liked.
// While clients wait (the listener sees its accept queue non-empty at capacity):
//
//  1. Reclaimed at once — the listener closes one per waiting client, in this order, oldest
//     first within each: a connection whose current or last request came without the caller
//     token (a preconnect, a 401: it serves no one the session answers for); then one waiting
//     for a request head (idle keep-alive, a head still trickling in). Never one serving a
//     request that carried the token.
//  2. Yield at request granularity — every answer whose head is written while clients wait
//     says `Connection: close`, and its connection closes after the answer's last byte. Its
//     client reconnects and queues behind those already waiting, so keep-alive cannot be used
//     to jump the queue. (A forwarded answer's head is written when the upstream's arrives;
//     the connection is freed when its body ends.)
//
// Bound: a waiting client is admitted as soon as enough slots are freed for those ahead of it
// in the queue — at once for slots held by token-less or idle connections, and otherwise when
// a token holder's current answer ends (or its next one, if its head was written just before
// the client arrived). Only connections that hold the caller token — the agent and what it
// started — can hold a slot longer, for as long as one answer lasts (a long stream: minutes);
// no other process can. Under sustained overload keep-alive is in effect off, and each
// request queues FIFO; idle at capacity, nothing changes.
//
// The hot path is one flag test per answer (yield_now()); the listener alone sets it.

#include <chrono>
#include <cstdint>
#include <unordered_set>

namespace saferun::broker {

class Connection;

// How a connection uses its slot, in the order slots are reclaimed (rule 1).
enum class SlotUse {
  token_less,  // its current or last request came without the caller token
  idle,        // waiting for a request head, none of its requests token-less
  serving,     // serving a request that carried the token: yields only at its answer's end
  closing,     // already going away
};

struct SlotState {
  SlotUse use = SlotUse::serving;
  std::chrono::steady_clock::time_point since;  // when it last started waiting for a head
};

// True when `a` is reclaimed before `b` (rule 1). Pure.
bool reclaims_before(const SlotState& a, const SlotState& b);

class SlotFairness {
 public:
  // The listener's view: clients are queued while every slot is taken.
  void set_clients_waiting(bool waiting) { clients_waiting_ = waiting; }
  bool clients_waiting() const { return clients_waiting_; }

  // Asked as each answer's head is written (rule 2): true = say Connection: close and close
  // after it.
  bool yield_now() {
    if (!clients_waiting_) return false;
    ++yielded_;
    return true;
  }
  std::uint64_t yielded() const { return yielded_; }

  // The connection to close for a waiting client (rule 1), or nullptr when every slot
  // serves a token holder.
  static Connection* pick_to_reclaim(const std::unordered_set<Connection*>& connections);

 private:
  bool clients_waiting_ = false;
  std::uint64_t yielded_ = 0;
};

}  // namespace saferun::broker
