// tusk_slt: command-line driver for the sqllogictest runner. Runs script files
// against one server, or against two (--compare) side by side, and prints
// per-file counts, a comparison table and a one-line summary.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "slt_runner.h"
#include "slt_script.h"

namespace {

void Usage() {
  std::cerr
      << "usage: tusk_slt [options] FILE...\n"
         "  --conninfo STR           server to test (libpq connection string)\n"
         "  --compare STR            also run every file on a second server\n"
         "  --labels A,B             column names for --compare (default A,B)\n"
         "  --engine NAME            name matched by skipif/onlyif "
         "(default postgresql)\n"
         "  --reuse-db               no CREATE DATABASE: drop the file's "
         "tables/views/indexes instead\n"
         "  --timeout-per-query MS   statement_timeout for every record\n"
         "  --time-limit SEC         stop starting records after SEC seconds\n"
         "  --verbose                print every failure\n"
         "  --stop-on-error          stop a file at its first failure\n"
         "  --allow-failures         exit 0 even when records fail\n";
}

// Longest common directory prefix of `files`, so the table shows short names.
size_t CommonDirPrefix(const std::vector<std::string>& files) {
  if (files.size() < 2) {
    if (files.empty()) return 0;
    size_t slash = files[0].rfind('/');
    return slash == std::string::npos ? 0 : slash + 1;
  }
  std::string prefix = files[0];
  for (const auto& f : files) {
    size_t n = 0;
    while (n < prefix.size() && n < f.size() && prefix[n] == f[n]) ++n;
    prefix.resize(n);
  }
  size_t slash = prefix.rfind('/');
  return slash == std::string::npos ? 0 : slash + 1;
}

std::string Cell(const slt::FileStats& s, bool ran) {
  if (!ran) return "-";
  std::string out = std::to_string(s.passed);
  if (s.aborted) out += " (" + s.note + ")";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  slt::ServerOptions a;
  slt::ServerOptions b;
  std::string compare;
  std::string labels = "A,B";
  bool allow_failures = false;
  long time_limit_s = 0;
  std::vector<std::string> files;

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "tusk_slt: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--conninfo") a.conninfo = value();
    else if (arg == "--compare") compare = value();
    else if (arg == "--labels") labels = value();
    else if (arg == "--engine") a.engine = value();
    else if (arg == "--reuse-db") a.reuse_db = true;
    else if (arg == "--timeout-per-query") a.timeout_ms = std::atol(value().c_str());
    else if (arg == "--time-limit") time_limit_s = std::atol(value().c_str());
    else if (arg == "--verbose") a.verbose = true;
    else if (arg == "--stop-on-error") a.stop_on_error = true;
    else if (arg == "--allow-failures") allow_failures = true;
    else if (arg == "--help" || arg == "-h") {
      Usage();
      return 0;
    } else if (arg.rfind("--", 0) == 0) {
      std::cerr << "tusk_slt: unknown option " << arg << "\n";
      Usage();
      return 2;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    Usage();
    return 2;
  }

  size_t comma = labels.find(',');
  a.label = labels.substr(0, comma);
  if (time_limit_s > 0)
    a.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(time_limit_s);
  const bool comparing = !compare.empty();
  b = a;
  b.conninfo = compare;
  b.label = comma == std::string::npos ? "B" : labels.substr(comma + 1);
  // --reuse-db is about server A (Tusk); B discovers on its own whether it
  // supports CREATE DATABASE.
  b.reuse_db = false;
  if (!comparing) a.label.clear();

  size_t strip = CommonDirPrefix(files);
  slt::FileStats total_a, total_b;
  int total_records = 0;
  bool any_aborted = false;
  std::vector<std::string> table;

  for (size_t f = 0; f < files.size(); ++f) {
    slt::Script script;
    std::string error;
    if (!slt::LoadScript(files[f], &script, &error)) {
      std::cerr << "tusk_slt: " << error << "\n";
      any_aborted = true;
      continue;
    }
    const bool past_deadline = std::chrono::steady_clock::now() > a.deadline;
    int records = slt::CountRunnable(script, a.engine);
    total_records += records;
    slt::FileStats sa, sb;
    if (!past_deadline) {
      std::thread tb;
      if (comparing)
        tb = std::thread([&] { sb = slt::RunScript(script, static_cast<int>(f), b); });
      sa = slt::RunScript(script, static_cast<int>(f), a);
      if (tb.joinable()) tb.join();
    }
    std::string name = files[f].substr(strip);
    any_aborted = any_aborted || past_deadline || sa.aborted || sb.aborted;
    for (auto [tot, s] : {std::pair{&total_a, &sa}, std::pair{&total_b, &sb}}) {
      tot->run += s->run;
      tot->passed += s->passed;
      tot->failed += s->failed;
      tot->skipped += s->skipped;
    }
    if (comparing) {
      table.push_back("| " + name + " | " + std::to_string(records) + " | " +
                      Cell(sa, !past_deadline) + " | " +
                      Cell(sb, !past_deadline) + " |");
      std::printf("%s: %s %d/%d passed, %s %d/%d passed\n", name.c_str(),
                  a.label.c_str(), sa.passed, records, b.label.c_str(),
                  sb.passed, records);
    } else if (past_deadline) {
      std::printf("%s: not run (time limit reached)\n", name.c_str());
    } else {
      std::printf("%s: %d records, %d passed, %d failed, %d skipped%s%s\n",
                  name.c_str(), sa.run, sa.passed, sa.failed, sa.skipped,
                  sa.aborted ? ", stopped early: " : "", sa.note.c_str());
    }
    std::fflush(stdout);
  }

  if (comparing) {
    std::printf("\n| file | records | %s passed | %s passed |\n", a.label.c_str(),
                b.label.c_str());
    std::printf("|---|---:|---:|---:|\n");
    for (const auto& line : table) std::printf("%s\n", line.c_str());
    std::printf("| total | %d | %d | %d |\n\n", total_records, total_a.passed,
                total_b.passed);
    std::printf("%s: %d passed, %d failed\n", a.label.c_str(), total_a.passed,
                total_a.failed);
    std::printf("%s: %d passed, %d failed\n", b.label.c_str(), total_b.passed,
                total_b.failed);
  } else {
    std::printf("%d passed, %d failed\n", total_a.passed, total_a.failed);
  }
  const bool failed = total_a.failed > 0 || total_b.failed > 0 || any_aborted;
  return failed && !allow_failures ? 1 : 0;
}
