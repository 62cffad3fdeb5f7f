#include "broker/peer_uid.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace saferun::broker {
namespace {

struct Endpoints {
  sockaddr_in local{};
  sockaddr_in peer{};
};

std::optional<Endpoints> endpoints_of(int fd) {
  Endpoints e;
  socklen_t length = sizeof e.local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&e.local), &length) != 0 || e.local.sin_family != AF_INET)
    return std::nullopt;
  length = sizeof e.peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&e.peer), &length) != 0) return std::nullopt;
  return e;
}

struct DiagRequest {
  nlmsghdr header;
  inet_diag_req_v2 request;
};

// One exact lookup (no dump): the socket whose local end is the peer's and remote end is ours.
DiagRequest diag_request(const Endpoints& e, std::uint32_t sequence) {
  DiagRequest message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.header.nlmsg_seq = sequence;
  message.request.sdiag_family = AF_INET;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0u;
  message.request.id.idiag_sport = e.peer.sin_port;
  message.request.id.idiag_dport = e.local.sin_port;
  message.request.id.idiag_src[0] = e.peer.sin_addr.s_addr;
  message.request.id.idiag_dst[0] = e.local.sin_addr.s_addr;
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  return message;
}

// The uid in the answer to request `sequence`, if `answer` is it. Answers to earlier requests
// (none are expected: each is read at once) are skipped by their sequence number.
std::optional<uid_t> uid_in_answer(const char* answer, ssize_t n, const Endpoints& e, std::uint32_t sequence,
                                   bool& answered) {
  for (auto* h = reinterpret_cast<const nlmsghdr*>(answer); n > 0 && NLMSG_OK(h, static_cast<unsigned>(n));
       h = NLMSG_NEXT(h, n)) {
    if (h->nlmsg_seq != sequence) continue;
    answered = true;
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) return std::nullopt;  // NLMSG_ERROR: no such socket
    const auto* found = reinterpret_cast<const inet_diag_msg*>(NLMSG_DATA(h));
    if (found->id.idiag_sport == e.peer.sin_port && found->id.idiag_dport == e.local.sin_port)
      return found->idiag_uid;
    return std::nullopt;
  }
  return std::nullopt;
}

// The same from /proc/net/tcp: "sl local rem st tx:rx tr:when retrnsmt uid ...", addresses
// as the kernel's hex of the network-order words.
std::optional<uid_t> uid_by_proc(const Endpoints& e) {
  char local[32], remote[32];
  std::snprintf(local, sizeof local, "%08X:%04X", e.peer.sin_addr.s_addr, ntohs(e.peer.sin_port));
  std::snprintf(remote, sizeof remote, "%08X:%04X", e.local.sin_addr.s_addr, ntohs(e.local.sin_port));
  std::ifstream table("/proc/net/tcp");
  std::string line;
  while (std::getline(table, line)) {
    char l[64], r[64];
    unsigned long uid = 0;
    if (std::sscanf(line.c_str(), " %*d: %63s %63s %*x %*s %*s %*s %lu", l, r, &uid) == 3 &&
        std::strcmp(l, local) == 0 && std::strcmp(r, remote) == 0)
      return static_cast<uid_t>(uid);
  }
  return std::nullopt;
}

}  // namespace

PeerUidLookup::PeerUidLookup() : netlink_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}

PeerUidLookup::~PeerUidLookup() {
  if (netlink_ >= 0) ::close(netlink_);
}

std::optional<uid_t> PeerUidLookup::uid_of(const sockaddr_in& peer, const sockaddr_in& local) {
  if (auto uid = ask_sock_diag(peer, local)) return uid;
  return uid_by_proc({local, peer});
}

// The kernel answers inside sendto, so the answer is read without waiting (never blocking the
// event loop); no answer at all means no uid.
std::optional<uid_t> PeerUidLookup::ask_sock_diag(const sockaddr_in& peer, const sockaddr_in& local) {
  if (netlink_ < 0) return std::nullopt;
  Endpoints e{local, peer};
  auto message = diag_request(e, ++sequence_);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(netlink_, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(sizeof message))
    return std::nullopt;
  alignas(nlmsghdr) char answer[8192];
  bool answered = false;
  while (!answered) {
    auto n = ::recv(netlink_, answer, sizeof answer, MSG_DONTWAIT);
    if (n <= 0) return std::nullopt;
    if (auto uid = uid_in_answer(answer, n, e, sequence_, answered)) return uid;
  }
  return std::nullopt;
}

std::optional<uid_t> loopback_peer_uid(int connected_fd) {
  auto endpoints = endpoints_of(connected_fd);
  if (!endpoints) return std::nullopt;
  return PeerUidLookup().uid_of(endpoints->peer, endpoints->local);
}

}  // namespace saferun::broker
