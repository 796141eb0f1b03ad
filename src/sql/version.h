// The server version string reported by version(); kept in one place so the
// backend's ParameterStatus and SQL agree.
#pragma once

namespace tusk::sql {
inline constexpr char kVersionString[] =
    "PostgreSQL 15.0 (Tusk) on x86_64-pc-linux-gnu, compiled by g++ 12, 64-bit";
inline constexpr char kServerVersion[] = "15.0";
}  // namespace tusk::sql
