// The postmaster moves the executable's code into anonymous memory before it
// forks (postmaster/code_copy.h), so backends inherit its page tables instead
// of faulting the code in from the file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cluster.h"

namespace tusk::test {
namespace {

struct CodeMappings {
  int from_file = 0;   // executable mappings of the tusk binary
  int anonymous = 0;   // executable mappings with no file
};

CodeMappings ExecutableMappings(pid_t pid, const std::string& binary) {
  CodeMappings out;
  std::string exe = std::filesystem::canonical(binary).string();
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, offset, dev, path;
    unsigned long inode = 0;
    in >> range >> perms >> offset >> dev >> inode >> path;
    if (perms.size() < 3 || perms[2] != 'x') continue;
    if (path == exe) ++out.from_file;
    if (inode == 0 && path.empty()) ++out.anonymous;
  }
  return out;
}

TEST(CodeCopy, BackendsRunTheCopyNotTheFile) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  PGresult* r = PQexec(conn.get(), "SELECT count(*) FROM pg_class WHERE relname LIKE 'pg_%'");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  PQclear(r);
  for (pid_t pid : {c.postmaster_pid(), PQbackendPID(conn.get())}) {
    CodeMappings m = ExecutableMappings(pid, c.tusk_binary());
    EXPECT_EQ(m.from_file, 0) << "pid " << pid;
    EXPECT_GE(m.anonymous, 1) << "pid " << pid;
  }
}

TEST(CodeCopy, EnvironmentKeepsTheFileMapping) {
  Cluster c;
  setenv("TUSK_KEEP_FILE_CODE", "1", 1);
  c.Start();
  unsetenv("TUSK_KEEP_FILE_CODE");
  Conn conn = c.Connect();
  EXPECT_GE(ExecutableMappings(PQbackendPID(conn.get()), c.tusk_binary()).from_file, 1);
}

}  // namespace
}  // namespace tusk::test
