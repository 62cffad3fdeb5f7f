#include "session/child_env.h"

#include <algorithm>
#include <map>

#include "broker/secret.h"

namespace saferun::session {
namespace {

constexpr std::string_view kNoProxyHosts[] = {"127.0.0.1", "localhost"};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    auto at = text.find(separator);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return env_pattern_matches(p, name); });
}

bool named_exactly(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The user's NO_PROXY (either spelling) with the broker's hosts added when missing.
std::string no_proxy_value(const std::map<std::string_view, std::string_view>& parent) {
  std::string value;
  for (auto name : {"NO_PROXY", "no_proxy"}) {
    if (auto it = parent.find(name); it != parent.end() && !it->second.empty()) {
      value = std::string(it->second);
      break;
    }
  }
  std::vector<std::string> existing;
  for (auto host : split(value, ',')) existing.emplace_back(host);
  for (auto host : kNoProxyHosts) {
    if (std::find(existing.begin(), existing.end(), host) != existing.end()) continue;
    if (!value.empty()) value += ',';
    value += host;
  }
  return value;
}

void pass_user_variables(const ChildEnvRequest& request,
                         const std::map<std::string_view, std::string_view>& parent,
                         std::map<std::string, std::string>& out, std::vector<std::string>& warnings) {
  for (const auto& [name, value] : parent) {
    const bool explicit_name = named_exactly(request.cli_pass_env, name);
    if (request.secret_variables.count(std::string(name))) {
      if (explicit_name)
        warnings.push_back("not passing " + std::string(name) + ": it is a route's secret source");
      continue;
    }
    const bool credential = looks_like_credential(name);
    if (explicit_name) {
      if (credential)
        warnings.push_back("passing credential-like variable " + std::string(name) +
                           " because --pass-env names it");
      out[std::string(name)] = std::string(value);
      continue;
    }
    const bool allowed = matches_any(default_pass_env(), name) ||
                         matches_any(request.config_pass_env, name) ||
                         matches_any(request.cli_pass_env, name);
    if (allowed && credential) {
      warnings.push_back("not passing " + std::string(name) +
                         ": it looks like a credential (name it with --pass-env to pass it)");
    } else if (allowed) {
      out[std::string(name)] = std::string(value);
    }
  }
}

}  // namespace

const std::vector<std::string>& default_pass_env() {
  static const std::vector<std::string> kNames = {"PATH", "HOME",      "USER", "LOGNAME",
                                                  "SHELL", "TERM",     "COLORTERM", "LANG",
                                                  "LC_*", "TZ",        "TMPDIR"};
  return kNames;
}

bool env_pattern_matches(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.starts_with(pattern);
  }
  return pattern == name;
}

bool looks_like_credential(std::string_view name) {
  static constexpr std::string_view kWords[] = {"KEY",        "APIKEY",      "TOKEN", "SECRET",
                                                "PASSWORD",   "PASSWD",      "PASS",  "CREDENTIAL",
                                                "CREDENTIALS", "AUTH",       "PRIVATE"};
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  auto words = split(upper, '_');
  if (words.front() == "AWS") return true;
  return std::any_of(words.begin(), words.end(), [](std::string_view word) {
    return std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords);
  });
}

std::string render_env_template(std::string_view text, std::string_view base_url,
                                std::string_view token) {
  std::string out;
  while (!text.empty()) {
    auto open = text.find('{');
    out += text.substr(0, open);
    if (open == std::string_view::npos) break;
    text.remove_prefix(open);
    if (text.starts_with("{base_url}")) {
      out += base_url;
      text.remove_prefix(10);
    } else if (text.starts_with("{token}")) {
      out += token;
      text.remove_prefix(7);
    } else {
      out += '{';
      text.remove_prefix(1);
    }
  }
  return out;
}

ChildEnv build_child_env(const ChildEnvRequest& request) {
  std::map<std::string_view, std::string_view> parent;
  for (auto entry : request.parent) {
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    parent.emplace(entry.substr(0, eq), entry.substr(eq + 1));  // first one wins, like getenv
  }
  ChildEnv env;
  std::map<std::string, std::string> out;
  pass_user_variables(request, parent, out, env.warnings);
  out["NO_PROXY"] = out["no_proxy"] = no_proxy_value(parent);
  for (const auto& [name, value] : request.route_vars) out[name] = value;
  out["SAFE_RUN_BROKER_URL"] = request.broker_url;
  out["SAFE_RUN_TOKEN"] = std::string(request.token);
  out["SAFE_RUN_SESSION"] = request.session_id;
  for (auto& [name, value] : out) {
    env.entries.push_back(name + "=" + value);
    broker::wipe(value);  // the map's copies of the token
  }
  return env;
}

}  // namespace saferun::session
