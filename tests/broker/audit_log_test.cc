#include "broker/audit_log.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <charconv>
#include <random>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

using namespace saferun::broker;

TEST_CASE("an audit event is one JSON line with every field", "[audit_log]") {
  AuditEvent event;
  event.time = "2026-01-01T00:00:00.000Z";
  event.request_id = "req_1";
  event.route = "anthropic";
  event.method = "POST";
  event.path = "/anthropic/v1/messages";
  event.status = 200;
  event.decision = "allowed";
  event.bytes_in = 10;
  event.bytes_out = 20;
  event.latency_ms = 1.5;
  auto line = to_json_line(event);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  auto parsed = nlohmann::json::parse(line);
  for (const char* key : {"time", "request_id", "route", "method", "path", "status", "decision",
                          "reason", "bytes_in", "bytes_out", "latency_ms"})
    CHECK(parsed.contains(key));
  CHECK(parsed["status"] == 200);
}

TEST_CASE("an audit line with every member set is exactly its documented bytes", "[audit_log]") {
  AuditEvent event;
  event.time = "2026-01-01T00:00:00.000Z";
  event.session = "sess-1";
  event.request_id = "req_7";
  event.route = "anthropic";
  event.method = "POST";
  event.path = "/anthropic/v1/messages";
  event.status = 429;
  event.decision = "denied_budget";
  event.reason = "a \"q\" \\ \n\x01 caf\xc3\xa9 \xff " + std::string(600, 'r');
  event.bytes_in = 76543;
  event.bytes_out = 0;
  event.latency_ms = 12.3456;
  event.model = "claude-sonnet-4-5";
  event.metered = true;
  event.input_tokens = 100;
  event.output_tokens = -2;
  event.cache_write_tokens = 3;
  event.cache_read_tokens = 4000000000;
  event.cost_micro_usd = 5;
  event.web_searches = 2;
  event.unmetered_tool = "code_execution";
  event.suppressed = 3;
  event.message_type = "response.create";
  // Cut at kMaxFieldBytes (19 bytes before the r's), then escaped: control characters as \u00XX.
  const std::string reason =
      "a \\\"q\\\" \\\\ \\u000a\\u0001 caf\xc3\xa9 \\ufffd " + std::string(512 - 19, 'r') + "...(619 bytes)";
  CHECK(to_json_line(event) ==
        "{\"time\":\"2026-01-01T00:00:00.000Z\",\"session\":\"sess-1\",\"request_id\":\"req_7\",\"route\":\"anthropic\","
        "\"method\":\"POST\",\"path\":\"/anthropic/v1/messages\",\"status\":429,\"decision\":\"denied_budget\","
        "\"reason\":\"" + reason + "\",\"bytes_in\":76543,\"bytes_out\":0,\"latency_ms\":12.346,"
        "\"model\":\"claude-sonnet-4-5\",\"input_tokens\":100,\"output_tokens\":-2,\"cache_write_tokens\":3,"
        "\"cache_read_tokens\":4000000000,\"cost_micro_usd\":5,\"web_searches\":2,\"unmetered_tool\":\"code_execution\","
        "\"suppressed\":3,\"message_type\":\"response.create\"}\n");
  event.session.clear();  // the optional members left out
  event.model.clear();
  event.metered = false;
  event.unmetered_tool.clear();
  event.suppressed = 0;
  event.message_type.clear();
  event.reason.clear();
  CHECK(to_json_line(event) ==
        "{\"time\":\"2026-01-01T00:00:00.000Z\",\"request_id\":\"req_7\",\"route\":\"anthropic\",\"method\":\"POST\","
        "\"path\":\"/anthropic/v1/messages\",\"status\":429,\"decision\":\"denied_budget\",\"reason\":\"\","
        "\"bytes_in\":76543,\"bytes_out\":0,\"latency_ms\":12.346}\n");
}

TEST_CASE("an audit line several kilobytes long after escaping is whole", "[audit_log]") {
  AuditEvent event;
  event.path = std::string(600, '"');
  event.reason = std::string(600, '\x01');
  std::string escaped_path, escaped_reason;
  for (int i = 0; i < 512; ++i) escaped_path += "\\\"";
  for (int i = 0; i < 512; ++i) escaped_reason += "\\u0001";
  auto line = to_json_line(event);
  CHECK(line.size() > 4000);
  CHECK(line == "{\"time\":\"\",\"request_id\":\"\",\"route\":\"\",\"method\":\"\",\"path\":\"" + escaped_path +
                    "...(600 bytes)\",\"status\":0,\"decision\":\"\",\"reason\":\"" + escaped_reason +
                    "...(600 bytes)\",\"bytes_in\":0,\"bytes_out\":0,\"latency_ms\":0.000}\n");
}

TEST_CASE("invalid UTF-8 in a path does not break the audit line", "[audit_log]") {
  AuditEvent event;
  event.path = "/x\xff";
  CHECK_NOTHROW(nlohmann::json::parse(to_json_line(event)));
}

TEST_CASE("the audit line keeps well-formed UTF-8 and replaces every ill-formed sequence", "[audit_log]") {
  auto path_in_line = [](const std::string& path) {
    AuditEvent event;
    event.path = path;
    return nlohmann::json::parse(to_json_line(event))["path"].get<std::string>();
  };
  CHECK(path_in_line("/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf") ==
        "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf");
  const std::string replaced = "\xef\xbf\xbd";  // U+FFFD
  int index = 0;  // overlong, overlong, surrogate, overlong, past U+10FFFF, bad lead, bad lead, cut short
  for (const std::string bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
                                "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xe2\x82"}) {
    INFO("ill-formed sequence #" << index++);
    auto decoded = path_in_line("/" + bad);
    CHECK(decoded.rfind("/" + replaced, 0) == 0);
    CHECK(decoded.find(bad) == std::string::npos);
  }
}

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds", "[audit_log]") {
  auto now = rfc3339_now();
  CHECK(now.size() == 24);
  CHECK(now.back() == 'Z');
  CHECK(now[10] == 'T');
}

TEST_CASE("audit strings escape quotes, backslashes and control characters", "[audit_log]") {
  AuditEvent event;
  event.reason = "a \"quoted\" \\ reason\n\t\x01 caf\xc3\xa9";
  auto parsed = nlohmann::json::parse(to_json_line(event));
  CHECK(parsed["reason"] == "a \"quoted\" \\ reason\n\t\x01 caf\xc3\xa9");
}

TEST_CASE("batched audit lines reach the file on flush, and at the latest when the log is destroyed", "[audit_log]") {
  saferun::test::TempDir dir;
  auto path = dir.path() + "/events.jsonl";
  int scheduled = 0;
  {
    AuditLog log(path);
    log.flush_later([&] { ++scheduled; });
    AuditEvent event;
    event.authenticated = true;
    event.request_id = "req_1";
    log.record(event);
    event.request_id = "req_2";
    log.record(event);
    CHECK(scheduled == 1);  // one flush per batch, not per line
    CHECK(saferun::test::read_file(path).empty());
    log.flush();
    CHECK(saferun::test::read_file(path).find("req_2") != std::string::npos);
    event.request_id = "req_3";
    log.record(event);
    CHECK(scheduled == 2);
  }
  auto text = saferun::test::read_file(path);
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  CHECK(text.find("req_3") != std::string::npos);
}

TEST_CASE("a batch is written at once when it reaches kFlushBytes", "[audit_log]") {
  saferun::test::TempDir dir;
  auto path = dir.path() + "/events.jsonl";
  AuditLog log(path);
  log.flush_later([] {});
  AuditEvent event;
  event.authenticated = true;
  event.reason = std::string(AuditLog::kMaxFieldBytes, 'r');
  std::size_t lines = 0;
  while (saferun::test::read_file(path).empty() && lines < 1000) {
    log.record(event);
    ++lines;
  }
  auto line = to_json_line(event).size();
  CHECK(lines * line >= AuditLog::kFlushBytes);
  CHECK((lines - 1) * line < AuditLog::kFlushBytes);
}

TEST_CASE("every byte at every offset of a long plain run is escaped as it is alone", "[audit_log]") {
  // The plain runs are scanned eight bytes at a time: each byte value is put at each offset of
  // a 24-byte run (three words, and a tail) and the line must read back as written, with the
  // same escape as the byte has by itself.
  auto reason_member = [](const std::string& reason) {
    AuditEvent event;
    event.reason = reason;
    auto line = to_json_line(event);
    auto start = line.find("\"reason\":") + 9;
    return line.substr(start, line.find(",\"bytes_in\"") - start);
  };
  const std::string run(24, 'a');
  for (int value = 0; value < 256; ++value) {
    const std::string byte(1, static_cast<char>(value));
    auto alone = reason_member(byte);  // "\"x\"" with x escaped
    auto escaped = alone.substr(1, alone.size() - 2);
    for (std::size_t at = 0; at < run.size(); ++at) {
      INFO("byte " << value << " at " << at);
      auto text = run;
      text[at] = static_cast<char>(value);
      CHECK(reason_member(text) == "\"" + run.substr(0, at) + escaped + run.substr(at + 1) + "\"");
    }
  }
}

TEST_CASE("latency is written with three decimals, as fixed-notation formatting writes it", "[audit_log]") {
  auto latency_member = [](double value) {
    AuditEvent event;
    event.latency_ms = value;
    auto line = to_json_line(event);
    auto start = line.find("\"latency_ms\":") + 13;
    return line.substr(start, line.find_first_of(",}", start) - start);
  };
  auto fixed = [](double value) {
    char text[400];
    return std::string(text, std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 3).ptr);
  };
  std::mt19937_64 random(3);
  std::vector<double> values = {0, 0.0004, 0.0006, 0.999, 0.9996, 1, 1.5, 12.3456, 999.9996, 86400000, 3.19e10,
                                3.2e10, 1e300, -0.25, -5};
  for (int i = 0; i < 20000; ++i) values.push_back(std::uniform_real_distribution<double>(0, 1e7)(random));
  for (int i = 0; i < 20000; ++i) values.push_back(std::uniform_real_distribution<double>(0, 5)(random));
  for (double value : values) {
    INFO(fixed(value));
    CHECK(latency_member(value) == fixed(value));
  }
}
