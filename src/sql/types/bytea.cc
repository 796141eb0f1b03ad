// bytea text input and output (see bytea.h).
#include "sql/types/bytea.h"

#include "sql/types/bytea_codec.h"
#include "utils/error.h"

namespace tusk::sql {

void ByteaIn(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    HexDecode(text.substr(2), out);
    return;
  }
  // The escape format; PostgreSQL's byteain and decode(..., 'escape') share
  // the rules and the message.
  EscapeDecode(text, out);
}

void ByteaOut(std::string_view bytes, bool escape, std::string& out) {
  if (!escape) {
    out += "\\x";
    HexEncode(bytes, out);
    return;
  }
  for (unsigned char c : bytes) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c > 0x7e) {
      out += '\\';
      out += static_cast<char>('0' + (c >> 6));
      out += static_cast<char>('0' + ((c >> 3) & 7));
      out += static_cast<char>('0' + (c & 7));
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace tusk::sql
