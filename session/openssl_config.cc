#include "session/openssl_config.h"

#include <openssl/crypto.h>

namespace saferun::session {

void read_openssl_configuration() { OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr); }

}  // namespace saferun::session
