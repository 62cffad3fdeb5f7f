#include "broker/policy/admission.h"

#include <algorithm>

#include "broker/policy/hosted_tools.h"
#include "broker/policy/model_rule.h"
#include "broker/policy/saturating.h"

namespace saferun::broker::policy {
namespace {

Plan refused(int status, std::string decision, std::string reason) {
  Plan plan;
  plan.status = status;
  plan.decision = std::move(decision);
  plan.reason = std::move(reason);
  return plan;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool any_scope(const std::vector<Scope>& scopes, bool (*test)(const PolicyRules&)) {
  return std::any_of(scopes.begin(), scopes.end(), [&](const Scope& s) { return test(*s.rules); });
}

std::optional<Plan> check_models(const std::vector<Scope>& scopes, const std::string& model) {
  for (const auto& scope : scopes) {
    const auto& allowed = scope.rules->models;
    if (allowed.empty() || allowing_pattern(allowed, model) != nullptr) continue;
    auto what = model.empty() ? std::string("the request names no model, which is refused")
                              : "model '" + model + "' is not allowed";
    return refused(403, "denied_model", what + " by " + scope.where + ".models (allowed: " + joined(allowed) + ")");
  }
  return std::nullopt;
}

// Applies the strictest output ceiling; returns a refusal, or fills the edits and the output
// the request may use.
std::optional<Plan> apply_ceiling(const std::vector<Scope>& scopes, const RequestFacts& facts, ApiKind kind,
                                  BodyEdits& edits, std::optional<std::int64_t>& output) {
  output = facts.output_limit;
  const Scope* strictest = nullptr;
  for (const auto& scope : scopes) {
    if (scope.rules->max_output_tokens &&
        (!strictest || *scope.rules->max_output_tokens < *strictest->rules->max_output_tokens))
      strictest = &scope;
  }
  if (strictest == nullptr) return std::nullopt;
  auto ceiling = *strictest->rules->max_output_tokens;
  if (facts.output_limit_not_integer)
    return refused(400, "denied_ceiling", facts.output_field + " must be a whole number of tokens (0 or more) under " + strictest->where);
  if (output && *output > ceiling) {
    for (const auto& scope : scopes) {
      const auto& rules = *scope.rules;
      if (rules.max_output_tokens && *output > *rules.max_output_tokens && rules.over_ceiling == OverCeiling::refuse)
        return refused(400, "denied_ceiling",
                       facts.output_field + " " + std::to_string(*output) + " exceeds " + scope.where +
                           ".max_output_tokens (" + std::to_string(*rules.max_output_tokens) + ")");
    }
    edits.set_output = ceiling;
    output = ceiling;
  } else if (!output && !output_field_for(kind).empty()) {
    edits.set_output = ceiling;
    edits.insert_field = std::string(output_field_for(kind));
    output = ceiling;
  }
  return std::nullopt;
}

bool spends_tokens(std::string_view method, ApiKind kind, const std::string& model) {
  if (method != "POST" || kind == ApiKind::count_tokens) return false;
  return kind != ApiKind::other || !model.empty();
}

bool limits_money_or_models(const PolicyRules& r) {
  return !r.models.empty() || r.budget_micro_usd || r.input_tokens || r.output_tokens || r.tokens_per_minute;
}

// Rules that act on what the body says (its model, its output ceiling) or on what it may spend.
// A body the policy cannot read as one JSON object — an escape in a key that the broker's JSON
// decoder refuses (a lone surrogate) while the upstream's accepts it, say — would otherwise go
// out unread: its model unchecked, its own ceiling left in place behind the one inserted.
bool reads_the_body(const PolicyRules& r) { return limits_money_or_models(r) || r.max_output_tokens; }

// A chat's `n` answers (Gemini's candidateCount; legacy completions' `best_of` for each prompt,
// of which `n` are returned) each run up to the output limit: the reservation covers them all.
std::int64_t answers(const RequestFacts& facts, ApiKind kind) {
  if (kind == ApiKind::completions)
    return saturating_mul(std::max(facts.choices.value_or(1), facts.best_of.value_or(1)), facts.prompts);
  return kind == ApiKind::chat || kind == ApiKind::gemini ? facts.choices.value_or(1) : 1;
}

std::optional<Plan> check_choices(const std::vector<Scope>& scopes, const RequestFacts& facts, ApiKind kind) {
  if (!any_scope(scopes, reads_the_body)) return std::nullopt;
  std::string field;
  if (facts.choices_not_integer && (kind == ApiKind::chat || kind == ApiKind::completions)) field = "n";
  if (facts.choices_not_integer && kind == ApiKind::gemini) field = "generationConfig.candidateCount";
  if (facts.best_of_not_integer && kind == ApiKind::completions) field = "best_of";
  if (field.empty()) return std::nullopt;
  return refused(400, "denied_policy", field + " must be a whole number of answers (1 or more) while a model "
                                               "allowlist, output ceiling or budget is in force");
}

// Rules whose counters need the request's usage.
bool limits_spend(const PolicyRules& r) {
  return r.budget_micro_usd || r.input_tokens || r.output_tokens || r.tokens_per_minute;
}

// Fields that spend where the reservation and the meter cannot see it.
std::optional<Plan> check_unseen_spend(const std::vector<Scope>& scopes, const RequestFacts& facts, ApiKind kind) {
  if (facts.fallback_models && any_scope(scopes, limits_money_or_models))
    return refused(403, "denied_policy", "the request names fallback models (\"models\" or \"fallbacks\"), which "
                                         "may run a model the policy did not check or price; it is refused while a "
                                         "model allowlist or budget is in force");
  if (facts.background && kind == ApiKind::responses && any_scope(scopes, limits_spend))
    return refused(400, "denied_policy", "a background response is generated after its answer, where its usage "
                                         "cannot be metered; it is refused while a budget or token rate is in force");
  if (facts.output_limit_not_integer && any_scope(scopes, reads_the_body))
    return refused(400, "denied_policy", facts.output_field + " must be a whole number of tokens (0 or more) while a "
                                                              "model allowlist, output ceiling or budget is in force");
  return std::nullopt;
}

bool limits_usd(const PolicyRules& r) { return !!r.budget_micro_usd; }

// A Responses request with web search runs at most this many built-in tool calls under a USD
// budget: its max_tool_calls is lowered to it, or set when absent (Codex sends none).
constexpr std::int64_t kHostedToolCallCeiling = 10;

// OpenAI's web searches are bounded by the request's max_tool_calls, kept under the ceiling.
std::optional<Plan> bound_tool_calls(const RequestFacts& facts, HostedTools& tools, BodyEdits& edits) {
  if (!tools.searches_per_tool_call) return std::nullopt;
  if (facts.tool_calls_not_integer)
    return refused(400, "denied_policy", "max_tool_calls must be a whole number (0 or more) while a USD budget is in force");
  if (facts.tool_calls_limit == 0)
    return refused(400, "denied_policy", "max_tool_calls must be at least 1 with a web_search tool while a USD budget "
                                         "is in force (the upstream's reading of 0 is not documented)");
  auto calls = facts.tool_calls_limit.value_or(kHostedToolCallCeiling);
  if (!facts.tool_calls_limit || calls > kHostedToolCallCeiling) {
    calls = kHostedToolCallCeiling;
    edits.set_tool_calls = calls;
  }
  tools.web_searches = saturating_add(tools.web_searches, calls);
  return std::nullopt;
}

// Tools the provider bills per call (hosted_tools.h), under a USD budget: web searches are
// reserved at the most the request allows (Anthropic's max_uses, OpenAI's max_tool_calls) and
// settled at the searches its answer reports. The others spend where the meter cannot see
// (refusing them would stop agents that enable them in every request working under a budget):
// the plan names the first, for the audit record. Read only under a USD budget: the tools list
// is most of a Claude Code body.
std::optional<Plan> check_hosted_tools(const PlanInput& input, const RequestFacts& facts, Plan& plan,
                                       BodyEdits& edits) {
  if (!any_scope(input.scopes, limits_usd)) return std::nullopt;
  auto tools = read_hosted_tools(input.body, facts, plan.kind);
  if (tools.unmetered.empty() && plan.model.ends_with(":online")) tools.unmetered = "the :online model variant";
  plan.unmetered_tool = tools.unmetered;
  if (!tools.unreadable.empty())
    return refused(400, "denied_policy", tools.unreadable + " (JSON decoders may read it differently); it is refused "
                                                             "while a USD budget is in force");
  if (tools.web_search_unbounded)
    return refused(400, "denied_policy", "a web_search tool must state max_uses (a whole number from 1) while a USD "
                                         "budget is in force: the budget reserves every search it allows");
  if (auto refusal = bound_tool_calls(facts, tools, edits)) return refusal;
  if (tools.web_searches > 0 && (!plan.price || !plan.price->web_search))
    return refused(403, "denied_price", "no web search price for model '" + plan.model + "': a USD budget refuses "
                                            "web_search without one (add web_search_per_1000 under policy.prices)");
  plan.web_searches_reserved = tools.web_searches;
  return std::nullopt;
}

// Anthropic refuses a thinking.budget_tokens that is not below max_tokens (Claude Code sends
// 31999 with 32000): a max_tokens lowered to the ceiling takes the budget down with it.
std::optional<Plan> keep_thinking_below_output(const RequestFacts& facts, ApiKind kind, BodyEdits& edits) {
  constexpr std::int64_t kMinThinkingBudget = 1024;
  if (kind != ApiKind::messages || !edits.set_output || !facts.thinking_budget ||
      *facts.thinking_budget < *edits.set_output)
    return std::nullopt;
  auto budget = *edits.set_output - 1;
  if (budget < kMinThinkingBudget)
    return refused(400, "denied_ceiling", "thinking.budget_tokens must stay below max_tokens and be at least 1024: "
                                          "an output ceiling of " + std::to_string(*edits.set_output) +
                                          " leaves it no room; raise max_output_tokens or turn thinking off");
  edits.set_thinking_budget = budget;
  return std::nullopt;
}

// A request that needs more tokens than a minute allows can never be admitted: a 429 with
// retry-after would have the client retry it forever.
std::optional<Plan> check_fits_a_minute(const Plan& plan, const Scope& scope) {
  const auto& limit = scope.rules->tokens_per_minute;
  auto needs = saturating_add(plan.input_estimate, plan.output_reserved);
  if (!plan.metered || !limit || needs <= *limit) return std::nullopt;
  return refused(400, "denied_policy", "the request needs " + std::to_string(needs) + " tokens, more than " +
                                           scope.where + ".tokens_per_minute (" + std::to_string(*limit) +
                                           ") allows in a minute; ask for less output");
}

void add_draws(const Plan& plan, const Scope& scope, std::vector<Draw>& draws) {
  const auto& r = *scope.rules;
  if (r.requests_per_minute) draws.push_back({scope.key + std::string(kRequestsPerMinute), 1});
  if (r.concurrent_requests) draws.push_back({scope.key + std::string(kConcurrent), 1});
  if (!plan.metered) return;
  if (r.tokens_per_minute)
    draws.push_back({scope.key + std::string(kTokensPerMinute), saturating_add(plan.input_estimate, plan.output_reserved)});
  if (r.input_tokens) draws.push_back({scope.key + std::string(kInputTokens), plan.input_estimate});
  if (r.output_tokens) draws.push_back({scope.key + std::string(kOutputTokens), plan.output_reserved});
  if (r.budget_micro_usd && plan.price)
    draws.push_back({scope.key + std::string(kUsd),
                     worst_case_micro_usd(plan.input_estimate, plan.output_reserved, *plan.price,
                                          plan.web_searches_reserved)});
}

// The plan for `input` filled into `plan`, or the refusal that replaces it.
std::optional<Plan> fill_plan(const PlanInput& input, Plan& plan) {
  const auto& settings = *input.settings;
  auto facts = inspect_request_body(input.body);
  plan.kind = api_kind_of(input.path);
  forget_foreign_output_field(plan.kind, facts);
  if (plan.kind == ApiKind::gemini && !read_gemini_limits(input.body, facts)) facts.json_object = false;
  if (!facts.duplicate_key.empty())
    return refused(400, "denied_policy", "the request body has more than one \"" + facts.duplicate_key + "\" key");
  // Gemini runs the model its path names, whatever a `model` in the body says: a method path
  // ("…:generateContent") that names none in "models/<id>" names no model at all.
  const bool method_path = !path_method(input.path).empty();
  plan.model = method_path ? model_from_path(input.path) : std::move(facts.model);
  plan.metered = spends_tokens(input.method, plan.kind, plan.model);
  // Real model names are short; a long one would be kept (a usage row) for the whole session.
  constexpr std::size_t kMaxModelName = 256;
  if (plan.metered && plan.model.size() > kMaxModelName)
    return refused(400, "denied_policy", "the model name is longer than " + std::to_string(kMaxModelName) + " bytes");
  if (method_path && plan.kind == ApiKind::other && input.method == "POST" && any_scope(input.scopes, reads_the_body))
    return refused(403, "denied_policy", "the policy cannot meter Gemini's '" + std::string(path_method(input.path)) +
                                             "' (it knows generateContent, streamGenerateContent, countTokens and "
                                             "embedContent); it is refused while a model allowlist, output ceiling "
                                             "or budget is in force");
  if (plan.metered && any_scope(input.scopes, reads_the_body)) {
    if (!facts.json_object)
      return refused(400, "denied_policy", "the request body is not one JSON object the policy can read; it is refused "
                                           "while a model allowlist, output ceiling or budget is in force");
    if (!facts.case_variant_key.empty())
      return refused(400, "denied_policy", "the request body has a key \"" + facts.case_variant_key +
                                               "\" that some JSON decoders read as a field the policy checks; it is "
                                               "refused while a model allowlist, output ceiling or budget is in force");
  }
  // Reading (GET /v1/models) names no model and spends nothing: the allowlist is for requests.
  if (input.method == "POST") {
    if (auto refusal = check_models(input.scopes, plan.model)) return refusal;
  }
  if (input.method == "POST" && !plan.metered && plan.kind == ApiKind::other &&
      any_scope(input.scopes, limits_money_or_models))
    return refused(403, "denied_policy", "the policy cannot meter this request (no model named, unknown API); "
                                         "it is refused while a model allowlist or budget is in force");
  BodyEdits edits;
  std::optional<std::int64_t> output;
  if (plan.metered) {
    if (auto refusal = apply_ceiling(input.scopes, facts, plan.kind, edits, output)) return refusal;
    if (plan.kind == ApiKind::gemini && !edits.insert_field.empty()) {
      edits.insert_wrapper = "generationConfig";
      edits.wrapper_span = facts.generation_config_span;
    }
    if (auto refusal = check_choices(input.scopes, facts, plan.kind)) return refusal;
    if (auto refusal = check_unseen_spend(input.scopes, facts, plan.kind)) return refusal;
    if (auto refusal = keep_thinking_below_output(facts, plan.kind, edits)) return refusal;
  }
  // Streamed chats and completions report usage only when asked to.
  if ((plan.kind == ApiKind::chat || plan.kind == ApiKind::completions) && facts.stream && !facts.include_usage) {
    edits.ask_usage = true;
    plan.strip_usage_chunk = true;
  }
  plan.price = settings.prices.find(plan.model);
  if (plan.metered && !plan.price && any_scope(input.scopes, limits_usd))
    return refused(403, "denied_price", "no price for model '" + plan.model +
                                            "': a USD budget refuses models the price table does not list "
                                            "(add it under policy.prices)");
  if (plan.metered) {
    if (auto refusal = check_hosted_tools(input, facts, plan, edits)) return refusal;
    auto divisor = std::max<std::int64_t>(settings.bytes_per_input_token, 1);
    plan.input_estimate = (static_cast<std::int64_t>(input.body.size()) + divisor - 1) / divisor;
    auto per_answer = output.value_or(settings.assumed_output_tokens);
    plan.output_reserved = plan.kind == ApiKind::embeddings ? 0 : saturating_mul(per_answer, answers(facts, plan.kind));
  }
  if (edits.set_output || edits.ask_usage || edits.set_thinking_budget || edits.set_tool_calls) {
    plan.body_splices = request_body_splices(input.body, facts, edits);
    plan.body_edited = true;
  }
  for (const auto& scope : input.scopes) {
    if (auto refusal = check_fits_a_minute(plan, scope)) return refusal;
    add_draws(plan, scope, plan.draws);
  }
  return std::nullopt;
}

}  // namespace

Plan plan_request(const PlanInput& input) {
  Plan plan;  // one object, returned in place: a Plan is large
  if (auto refusal = fill_plan(input, plan)) plan = std::move(*refusal);
  return plan;
}

std::vector<Counter> counters_for(const std::vector<Scope>& scopes) {
  std::vector<Counter> counters;
  for (const auto& scope : scopes) {
    const auto& r = *scope.rules;
    auto add = [&](std::string_view suffix, Unit unit, Window window, const std::optional<std::int64_t>& max) {
      if (max) counters.push_back({scope.key + std::string(suffix), unit, window, *max});
    };
    add(kRequestsPerMinute, Unit::requests, Window::per_minute, r.requests_per_minute);
    add(kConcurrent, Unit::concurrent, Window::total, r.concurrent_requests);
    add(kTokensPerMinute, Unit::tokens, Window::per_minute, r.tokens_per_minute);
    add(kInputTokens, Unit::input_tokens, scope.budget_window, r.input_tokens);
    add(kOutputTokens, Unit::output_tokens, scope.budget_window, r.output_tokens);
    add(kUsd, Unit::micro_usd, scope.budget_window, r.budget_micro_usd);
  }
  return counters;
}

std::int64_t cost_of(const Plan& plan, const Usage& usage) {
  return plan.price ? cost_micro_usd(usage, *plan.price) : 0;
}

std::vector<Draw> settlement(const Plan& plan, const Usage& usage) {
  std::vector<Draw> actual;
  for (const auto& draw : plan.draws) {
    const std::string_view key = draw.counter;
    std::int64_t amount = 0;
    if (key.ends_with(kRequestsPerMinute)) amount = 1;
    else if (key.ends_with(kTokensPerMinute)) amount = usage.total();
    else if (key.ends_with(kInputTokens)) amount = usage.all_input();
    else if (key.ends_with(kOutputTokens)) amount = usage.output;
    else if (key.ends_with(kUsd)) amount = cost_of(plan, usage);
    else continue;  // a concurrency slot is given back whole
    actual.push_back({draw.counter, amount});
  }
  return actual;
}

}  // namespace saferun::broker::policy
