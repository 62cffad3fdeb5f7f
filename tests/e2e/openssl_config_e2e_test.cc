// OpenSSL reads its configuration once, at first use; the session makes that happen before the
// command starts (session/openssl_config.h). Attacked as the agent would, running as the same
// user: rewrite the file OPENSSL_CONF names once the session is up, then call a TLS upstream.

#include <catch2/catch.hpp>

#include "tests/e2e/proxy_session.h"

using namespace saferun::test;

namespace {

constexpr const char* kBenign = "# the user's own settings: none\n";

// Under this configuration no TLS handshake with the fake upstream succeeds: at most TLS 1.2,
// and only ciphers that encrypt nothing, which no server offers.
constexpr const char* kHostile = R"(openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
CipherString = eNULL:@SECLEVEL=0
)";

int status_of_a_tls_request(const ProxySession& proxy) {
  return http_request(proxy.port(), "POST", "/anthropic/v1/messages", proxy.anthropic_headers(), "{}").status;
}

}  // namespace

TEST_CASE("an OpenSSL configuration rewritten once the session runs does not change the broker's TLS",
          "[e2e][proxy][openssl]") {
  TempDir settings;
  auto file = settings.write("openssl.cnf", kBenign);
  ProxySession proxy({{}, {"OPENSSL_CONF=" + file}});
  REQUIRE(proxy.session->ready());
  settings.write("openssl.cnf", kHostile);  // the agent's move, before the first TLS connection
  CHECK(status_of_a_tls_request(proxy) == 200);
}

TEST_CASE("control: the same configuration, read at the start, fails every TLS upstream", "[e2e][proxy][openssl]") {
  TempDir settings;
  auto file = settings.write("openssl.cnf", kHostile);
  ProxySession proxy({{}, {"OPENSSL_CONF=" + file}});
  REQUIRE(proxy.session->ready());
  CHECK(status_of_a_tls_request(proxy) == 502);
}
