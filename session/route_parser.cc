#include "session/route_parser.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cctype>

#include "broker/ascii.h"
#include "session/json_fields.h"
#include "session/policy_parser.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace {

constexpr std::string_view kSecretPlaceholder = "{secret}";

bool is_route_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
         });
}

bool is_header_name(std::string_view name) {
  static const std::string_view kTokenChars = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || kTokenChars.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

broker::CredentialHeader parse_credential(JsonFields& fields) {
  auto text = fields.string("credential");
  auto colon = text.find(':');
  if (colon == std::string::npos) fields.fail("credential", "expected \"Header-Name: format\"");
  std::string name = text.substr(0, colon);
  std::string format = text.substr(colon + 1);
  format.erase(0, format.find_first_not_of(' '));
  if (!is_header_name(name)) fields.fail("credential", "invalid header name");
  auto at = format.find(kSecretPlaceholder);
  if (at == std::string::npos || format.find(kSecretPlaceholder, at + 1) != std::string::npos)
    fields.fail("credential", "format must contain {secret} exactly once");
  return {broker::to_lower(name), format.substr(0, at), format.substr(at + kSecretPlaceholder.size())};
}

void parse_file_source(JsonFields& fields, SecretSource& source) {
  source.kind = SecretSource::Kind::file;
  source.path = fields.string("file");
  if (source.path.empty() || source.path.front() != '/') fields.fail("file", "expected an absolute path");
}

void parse_fd_source(JsonFields& fields, SecretSource& source) {
  source.kind = SecretSource::Kind::fd;
  const auto& value = fields.required("fd");
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 3 || value.get<std::uint64_t>() > 1024)
    fields.fail("fd", "expected a file descriptor number from 3 to 1024");
  source.fd = value.get<int>();
}

void parse_command_source(JsonFields& fields, SecretSource& source) {
  source.kind = SecretSource::Kind::command;
  source.argv = fields.strings("command");
  if (source.argv.empty() || source.argv.front().empty())
    fields.fail("command", "expected [\"program\", \"arg\", ...]");
  if (fields.has("timeout_seconds"))
    source.timeout = std::chrono::seconds(static_cast<std::int64_t>(fields.positive_integer("timeout_seconds")));
}

}  // namespace

SecretSource parse_secret(JsonFields& route_fields, const std::string& origin) {
  const auto* value = route_fields.optional("secret");
  if (value == nullptr) return {};
  JsonFields fields(*value, origin, route_fields.path_of("secret"));
  SecretSource source;
  int kinds = fields.has("env") + fields.has("file") + fields.has("fd") + fields.has("command");
  if (kinds != 1) fields.fail("", "expected exactly one of env, file, fd, command");
  if (fields.has("file")) parse_file_source(fields, source);
  if (fields.has("fd")) parse_fd_source(fields, source);
  if (fields.has("command")) parse_command_source(fields, source);
  if (source.kind != SecretSource::Kind::command && fields.has("timeout_seconds"))
    fields.fail("timeout_seconds", "only a command source has a timeout");
  if (const auto* env = fields.optional("env")) {
    source.kind = SecretSource::Kind::env;
    source.env_names = env->is_string() ? std::vector<std::string>{env->get<std::string>()}
                                        : fields.strings("env");
    if (source.env_names.empty()) fields.fail("env", "names no variable");
    for (const auto& name : source.env_names) {
      if (!is_env_name(name)) fields.fail("env", "invalid variable name '" + name + "'");
    }
  }
  fields.reject_unknown_keys();
  return source;
}

namespace {

// "/name" or "/name/v1": segments of unreserved URL characters, none starting with '.'.
bool is_base_path(std::string_view path) {
  if (path.size() < 2 || path.front() != '/') return false;
  bool segment_start = true;
  for (char c : path.substr(1)) {
    if (c == '/') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    if (segment_start && c == '.') return false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '~')
      return false;
    segment_start = false;
  }
  return !segment_start;
}

// The names inside {braces} of a template, in order.
std::vector<std::string> placeholders_in(std::string_view text) {
  std::vector<std::string> names;
  for (auto open = text.find('{'); open != std::string_view::npos; open = text.find('{', open + 1)) {
    auto close = text.find('}', open);
    if (close == std::string_view::npos) break;
    names.emplace_back(text.substr(open + 1, close - open - 1));
  }
  return names;
}

std::string parse_base_path(JsonFields& fields, const std::string& name) {
  if (!fields.has("base_path")) return "/" + name;
  auto base = fields.string("base_path");
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (!is_base_path(base))
    fields.fail("base_path", "expected a path like /name or /name/v1");
  if (base.starts_with("/_safe-run")) fields.fail("base_path", "/_safe-run is reserved");
  return base;
}

std::vector<broker::AllowRule> parse_allowlist(JsonFields& fields) {
  std::vector<broker::AllowRule> rules;
  auto texts = fields.strings("allow");
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string why;
    auto rule = broker::parse_allow_rule(texts[i], why);
    if (!rule) fields.fail("allow[" + std::to_string(i) + "]", why);
    rules.push_back(std::move(*rule));
  }
  return rules;
}

std::vector<std::pair<std::string, std::string>> parse_child_env(JsonFields& fields,
                                                                 const std::string& origin) {
  std::vector<std::pair<std::string, std::string>> vars;
  const auto* value = fields.optional("child_env");
  if (value == nullptr) return vars;
  if (!value->is_object()) fields.fail("child_env", "expected an object of NAME: template");
  for (const auto& item : value->items()) {
    auto where = fields.path_of("child_env") + "." + item.key();
    if (!is_env_name(item.key())) throw SetupError(origin + ": " + where + ": invalid variable name");
    if (item.key().starts_with("SAFE_RUN_"))
      throw SetupError(origin + ": " + where + ": SAFE_RUN_* variables are set by safe-run");
    if (!item.value().is_string()) throw SetupError(origin + ": " + where + ": expected a string");
    auto text = item.value().get<std::string>();
    for (const auto& name : placeholders_in(text)) {
      if (name != "base_url" && name != "token")
        throw SetupError(origin + ": " + where + ": unknown placeholder {" + name +
                         "} (known: {base_url}, {token})");
    }
    vars.emplace_back(item.key(), std::move(text));
  }
  return vars;
}

}  // namespace

bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

void validate_upstream(const broker::UpstreamUrl& url, const std::string& where) {
  if (!url.tls && !broker::is_loopback_host(url.host))
    throw SetupError(where + ": http:// is only allowed for loopback hosts; use https://");
}

RouteConfig parse_route(const nlohmann::json& value, const std::string& origin,
                        const std::string& path) {
  JsonFields fields(value, origin, path);
  RouteConfig config;
  broker::Route& route = config.route;
  route.name = fields.string("name");
  if (!is_route_name(route.name))
    fields.fail("name", "expected lower-case letters, digits, '-' or '_'");
  route.base_path = parse_base_path(fields, route.name);
  std::string why;
  auto upstream = broker::parse_upstream_url(fields.string("upstream"), why);
  if (!upstream) fields.fail("upstream", why);
  validate_upstream(*upstream, origin + ": " + fields.path_of("upstream"));
  route.upstream = std::move(*upstream);
  route.credential = parse_credential(fields);
  if (const auto* provider = fields.optional("provider")) {
    if (!provider->is_string() || !broker::parse_provider(provider->get<std::string>(), route.provider))
      fields.fail("provider", "expected \"anthropic\", \"openai\", \"gemini\" or \"generic\"");
  }
  route.allow = parse_allowlist(fields);
  if (fields.has("ca_file")) {
    route.ca_file = fields.string("ca_file");
    if (route.ca_file.empty() || route.ca_file.front() != '/') fields.fail("ca_file", "expected an absolute path");
    if (::access(route.ca_file.c_str(), R_OK) != 0) fields.fail("ca_file", std::string("cannot read: ") + std::strerror(errno));
  }
  config.secret = parse_secret(fields, origin);
  route.secret_label = config.secret.label();
  config.child_env = parse_child_env(fields, origin);
  route.policy = parse_route_policy(fields, origin);
  fields.reject_unknown_keys();
  return config;
}

}  // namespace saferun::session
