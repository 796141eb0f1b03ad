// Wire protocol v3: SSL/GSS refusal, extended query with named statements and
// portals, row limits with PortalSuspended, binary formats, error fields,
// malformed input ending only the offending session; and the fuzz test.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "cluster.h"
#include "raw_client.h"

namespace tusk::test {
namespace {

using R = RawClient;

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { c_.Start(); }
  Cluster c_;
};

TEST_F(ProtocolTest, SslAndGssRequestsAreRefusedWithN) {
  RawClient raw(c_.sockdir(), c_.port());
  raw.SendRaw(R::Int32(8) + R::Int32((1234 << 16) | 5679));
  char b = 0;
  ASSERT_EQ(recv(raw.fd(), &b, 1, 0), 1);
  EXPECT_EQ(b, 'N');
  raw.SendRaw(R::Int32(8) + R::Int32((1234 << 16) | 5680));
  ASSERT_EQ(recv(raw.fd(), &b, 1, 0), 1);
  EXPECT_EQ(b, 'N');
  raw.SendStartup(c_.superuser(), "postgres");
  auto msgs = raw.ReadUntilReady();
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.front().type, 'R');
  EXPECT_EQ(msgs.back().type, 'Z');
  bool key = false;
  for (auto& m : msgs) key |= m.type == 'K' && m.body.size() == 8;
  EXPECT_TRUE(key);
  // libpq with sslmode=prefer falls back to a plain connection.
  Conn conn = c_.Connect("postgres", "", true, "sslmode=prefer");
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
}

TEST_F(ProtocolTest, ExtendedQueryRowLimitsAndPortalSuspended) {
  RawClient raw(c_.sockdir(), c_.port());
  ASSERT_TRUE(raw.Login(c_.superuser()));
  // Named statement with a parameter of unspecified type resolved by context.
  // pg_database holds template1 (1), template0 (4) and postgres (5).
  raw.Send('P', R::CStr("s1") + R::CStr("SELECT oid::int4 FROM pg_database WHERE oid::int4 <= $1 ORDER BY 1") +
                    R::Int16(1) + R::Int32(23));
  raw.Send('D', "S" + R::CStr("s1"));
  raw.Send('B', R::CStr("p1") + R::CStr("s1") + R::Int16(1) + R::Int16(0) + R::Int16(1) + R::Int32(1) + "5" +
                    R::Int16(1) + R::Int16(1));
  raw.Send('E', R::CStr("p1") + R::Int32(2));
  raw.Send('E', R::CStr("p1") + R::Int32(2));
  raw.Send('C', "P" + R::CStr("p1"));
  raw.Send('S', "");
  auto msgs = raw.ReadUntilReady();
  std::string types;
  for (auto& m : msgs) types += m.type;
  EXPECT_EQ(types, "1tT2DDsDC3Z") << types;
  // Binary int4 result: 4 bytes, value 1.
  for (auto& m : msgs) {
    if (m.type == 'D') {
      EXPECT_EQ(m.body, R::Int16(1) + R::Int32(4) + R::Int32(1));
      break;
    }
  }
  for (auto& m : msgs) {
    if (m.type == 'C') {
      EXPECT_EQ(m.body, R::CStr("SELECT 3"));
    }
    if (m.type == 't') {
      EXPECT_EQ(m.body, R::Int16(1) + R::Int32(23));
    }
  }
}

TEST_F(ProtocolTest, ErrorSkipsToSyncAndCarriesFields) {
  RawClient raw(c_.sockdir(), c_.port());
  ASSERT_TRUE(raw.Login(c_.superuser()));
  raw.Send('P', R::CStr("") + R::CStr("SELECT 1 + FROM x") + R::Int16(0));
  raw.Send('B', R::CStr("") + R::CStr("") + R::Int16(0) + R::Int16(0) + R::Int16(0));
  raw.Send('E', R::CStr("") + R::Int32(0));
  raw.Send('S', "");
  auto msgs = raw.ReadUntilReady();
  ASSERT_EQ(msgs.size(), 2u);
  ASSERT_EQ(msgs[0].type, 'E');
  const std::string& e = msgs[0].body;
  EXPECT_EQ(R::ErrorField(e, 'S'), "ERROR");
  EXPECT_EQ(R::ErrorField(e, 'V'), "ERROR");
  EXPECT_EQ(R::ErrorField(e, 'C'), "42601");
  EXPECT_EQ(R::ErrorField(e, 'M'), "syntax error at or near \"FROM\"");
  EXPECT_EQ(R::ErrorField(e, 'P'), "12");
  EXPECT_FALSE(R::ErrorField(e, 'F').empty());
  EXPECT_FALSE(R::ErrorField(e, 'L').empty());
  EXPECT_FALSE(R::ErrorField(e, 'R').empty());
  EXPECT_EQ(msgs[1].body, "I");
  // The session goes on.
  raw.Send('Q', R::CStr("SELECT 1"));
  auto ok = raw.ReadUntilReady();
  ASSERT_GE(ok.size(), 3u);
  EXPECT_EQ(ok[0].type, 'T');
}

TEST_F(ProtocolTest, LibpqPreparedBinaryParameters) {
  Conn conn = c_.Connect();
  Result prep(PQprepare(conn.get(), "add", "SELECT $1::int8 + $2::int4, $3::text || 'x'", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  int64_t a = static_cast<int64_t>(htobe64(40));
  int32_t b = static_cast<int32_t>(htonl(2));
  const char* values[3] = {reinterpret_cast<const char*>(&a), reinterpret_cast<const char*>(&b), "ab"};
  int lengths[3] = {8, 4, 2};
  int formats[3] = {1, 1, 0};
  Result r(PQexecPrepared(conn.get(), "add", 3, values, lengths, formats, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "42");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "abx");
  EXPECT_EQ(PQftype(r.get(), 0), 20u);
  Result d(PQdescribePrepared(conn.get(), "add"));
  EXPECT_EQ(PQnparams(d.get()), 3);
  EXPECT_EQ(PQparamtype(d.get(), 0), 20u);
}

// CPU time (user + system, in clock ticks) a process has used so far.
long CpuTicks(const std::string& pid) {
  std::ifstream f("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));  // the name may hold spaces
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// A lone session's backend polls briefly for the next message instead of
// sleeping at once (protocol/connection.h); the poll is bounded, so an idle
// backend still sleeps, and it still answers at once when the query comes.
TEST_F(ProtocolTest, IdleBackendSleepsAfterItsBriefPoll) {
  Conn conn = c_.Connect();
  std::string pid = QueryValue(conn.get(), "SELECT pg_backend_pid()");
  for (int i = 0; i < 200; ++i) ASSERT_EQ(QueryValue(conn.get(), "SELECT " + std::to_string(i)), std::to_string(i));
  long before = CpuTicks(pid);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  long idle = CpuTicks(pid) - before;
  EXPECT_LT(idle, 15) << "an idle backend used " << idle << " ticks in 1.5 s";
  EXPECT_EQ(QueryValue(conn.get(), "SELECT 'awake'"), "awake");
}

TEST_F(ProtocolTest, MalformedMessagesEndOnlyThatSession) {
  Conn bystander = c_.Connect();
  ASSERT_EQ(PQstatus(bystander.get()), CONNECTION_OK);
  {
    RawClient raw(c_.sockdir(), c_.port());
    ASSERT_TRUE(raw.Login(c_.superuser()));
    raw.SendRaw(std::string("Q") + R::Int32(2));  // length below 4
    RawMessage m = raw.Read();
    EXPECT_EQ(m.type, 'E');
    EXPECT_EQ(R::ErrorField(m.body, 'C'), "08P01");
    EXPECT_EQ(raw.Read(1000).type, 0);  // connection closed
  }
  {
    RawClient raw(c_.sockdir(), c_.port());
    ASSERT_TRUE(raw.Login(c_.superuser()));
    raw.SendRaw(std::string("Q") + R::Int32(0x7fffffff));  // oversized
    RawMessage m = raw.Read();
    EXPECT_EQ(m.type, 'E');
    EXPECT_EQ(R::ErrorField(m.body, 'M'), "invalid message length");
  }
  {
    RawClient raw(c_.sockdir(), c_.port());
    ASSERT_TRUE(raw.Login(c_.superuser()));
    raw.Send('z', "");  // unknown type
    RawMessage m = raw.Read();
    EXPECT_EQ(R::ErrorField(m.body, 'M'), "invalid frontend message type 122");
  }
  {
    RawClient raw(c_.sockdir(), c_.port());
    raw.SendRaw(R::Int32(100000) + R::Int32(3 << 16));  // too long: logged, no reply
    EXPECT_EQ(raw.Read(2000).type, 0);
    EXPECT_NE(c_.WaitForLog("LOG:  invalid length of startup packet"), std::string::npos);
  }
  {
    RawClient raw(c_.sockdir(), c_.port());
    raw.SendRaw(R::Int32(8) + R::Int32(2 << 16));  // protocol 2.0
    RawMessage m = raw.Read();
    EXPECT_EQ(R::ErrorField(m.body, 'C'), "0A000");
    EXPECT_EQ(R::ErrorField(m.body, 'M'), "unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
  }
  EXPECT_EQ(QueryValue(bystander.get(), "SELECT 5"), "5");
  EXPECT_EQ(c_.ReadLog().find("terminated by signal"), std::string::npos) << c_.ReadLog();
}

TEST_F(ProtocolTest, FuzzStartupAndSessions) {
  Conn bystander = c_.Connect();
  std::mt19937 rng(12345);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& ch : s) ch = static_cast<char>(rng());
    return s;
  };
  const char kTypes[] = "QPBDESCHXFdcfpz\0";
  int sessions = 0;
  for (int round = 0; round < 400; ++round) {
    RawClient raw(c_.sockdir(), c_.port());
    ASSERT_GE(raw.fd(), 0);
    int mode = round % 4;
    if (mode == 0) {
      raw.SendRaw(random_bytes(rng() % 64));  // garbage startup
    } else if (mode == 1) {
      // A plausible startup packet, truncated or with a lying length.
      std::string body = R::Int32(3 << 16) + R::CStr("user") + R::CStr(c_.superuser()) + R::CStr("");
      std::string pkt = R::Int32(static_cast<int32_t>(body.size() + 4 + (rng() % 3) - 1)) + body;
      raw.SendRaw(pkt.substr(0, rng() % (pkt.size() + 1)));
    } else {
      if (!raw.Login(c_.superuser())) continue;
      ++sessions;
      for (int k = 0; k < 12; ++k) {
        char type = kTypes[rng() % (sizeof kTypes - 1)];
        std::string body = random_bytes(rng() % 40);
        if (mode == 2) {
          raw.Send(type, body);
        } else {
          std::string msg = std::string(1, type) + R::Int32(static_cast<int32_t>(rng() % 64)) + body;
          raw.SendRaw(msg.substr(0, rng() % (msg.size() + 1)));
        }
      }
    }
    shutdown(raw.fd(), SHUT_WR);
    while (raw.Read(200).type != 0) {
    }
  }
  EXPECT_GT(sessions, 100);
  EXPECT_TRUE(c_.Running());
  EXPECT_EQ(QueryValue(bystander.get(), "SELECT 99"), "99");
  std::string log = c_.ReadLog();
  EXPECT_EQ(log.find("terminated by signal"), std::string::npos) << log.substr(0, 4000);
  EXPECT_EQ(log.find("terminating any other active server processes"), std::string::npos);
  Conn fresh = c_.Connect();
  EXPECT_EQ(PQstatus(fresh.get()), CONNECTION_OK);
}

}  // namespace
}  // namespace tusk::test
