// One hexadecimal digit's value, for the text input of uuid, pg_lsn and
// bytea (each raises its own error on a bad digit).
#pragma once

namespace tusk {

// 0-15, or -1 if c is not a hexadecimal digit.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace tusk
