#include "tests/support/test_ca.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace saferun::test {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test CA: ") + what);
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  check(extension != nullptr, "extension");
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

Cert new_certificate(EVP_PKEY* key, const char* common_name, long serial) {
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7 * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* out = std::fopen(path.c_str(), "w");
  check(out != nullptr, "open output");
  bool ok = cert != nullptr ? PEM_write_X509(out, cert) == 1
                            : PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(out);
  check(ok, "write PEM");
}

}  // namespace

TestCertificates make_test_certificates(const std::string& dir) {
  Key ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Key server_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(ca_key && server_key, "key generation");

  Cert ca = new_certificate(ca_key.get(), "safe-run test CA", 1);
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "sign CA");

  Cert server = new_certificate(server_key.get(), "localhost", 2);
  X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get()));
  add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_extension(server.get(), ca.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid");
  check(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0, "sign server");

  TestCertificates out{dir + "/ca.pem", dir + "/server.pem", dir + "/server-key.pem"};
  write_pem(out.ca_file, ca.get(), nullptr);
  write_pem(out.server_cert, server.get(), nullptr);
  write_pem(out.server_key, nullptr, server_key.get());
  return out;
}

}  // namespace saferun::test
