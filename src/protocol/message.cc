// Encoding and decoding of protocol fields (network byte order).
#include "protocol/message.h"

#include <arpa/inet.h>

#include <cstring>

namespace tusk::protocol {

MessageWriter::MessageWriter(std::string* out, char type) : out_(out) {
  out_->push_back(type);
  start_ = out_->size();
  out_->append(4, '\0');
}

MessageWriter::~MessageWriter() {
  uint32_t len = htonl(static_cast<uint32_t>(out_->size() - start_));
  memcpy(&(*out_)[start_], &len, 4);
}

MessageWriter& MessageWriter::Byte(char b) {
  out_->push_back(b);
  return *this;
}

MessageWriter& MessageWriter::Int16(int16_t v) {
  uint16_t n = htons(static_cast<uint16_t>(v));
  out_->append(reinterpret_cast<const char*>(&n), 2);
  return *this;
}

MessageWriter& MessageWriter::Int32(int32_t v) {
  uint32_t n = htonl(static_cast<uint32_t>(v));
  out_->append(reinterpret_cast<const char*>(&n), 4);
  return *this;
}

MessageWriter& MessageWriter::CString(std::string_view s) {
  out_->append(s.data(), s.size());
  out_->push_back('\0');
  return *this;
}

MessageWriter& MessageWriter::Bytes(std::string_view s) {
  out_->append(s.data(), s.size());
  return *this;
}

static PgError BadFormat(const char* what = "invalid message format") {
  return PgError(sqlstate::kProtocolViolation, what, ErrLevel::kFatal);
}

char MessageReader::Byte() {
  if (pos_ + 1 > body_.size()) throw BadFormat("no data left in message");
  return body_[pos_++];
}

int16_t MessageReader::Int16() {
  if (pos_ + 2 > body_.size()) throw BadFormat("insufficient data left in message");
  uint16_t v;
  memcpy(&v, body_.data() + pos_, 2);
  pos_ += 2;
  return static_cast<int16_t>(ntohs(v));
}

int32_t MessageReader::Int32() {
  if (pos_ + 4 > body_.size()) throw BadFormat("insufficient data left in message");
  uint32_t v;
  memcpy(&v, body_.data() + pos_, 4);
  pos_ += 4;
  return static_cast<int32_t>(ntohl(v));
}

std::string_view MessageReader::CString() {
  size_t end = body_.find('\0', pos_);
  if (end == std::string_view::npos) throw BadFormat("invalid string in message");
  std::string_view s = body_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return s;
}

std::string_view MessageReader::Bytes(size_t n) {
  if (n > body_.size() - pos_) throw BadFormat("insufficient data left in message");
  std::string_view s = body_.substr(pos_, n);
  pos_ += n;
  return s;
}

void MessageReader::ExpectEnd() {
  if (pos_ != body_.size()) throw BadFormat("invalid message format");
}

void AppendErrorMessage(std::string* out, const ErrorData& d, bool as_notice) {
  MessageWriter w(out, as_notice ? 'N' : 'E');
  const char* sev = ErrLevelName(d.level);
  w.Byte('S').CString(sev);
  w.Byte('V').CString(sev);
  w.Byte('C').CString(d.sqlstate);
  w.Byte('M').CString(d.message);
  if (!d.detail.empty()) w.Byte('D').CString(d.detail);
  if (!d.hint.empty()) w.Byte('H').CString(d.hint);
  if (d.position > 0) w.Byte('P').CString(std::to_string(d.position));
  if (!d.context.empty()) w.Byte('W').CString(d.context);
  if (!d.file.empty()) {
    w.Byte('F').CString(d.file);
    w.Byte('L').CString(std::to_string(d.line));
    w.Byte('R').CString(d.routine);
  }
  w.Byte('\0');
}

void AppendReadyForQuery(std::string* out, char status) { MessageWriter(out, 'Z').Byte(status); }

void AppendDataRow(std::string* out, const std::vector<std::optional<std::string>>& values) {
  // The writer fills in the length when it goes out of scope.
  MessageWriter w(out, 'D');
  w.Int16(static_cast<int16_t>(values.size()));
  for (const auto& v : values) {
    if (!v) {
      w.Int32(-1);
    } else {
      w.Int32(static_cast<int32_t>(v->size())).Bytes(*v);
    }
  }
}

void AppendParameterStatus(std::string* out, std::string_view name, std::string_view value) {
  MessageWriter(out, 'S').CString(name).CString(value);
}

}  // namespace tusk::protocol
