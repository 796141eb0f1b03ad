// PostgreSQL v3 message framing: building outgoing messages into a buffer and
// reading fields out of an incoming message body. Formats are in
// PostgreSQL's protocol documentation, chapter "Message Formats".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "utils/error.h"

namespace tusk::protocol {

// Appends one message (type byte, length, fields) to `out`; the length is
// patched in by the destructor.
class MessageWriter {
 public:
  MessageWriter(std::string* out, char type);
  ~MessageWriter();
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  MessageWriter& Byte(char b);
  MessageWriter& Int16(int16_t v);
  MessageWriter& Int32(int32_t v);
  MessageWriter& CString(std::string_view s);  // with the terminating NUL
  MessageWriter& Bytes(std::string_view s);

 private:
  std::string* out_;
  size_t start_;
};

// Reads fields from a message body. Running past the end throws FATAL 08P01
// `invalid message format`, which ends the session, as in PostgreSQL.
class MessageReader {
 public:
  explicit MessageReader(std::string_view body) : body_(body) {}
  char Byte();
  int16_t Int16();
  int32_t Int32();
  std::string_view CString();
  std::string_view Bytes(size_t n);
  size_t Remaining() const { return body_.size() - pos_; }
  // PostgreSQL's pq_getmsgend: a message with trailing bytes is malformed.
  void ExpectEnd();

 private:
  std::string_view body_;
  size_t pos_ = 0;
};

// ErrorResponse ('E') or NoticeResponse ('N') with every field PostgreSQL sends.
void AppendErrorMessage(std::string* out, const ErrorData& data, bool as_notice);

void AppendReadyForQuery(std::string* out, char status);
// DataRow: each value in the format it was produced in; nullopt is NULL.
void AppendDataRow(std::string* out, const std::vector<std::optional<std::string>>& values);
void AppendParameterStatus(std::string* out, std::string_view name, std::string_view value);

}  // namespace tusk::protocol
