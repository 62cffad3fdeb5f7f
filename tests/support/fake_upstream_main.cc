// A stand-alone fake upstream for the SDK and agent tests and the benchmarks:
//   fake-upstream [--tls DIR [--ws [--refuse-upgrades]]]
// prints "PORT <n>" (and, with --tls, writes a test CA into DIR as ca.pem), serves until its
// stdin closes. GET /_fake/requests answers the recorded requests as JSON. With --ws it also
// runs the TLS WebSocket fake (fake_ws_upstream.h) and prints "WSPORT <n>"; with
// --refuse-upgrades that fake answers every upgrade with 426 (plain POSTs still answer).

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/support/fake_upstream.h"
#include "tests/support/fake_ws_upstream.h"

int main(int argc, char** argv) {
  using namespace saferun::test;
  std::optional<TestCertificates> certificates;
  if (argc >= 3 && std::string(argv[1]) == "--tls") certificates = make_test_certificates(argv[2]);
  FakeUpstream upstream(certificates);
  std::cout << "PORT " << upstream.port() << std::endl;
  std::optional<FakeWsUpstream> websocket;
  if (certificates && argc >= 4 && std::string(argv[3]) == "--ws") {
    websocket.emplace(*certificates);
    if (argc >= 5 && std::string(argv[4]) == "--refuse-upgrades") websocket->refuse_upgrades(426);
    std::cout << "WSPORT " << websocket->port() << std::endl;
  }
  char byte;
  while (::read(0, &byte, 1) > 0) {
  }
  return 0;
}
