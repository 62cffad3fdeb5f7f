#include "broker/ledger/store_address.h"

#include <cctype>
#include <charconv>

namespace saferun::broker::ledger {
namespace {

std::optional<int> parse_number(std::string_view text, int max) {
  int value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) return std::nullopt;
  return value;
}

bool is_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

// "user@host:port/db" after the scheme.
bool parse_network(std::string_view rest, StoreAddress& address, std::string& problem) {
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto db = parse_number(rest.substr(slash + 1), 1000000);
    if (!db) return problem = "the path must be a database number (/0, /1, ...)", false;
    address.db = *db;
  }
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto user = authority.substr(0, at);
    if (user.find(':') != std::string_view::npos)
      return problem = "a password does not belong in the URL: give it a secret source", false;
    address.username = std::string(user);
    authority = authority.substr(at + 1);
  }
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    auto port = parse_number(authority.substr(colon + 1), 65535);
    if (!port || *port == 0) return problem = "invalid port", false;
    address.port = *port;
    authority = authority.substr(0, colon);
  }
  if (!is_host(authority)) return problem = "invalid host name", false;
  address.host = std::string(authority);
  return true;
}

bool parse_unix(std::string_view rest, StoreAddress& address, std::string& problem) {
  auto query = rest.find('?');
  address.path = std::string(rest.substr(0, query));
  if (address.path.size() < 2 || address.path.front() != '/')
    return problem = "expected an absolute socket path (unix:///path/to/redis.sock)", false;
  if (query == std::string_view::npos) return true;
  auto parameter = rest.substr(query + 1);
  if (!parameter.starts_with("db=")) return problem = "the only parameter is ?db=N", false;
  auto db = parse_number(parameter.substr(3), 1000000);
  if (!db) return problem = "db must be a number", false;
  address.db = *db;
  return true;
}

}  // namespace

std::optional<StoreAddress> parse_store_address(std::string_view url, std::string& problem) {
  StoreAddress address;
  bool ok = false;
  if (url.starts_with("redis://")) {
    ok = parse_network(url.substr(8), address, problem);
  } else if (url.starts_with("rediss://")) {
    address.kind = StoreAddress::Kind::tls;
    ok = parse_network(url.substr(9), address, problem);
  } else if (url.starts_with("unix://")) {
    address.kind = StoreAddress::Kind::unix_socket;
    ok = parse_unix(url.substr(7), address, problem);
  } else {
    problem = "expected redis://host:port/db, rediss://host:port/db or unix:///path";
  }
  if (!ok) return std::nullopt;
  return address;
}

std::string StoreAddress::display() const {
  auto user = username.empty() ? std::string() : username + "@";
  switch (kind) {
    case Kind::unix_socket: return "unix://" + path + (db ? "?db=" + std::to_string(db) : "");
    case Kind::tls: return "rediss://" + user + host + ":" + std::to_string(port) + "/" + std::to_string(db);
    case Kind::tcp: break;
  }
  return "redis://" + user + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

}  // namespace saferun::broker::ledger
