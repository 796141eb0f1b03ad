#include "utils/crc32c.h"

#include <gtest/gtest.h>

#include <string>

TEST(Crc32c, KnownVectors) {
  // RFC 3720 B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(tusk::Crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(tusk::Crc32c(0, ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(tusk::Crc32c(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, Incremental) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  uint32_t whole = tusk::Crc32c(0, s.data(), s.size());
  uint32_t part = tusk::Crc32c(0, s.data(), 10);
  part = tusk::Crc32c(part, s.data() + 10, s.size() - 10);
  EXPECT_EQ(whole, part);
}
