// The byte ring between a parallel worker and its leader
// (storage/ipc/parallel_slots.h): partial writes when full, wrap-around,
// and a byte stream that arrives whole and in order.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "storage/ipc/parallel_slots.h"

namespace tusk::parallel {
namespace {

std::unique_ptr<WorkerSlot> EmptySlot() {
  auto s = std::make_unique<WorkerSlot>();
  s->written.store(0);
  s->read.store(0);
  s->leader_waiting.store(false);
  s->worker_waiting.store(false);
  s->worker_pid.store(0);
  s->leader_pid = 0;
  return s;
}

TEST(ParallelRing, WritesWhatFitsAndReadsWhatIsThere) {
  auto s = EmptySlot();
  std::string big(kRingBytes + 100, 'x');
  EXPECT_EQ(RingWrite(*s, big.data(), big.size()), kRingBytes);
  EXPECT_EQ(RingAvailable(*s), kRingBytes);
  EXPECT_EQ(RingWrite(*s, "y", 1), 0u);
  char buf[10];
  EXPECT_EQ(RingRead(*s, buf, sizeof buf), sizeof buf);
  EXPECT_EQ(RingWrite(*s, "0123456789abc", 13), 10u);  // room for the 10 bytes read
  std::string rest(kRingBytes, '\0');
  EXPECT_EQ(RingRead(*s, rest.data(), rest.size()), kRingBytes);
  EXPECT_EQ(rest.substr(kRingBytes - 10), "0123456789");  // wrapped to the start of the ring
  EXPECT_EQ(RingRead(*s, buf, sizeof buf), 0u);
}

TEST(ParallelRing, AStreamOfManyRingsArrivesIntactThroughWrapAround) {
  auto s = EmptySlot();
  std::mt19937 rng(7);
  std::string sent, got;
  for (size_t i = 0; sent.size() < 5 * kRingBytes; ++i) sent.push_back(static_cast<char>(rng()));
  size_t in = 0;
  while (got.size() < sent.size()) {
    const size_t w = std::uniform_int_distribution<size_t>(0, 70000)(rng);
    in += RingWrite(*s, sent.data() + in, std::min(w, sent.size() - in));
    ASSERT_LE(RingAvailable(*s), kRingBytes);
    std::string chunk(std::uniform_int_distribution<size_t>(0, 90000)(rng), '\0');
    chunk.resize(RingRead(*s, chunk.data(), chunk.size()));
    got += chunk;
  }
  EXPECT_EQ(in, sent.size());
  EXPECT_TRUE(got == sent);
}

}  // namespace
}  // namespace tusk::parallel
