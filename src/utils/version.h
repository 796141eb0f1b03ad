// The server's version, in the forms clients read: server_version (ParameterStatus),
// version(), and the start-up log line.
#pragma once

namespace tusk {

inline constexpr char kServerVersion[] = "15.0";
inline constexpr int kServerVersionNum = 150000;
inline constexpr char kVersionString[] =
    "PostgreSQL 15.0 (Tusk 0.1) on x86_64-pc-linux-gnu, compiled by g++ 12, 64-bit";

}  // namespace tusk
