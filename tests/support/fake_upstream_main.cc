// A stand-alone fake upstream for the SDK tests and benchmarks:
//   fake-upstream [--tls DIR]
// prints "PORT <n>" (and, with --tls, writes a test CA into DIR as ca.pem), serves until its
// stdin closes. GET /_fake/requests answers the recorded requests as JSON.

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/support/fake_upstream.h"

int main(int argc, char** argv) {
  using namespace saferun::test;
  std::optional<TestCertificates> certificates;
  if (argc == 3 && std::string(argv[1]) == "--tls") certificates = make_test_certificates(argv[2]);
  FakeUpstream upstream(certificates);
  std::cout << "PORT " << upstream.port() << std::endl;
  char byte;
  while (::read(0, &byte, 1) > 0) {
  }
  return 0;
}
