#pragma once
// The upstream's answer head as the exchange keeps it: status, version, and the reason and
// fields as broker/flat_fields.h keeps them (the reason is the lead, so text() covers it).

#include <string_view>

#include "broker/flat_fields.h"

namespace saferun::broker {

class AnswerHead : public FlatFields {
 public:
  explicit AnswerHead(HeadAllocator<char> allocator = {}) : FlatFields(allocator) {}

  // Called once, before any field (the status line comes first).
  void set_status(unsigned status, std::string_view reason, unsigned version) {
    status_ = status;
    version_ = version;
    reset(reason);
  }

  unsigned status() const { return status_; }
  unsigned version() const { return version_; }  // 10 or 11
  std::string_view reason() const { return lead(); }

 private:
  unsigned status_ = 0;
  unsigned version_ = 11;
};

}  // namespace saferun::broker
