// sse_probe PORT TARGET [@BODY_FILE] [NAME:VALUE ...] [body=JSON]: sends one POST (body "{}",
// the file's bytes, or JSON) to 127.0.0.1:PORT whose answer is a stream of events from the fake upstream's
// sse-slow mode, each carrying the CLOCK_MONOTONIC time it was sent, and prints how long each
// event took to arrive, in microseconds:
//   events=N first_us=… p50_us=… mean_us=… max_us=…

#include <algorithm>
#include <fstream>
#include <iostream>
#include <numeric>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/raw_http.h"

int main(int argc, char** argv) {
  using namespace saferun::test;
  if (argc < 3) {
    std::cerr << "usage: sse_probe PORT TARGET [NAME:VALUE ...]\n";
    return 2;
  }
  Headers headers;
  std::string body = "{}";
  int first_header = 3;
  if (argc > 3 && argv[3][0] == '@') {
    std::ifstream file(argv[3] + 1, std::ios::binary);
    body.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    first_header = 4;
  }
  for (int i = first_header; i < argc; ++i) {
    std::string header = argv[i];
    if (header.starts_with("body=")) {
      body = header.substr(5);
      continue;
    }
    auto colon = header.find(':');
    headers.emplace_back(header.substr(0, colon), header.substr(colon + 1));
  }
  RawConnection connection(static_cast<std::uint16_t>(std::stoi(argv[1])));
  connection.send(request_bytes("POST", argv[2], headers, body, true));
  static const std::regex kSent("\"sent_ns\":([0-9]+)");
  std::vector<double> delays_us;
  while (auto piece = connection.read(std::chrono::seconds(30))) {
    if (piece->bytes.empty()) break;
    for (std::sregex_iterator it(piece->bytes.begin(), piece->bytes.end(), kSent), end; it != end; ++it)
      delays_us.push_back(static_cast<double>(piece->at_ns - std::stoll((*it)[1].str())) / 1000.0);
  }
  if (delays_us.empty()) {
    std::cerr << "sse_probe: no events arrived\n";
    return 1;
  }
  double mean = std::accumulate(delays_us.begin(), delays_us.end(), 0.0) / static_cast<double>(delays_us.size());
  double first = delays_us.front();
  std::nth_element(delays_us.begin(), delays_us.begin() + static_cast<long>(delays_us.size() / 2), delays_us.end());
  std::cout << "events=" << delays_us.size() << " first_us=" << first
            << " p50_us=" << delays_us[delays_us.size() / 2] << " mean_us=" << mean
            << " max_us=" << *std::max_element(delays_us.begin(), delays_us.end()) << "\n";
  return 0;
}
