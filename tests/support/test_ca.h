#pragma once
// A throwaway certificate authority made by the test itself, and a server certificate it
// signs for localhost and 127.0.0.1 — so TLS tests verify certificates for real.

#include <string>

namespace saferun::test {

struct TestCertificates {
  std::string ca_file;      // PEM: the CA certificate, for SSL_CERT_FILE or a route's ca_file
  std::string server_cert;  // PEM: the server certificate
  std::string server_key;   // PEM: its private key
};

// Writes the three files into `dir`. Throws std::runtime_error on failure.
TestCertificates make_test_certificates(const std::string& dir);

}  // namespace saferun::test
