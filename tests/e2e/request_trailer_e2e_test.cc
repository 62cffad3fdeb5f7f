// A chunked body's trailer fields come after the head was routed and checked against the
// allow rules. The broker refuses them (400) rather than adding them to that head. Found in
// review: a GET whose trailers carried `Upgrade: websocket` opened a WebSocket relay under a
// route that allows only `GET /responses`, and a POST's trailers reached the upstream as
// headers.
//
// The attack is the agent's: the session's child, running as the session's own unprivileged
// user (CI is root: the session runs as uid 65534 through setpriv), writes raw requests to the
// broker. The control in the same session sends the same upgrade with its fields in the head,
// on a path a WS rule allows, and gets its relay: the probe would see a relay open.

#include <catch2/catch.hpp>
#include <string>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"
#include "tests/support/fake_ws_upstream.h"
#include "tests/support/temp_dir.h"

using namespace saferun::test;

namespace {

const std::string kUpgradeFields =
    "Upgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n"
    "Sec-WebSocket-Version: 13\\r\\n";

// A shell step: sends `request` (printf format; %s is the caller token) to the broker on a
// connection of its own and prints "<label> <the answer's status line>".
std::string exchange(const std::string& label, const std::string& request) {
  return "exec 3<>/dev/tcp/127.0.0.1/\"${SAFE_RUN_BROKER_URL##*:}\"; printf '" + request +
         "' \"$SAFE_RUN_TOKEN\" >&3; IFS= read -r -t 10 line <&3; printf '" + label +
         " %s\\n' \"${line%$'\\r'}\"; exec 3<&-; ";
}

std::string head(const std::string& request_line) {
  return request_line + "\\r\\nHost: broker\\r\\nAuthorization: Bearer %s\\r\\n";
}

}  // namespace

TEST_CASE("trailer fields cannot smuggle a WebSocket upgrade or a header past the allow rules",
          "[e2e][robustness][framing][attack]") {
  UnprivilegedUser user;
  TempDir files;
  auto certificates = make_test_certificates(files.path());
  FakeWsUpstream upstream(certificates);
  const auto ca = user.install_copy(certificates.ca_file, "ca.pem", 0644);
  const auto config = user.make_file(
      "config.json", R"({"routes": [{"name": "openai", "base_path": "/openai/v1", "provider": "openai",
        "upstream": ")" + upstream.origin() + R"(/v1", "credential": "Authorization: Bearer {secret}",
        "secret": {"env": "OPENAI_API_KEY"}, "allow": ["GET /responses", "POST /responses", "WS /realtime"]}]})");
  const auto key = fake_key("sk-proj-trailer-");

  const std::string attack =
      exchange("UPGRADE-IN-TRAILER",
               head("GET /openai/v1/responses HTTP/1.1") + "Transfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n" +
                   kUpgradeFields + "\\r\\n") +
      exchange("HEADER-IN-TRAILER", head("POST /openai/v1/responses HTTP/1.1") +
                                        "Content-Type: application/json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n"
                                        "2\\r\\n{}\\r\\n0\\r\\nX-Smuggled: smuggled-value\\r\\n\\r\\n") +
      // The control also lists a field in Connection: the handshake upstream must not carry it.
      exchange("UPGRADE-IN-HEAD", head("GET /openai/v1/realtime HTTP/1.1") +
                                      "Upgrade: websocket\\r\\nConnection: Upgrade, X-Private\\r\\n"
                                      "X-Private: private-value\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n"
                                      "Sec-WebSocket-Version: 13\\r\\n\\r\\n");
  auto result = run_process(
      user.as_user({user.safe_run(), "--isolation=off", "--config", config, "--", "/bin/bash", "-c", attack}),
      user.env({"OPENAI_API_KEY=" + key, "SSL_CERT_FILE=" + ca}), std::chrono::seconds(60));
  INFO(with_key_hidden(result.out + result.err, key));  // should it have leaked, no failure message shows it
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "UPGRADE-IN-TRAILER HTTP/1.1 400"));
  CHECK(contains(result.out, "HEADER-IN-TRAILER HTTP/1.1 400"));
  CHECK(contains(result.out, "UPGRADE-IN-HEAD HTTP/1.1 101"));  // the control: a relay, seen as one
  CHECK_FALSE(upstream.received_bytes("smuggled-value"));  // in any field value it received, heads included
  CHECK_FALSE(upstream.received_bytes("private-value"));
  const auto handshakes = upstream.handshakes();
  REQUIRE(handshakes.size() == 1);  // the control's; neither refused request reached the upstream
  CHECK(handshakes[0].target == "/v1/realtime");
  const bool carried_the_key = handshakes[0].header("authorization") == "Bearer " + key;  // no key in a failure message
  CHECK(carried_the_key);
  CHECK_FALSE(contains(result.out + result.err, key));
}
