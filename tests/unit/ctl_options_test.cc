// Unit tests for the control verbs' argument parser and initdb's: every
// message is compared with the text pg_ctl / initdb print.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "ctl/ctl_internal.h"
#include "ctl/initdb.h"

namespace {

using tusk::ctl::CtlParseResult;
using tusk::ctl::ShutdownMode;

CtlParseResult Parse(std::vector<std::string> args, const char* pgdata = nullptr, const char* timeout = nullptr) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return tusk::ctl::ParseCtlArgs(static_cast<int>(argv.size()), argv.data(), pgdata, timeout);
}

TEST(CtlOptions, Defaults) {
  auto r = Parse({"stop", "-D", "/data/"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.datadir, "/data");
  EXPECT_EQ(r.options.mode, ShutdownMode::kFast);
  EXPECT_TRUE(r.options.wait);
  EXPECT_EQ(r.options.timeout_secs, 60);
  EXPECT_FALSE(r.options.silent);
}

TEST(CtlOptions, AllForms) {
  auto r = Parse({"start", "--pgdata=/d", "-l", "log", "-o", "-p 5433", "--options=-c x=1", "-W", "-t30", "-s"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.datadir, "/d");
  EXPECT_EQ(r.options.log_file, "log");
  EXPECT_EQ(r.options.post_opts, "-p 5433 -c x=1");
  EXPECT_FALSE(r.options.wait);
  EXPECT_EQ(r.options.timeout_secs, 30);
  EXPECT_TRUE(r.options.silent);
}

TEST(CtlOptions, ShutdownModes) {
  EXPECT_EQ(Parse({"stop", "-D", "d", "-m", "s"}).options.mode, ShutdownMode::kSmart);
  EXPECT_EQ(Parse({"stop", "-D", "d", "-mimmediate"}).options.mode, ShutdownMode::kImmediate);
  EXPECT_EQ(Parse({"stop", "-D", "d", "--mode", "fast"}).options.mode, ShutdownMode::kFast);
  auto r = Parse({"stop", "-D", "d", "-m", "bogus"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "tusk: unrecognized shutdown mode \"bogus\"\nTry \"tusk --help\" for more information.\n");
}

TEST(CtlOptions, PgdataFallbackAndMissing) {
  EXPECT_EQ(Parse({"status"}, "/env").options.datadir, "/env");
  EXPECT_EQ(Parse({"status", "-D", "/opt"}, "/env").options.datadir, "/opt");
  auto r = Parse({"status"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "tusk: no database directory specified and environment variable PGDATA unset\n"
            "Try \"tusk --help\" for more information.\n");
}

TEST(CtlOptions, TimeoutFromEnvironmentOverriddenByFlag) {
  EXPECT_EQ(Parse({"start", "-D", "d"}, nullptr, "7").options.timeout_secs, 7);
  EXPECT_EQ(Parse({"start", "-D", "d", "-t", "9"}, nullptr, "7").options.timeout_secs, 9);
}

TEST(CtlOptions, GetoptMessages) {
  EXPECT_EQ(Parse({"status", "-Z"}).error, "tusk: invalid option -- 'Z'\nTry \"tusk --help\" for more information.\n");
  EXPECT_EQ(Parse({"stop", "-m"}).error,
            "tusk: option requires an argument -- 'm'\nTry \"tusk --help\" for more information.\n");
  EXPECT_EQ(Parse({"stop", "--bogus"}).error,
            "tusk: unrecognized option '--bogus'\nTry \"tusk --help\" for more information.\n");
  EXPECT_EQ(Parse({"status", "-D", "d", "extra"}).error,
            "tusk: too many command-line arguments (first is \"status\")\nTry \"tusk --help\" for more information.\n");
}

TEST(CtlOptions, HelpWinsOverErrors) {
  auto r = Parse({"stop", "--help"});
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.options.help);
  EXPECT_TRUE(Parse({"start", "-?"}).options.help);
  EXPECT_NE(tusk::ctl::CtlHelpText().find("  tusk kill       SIGNALNAME PID\n"), std::string::npos);
}

TEST(CtlOptions, Kill) {
  auto r = Parse({"kill", "HUP", "123"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.kill_signal, SIGHUP);
  EXPECT_EQ(r.options.kill_pid, 123);
  EXPECT_EQ(Parse({"kill", "FOO", "1"}).error,
            "tusk: unrecognized signal name \"FOO\"\nTry \"tusk --help\" for more information.\n");
  EXPECT_EQ(Parse({"kill", "HUP"}).error,
            "tusk: missing arguments for kill mode\nTry \"tusk --help\" for more information.\n");
  EXPECT_FALSE(Parse({"kill", "HUP", "abc"}).ok);
  EXPECT_FALSE(Parse({"kill", "HUP", "1", "2"}).ok);
  for (const char* n : {"ABRT", "HUP", "INT", "KILL", "QUIT", "TERM", "USR1", "USR2"})
    EXPECT_NE(tusk::ctl::SignalFromName(n), 0) << n;
}

TEST(CtlOptions, PostmasterOptsParsing) {
  using tusk::ctl::ParsePostmasterOpts;
  EXPECT_EQ(ParsePostmasterOpts("/usr/bin/tusk \"server\" \"-D\" \"/d\" \"-p\" \"5433\"\n"),
            (std::vector<std::string>{"-D", "/d", "-p", "5433"}));
  EXPECT_EQ(ParsePostmasterOpts("/opt/my dir/tusk \"-c\" \"a=b c\""), (std::vector<std::string>{"-c", "a=b c"}));
  EXPECT_EQ(ParsePostmasterOpts("/usr/bin/tusk server -D /d"), (std::vector<std::string>{"-D", "/d"}));
  EXPECT_TRUE(ParsePostmasterOpts("/usr/bin/tusk").empty());
}

TEST(CtlOptions, ShellQuote) {
  EXPECT_EQ(tusk::ctl::ShellQuote("a b"), "'a b'");
  EXPECT_EQ(tusk::ctl::ShellQuote("it's"), "'it'\\''s'");
}

tusk::ctl::InitDbParseResult ParseInit(std::vector<std::string> args, const char* pgdata = nullptr) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return tusk::ctl::ParseInitDbArgs(static_cast<int>(argv.size()), argv.data(), pgdata);
}

TEST(InitDbOptions, Forms) {
  auto r = ParseInit({"initdb", "-D", "/d", "-U", "alice", "--auth=md5", "--auth-local=peer", "--pwfile", "pw", "-N"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.datadir, "/d");
  EXPECT_EQ(r.options.username, "alice");
  EXPECT_EQ(r.options.auth_host, "md5");
  EXPECT_EQ(r.options.auth_local, "peer");
  EXPECT_EQ(r.options.pwfile, "pw");
  EXPECT_TRUE(r.options.no_sync);
  EXPECT_EQ(ParseInit({"initdb", "/pos"}).options.datadir, "/pos");
  EXPECT_EQ(ParseInit({"initdb"}, "/env").options.datadir, "/env");
  EXPECT_EQ(ParseInit({"initdb", "-A", "trust", "/pos"}, "/env").options.datadir, "/pos");
}

TEST(InitDbOptions, Errors) {
  const std::string hint = "initdb: hint: Try \"tusk initdb --help\" for more information.\n";
  EXPECT_EQ(ParseInit({"initdb", "-D", "d", "a", "b"}).error,
            "initdb: error: too many command-line arguments (first is \"a\")\n" + hint);
  EXPECT_EQ(ParseInit({"initdb", "-Z"}).error, "initdb: invalid option -- 'Z'\n" + hint);
  EXPECT_EQ(ParseInit({"initdb", "--pwfile"}).error, "initdb: option '--pwfile' requires an argument\n" + hint);
}

}  // namespace
