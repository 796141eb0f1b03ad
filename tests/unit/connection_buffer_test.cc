// The input buffer of a client connection stays bounded while a client
// streams messages whose boundaries never line up with the reads (COPY FROM
// STDIN), instead of growing to the size of the whole stream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>

#include "protocol/connection.h"

namespace tusk::protocol {
namespace {

std::string CopyData(size_t payload, char fill) {
  std::string m(1, 'd');
  uint32_t len = htonl(static_cast<uint32_t>(payload + 4));
  m.append(reinterpret_cast<const char*>(&len), 4);
  m.append(payload, fill);
  return m;
}

TEST(ConnectionBuffer, StreamingClientKeepsTheInputBufferBounded) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  constexpr int kMessages = 20000;  // 20 MB in 1000-byte messages
  std::thread client([fd = fds[1]] {
    std::string stream;
    for (int i = 0; i < kMessages; ++i) stream += CopyData(995, static_cast<char>('a' + i % 26));
    // Odd-sized writes, so a read rarely ends on a message boundary.
    for (size_t pos = 0; pos < stream.size();) {
      ssize_t w = write(fd, stream.data() + pos, std::min<size_t>(7777, stream.size() - pos));
      if (w <= 0) break;
      pos += static_cast<size_t>(w);
    }
    close(fd);
  });
  Connection conn(fds[0]);
  char type;
  std::string body;
  size_t largest = 0;
  int read = 0;
  while (conn.ReadMessage(&type, &body)) {
    ASSERT_EQ(type, 'd');
    ASSERT_EQ(body.size(), 995u);
    ASSERT_EQ(body[0], static_cast<char>('a' + read % 26));
    ++read;
    largest = std::max(largest, conn.InputBufferBytes());
  }
  client.join();
  EXPECT_EQ(read, kMessages);
  EXPECT_LE(largest, 128u * 1024) << "the buffer kept what was already read";
}

}  // namespace
}  // namespace tusk::protocol
