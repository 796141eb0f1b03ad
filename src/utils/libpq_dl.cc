#include "utils/libpq_dl.h"

#include <dlfcn.h>

#include <cstring>

namespace tusk {

bool Libpq::Load(std::string* error) {
  void* h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    *error = std::string("could not load library \"libpq.so.5\": ") + dlerror();
    return false;
  }
  bool ok = true;
  auto sym = [&](auto* fn, const char* name) {
    void* p = dlsym(h, name);
    if (p == nullptr) ok = false;
    std::memcpy(fn, &p, sizeof p);
  };
  sym(&connectdb, "PQconnectdb");
  sym(&status, "PQstatus");
  sym(&error_message, "PQerrorMessage");
  sym(&finish, "PQfinish");
  sym(&exec, "PQexec");
  sym(&send_query, "PQsendQuery");
  sym(&get_result, "PQgetResult");
  sym(&result_status, "PQresultStatus");
  sym(&result_error_message, "PQresultErrorMessage");
  sym(&ntuples, "PQntuples");
  sym(&nfields, "PQnfields");
  sym(&getvalue, "PQgetvalue");
  sym(&getisnull, "PQgetisnull");
  sym(&clear, "PQclear");
  sym(&get_copy_data, "PQgetCopyData");
  sym(&put_copy_data, "PQputCopyData");
  sym(&put_copy_end, "PQputCopyEnd");
  sym(&flush, "PQflush");
  sym(&socket, "PQsocket");
  sym(&consume_input, "PQconsumeInput");
  sym(&freemem, "PQfreemem");
  if (!ok) *error = "libpq.so.5 lacks a function Tusk needs";
  return ok;
}

std::string TrimMessage(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace tusk
